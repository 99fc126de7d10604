//! GraphQL object types. Each wraps a store record or domain value and converts at this edge;
//! no database model is ever exposed.

mod account;
mod audit;
mod history;
mod identity;
mod impact;
mod node;
mod quota;
mod realignment;
mod rep;
mod territory;

pub use account::{Account, AssignmentRule};
pub use audit::{AuditEvent, AuditIntegrity};
pub use history::{AssignmentInterval, TerritorySnapshot};
pub use identity::{ApiKey, Role, Tenant, User};
pub use impact::RealignmentImpact;
pub use node::Node;
pub use quota::{
    Actual, Balance, BalanceMeasure, BalanceRowView, FiscalCalendar, Metric, PerformanceRow,
    QuotaSummary,
};
pub use realignment::{Realignment, RealignmentChange, RealignmentStatus};
pub use rep::{Coverage, GeoPoint, MemberRole, OwnerSuggestion, Rep, RepLoad, TerritoryMember};
pub use territory::Territory;
