//! Realignments: the one way alignment state changes. A realignment is a list of typed changes;
//! [`apply`] decides, purely, what they do to the current state or why they cannot be applied.

mod apply;
mod change;
mod effect;
mod problem;
mod state;

pub use apply::{Applied, apply};
pub use change::{
    AccountTarget, AssignAccounts, Change, CreateTerritory, DeleteTerritory, MoveTerritory,
    UpdateTerritory,
};
pub use effect::{AccountMove, AccountsEffect, Effect, MoveDigest, TerritoryEffect};
pub use problem::{Problem, ProblemCode};
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
}

impl RealignmentStatus {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Applied => "APPLIED",
            Self::Discarded => "DISCARDED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Applied, Self::Discarded]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}
