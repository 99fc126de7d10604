//! Realignments: the one way alignment state changes. A realignment is a list of typed changes;
//! [`apply`] decides, purely, what they do to the current state or why they cannot be applied.

mod apply;
mod change;
mod effect;
mod expand;
mod impact;
mod plan;
mod plan_json;
mod problem;
mod revert;
mod staffing;
mod state;

pub use apply::{Applied, apply};
pub use change::{
    AccountTarget, AssignAccounts, Change, CreateTerritory, DeleteTerritory, MoveTerritory,
    RestoreTerritories, SetMember, SetQuota, UpdateTerritory,
};
pub use effect::{
    AccountMove, AccountsEffect, Effect, MemberEffect, MoveDigest, QuotaEffect, TerritoryEffect,
};
pub use expand::{PlanInputs, apply_plan};
pub use impact::{Load, TerritoryImpact, impact, spread};
pub use plan::{
    DeletePlan, MergeTerritories, MoveAccounts, PlanChange, RerunAssignment, SplitTerritory,
};
pub use problem::{Problem, ProblemCode};
pub use revert::Footprint;
pub use state::AlignmentState;

/// Where a realignment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealignmentStatus {
    /// Holds changes; nothing applied yet.
    Draft,
    /// Applied to the alignment state.
    Applied,
    /// Dropped without being applied.
    Discarded,
    /// Waiting for its `effectiveAt`, when the server applies it.
    Scheduled,
    /// Its scheduled apply was refused (its problems are kept with it).
    Failed,
}

impl RealignmentStatus {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Applied => "APPLIED",
            Self::Discarded => "DISCARDED",
            Self::Scheduled => "SCHEDULED",
            Self::Failed => "FAILED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Draft,
            Self::Applied,
            Self::Discarded,
            Self::Scheduled,
            Self::Failed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}
