//! GraphQL object types. Each wraps a store record or domain value and converts at this edge;
//! no database model is ever exposed.

mod account;
mod audit;
mod history;
mod identity;
mod impact;
mod node;
mod realignment;
mod territory;

pub use account::{Account, AssignmentRule};
pub use audit::{AuditEvent, AuditIntegrity};
pub use history::{AssignmentInterval, TerritorySnapshot};
pub use identity::{ApiKey, Role, Tenant, User};
pub use impact::RealignmentImpact;
pub use node::Node;
pub use realignment::{Realignment, RealignmentChange, RealignmentStatus};
pub use territory::Territory;
