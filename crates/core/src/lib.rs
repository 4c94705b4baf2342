//! duban's domain, free of I/O: the words of DESIGN.md as types.
//!
//! A [`Plan`](plan::Plan) is one government's numbered targets for one year; each
//! [`Target`](plan::Target) has one or more [`Entry`](plan::Entry) groups of leaders and units.
//! A round (调度) collects a report per entry for a [`Period`], moving through [`RoundState`] and
//! [`ReportState`];
//! publishing a round freezes it into a [`Table`](table::Table), the 一览表 the public reads.
//! Values are parsed once at the edge (`parse`/`TryFrom`) so the rest of the code can trust them.

pub mod access;
pub mod aliases;
pub mod chain;
pub mod deadline;
pub mod draft;
pub mod extension;
pub mod government;
pub mod ids;
pub mod names;
pub mod period;
pub mod plan;
pub mod round;
pub mod search;
pub mod table;
pub mod text;
pub mod time;

pub use deadline::Deadline;
pub use draft::{DraftError, EntryDraft, TargetDraft};
pub use extension::{Extension, ExtensionState};
pub use government::{Government, GovernmentCode};
pub use ids::*;
pub use names::{Leader, Unit};
pub use period::{Period, PeriodKind};
pub use plan::{Entry, Plan, Target, TargetNo};
pub use round::{ReportState, RoundState};
pub use table::{Extra, Table, TableEntry, TableTarget, Timeliness};
