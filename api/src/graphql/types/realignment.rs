//! Realignments as clients see them.

use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};
use terrane_domain::realignment::RealignmentStatus as DomainStatus;
use terrane_persistence::RealignmentRecord;

use super::audit::AuditActor;
use crate::graphql::ids::{NodeKind, encode};

/// Where a realignment is in its life.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RealignmentStatus {
    /// Holds changes; nothing applied.
    Draft,
    /// Applied.
    Applied,
    /// Dropped unapplied.
    Discarded,
}

impl From<DomainStatus> for RealignmentStatus {
    fn from(s: DomainStatus) -> Self {
        match s {
            DomainStatus::Draft => Self::Draft,
            DomainStatus::Applied => Self::Applied,
            DomainStatus::Discarded => Self::Discarded,
        }
    }
}

/// A list of changes to alignment state, applied together. Every territory mutation is one.
pub struct Realignment(pub RealignmentRecord);

#[Object]
impl Realignment {
    /// Global id.
    pub async fn id(&self) -> ID {
        encode(NodeKind::Realignment, self.0.id)
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Why it was made.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Status.
    async fn status(&self) -> RealignmentStatus {
        self.0.status.into()
    }
    /// Who created it.
    async fn created_by(&self) -> AuditActor {
        AuditActor(self.0.created_by)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was applied.
    async fn applied_at(&self) -> Option<DateTime<Utc>> {
        self.0.applied_at
    }
}
