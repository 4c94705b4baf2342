//! Reading and writing progress tables (一览表), pure over text and bytes.
//!
//! Every importer turns what an office has into a [`duban_core::Table`] and every problem into an
//! [`ImportError`] that names the line (or sheet row), the half of a two-up page and the column,
//! so a clerk can find it. Importers read the whole input before returning anything: a caller
//! either gets a complete table or an error, never part of one.
//!
//! - [`columns`]: the header words offices use for each column, and which role each plays.
//! - [`meta`]: what a title and intro say: government, year, period, declared total.
//! - [`twoup`]: the text extracted from a published PDF, with one or two tables side by side.

pub mod columns;
mod error;
pub mod meta;
pub mod twoup;

pub use error::{ImportError, ImportErrorKind, Location, Side};
