//! Typed database ids, so a `TargetId` can never be passed where a `RoundId` is meant.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id! {
    /// A [`Plan`](crate::Plan) row.
    PlanId,
    /// A [`Target`](crate::Target) row.
    TargetId,
    /// An [`Entry`](crate::Entry) row.
    EntryId,
    /// A round (调度) row.
    RoundId,
    /// A report (完成情况) row.
    ReportId,
    /// A publication (公开) row.
    PublicationId,
    /// A unit (责任单位) row.
    UnitId,
}
