//! GraphQL object types. Each wraps a store record or domain value and converts at this edge;
//! no database model is ever exposed.

mod account;
mod audit;
mod identity;
mod node;
mod realignment;
mod territory;

pub use account::{Account, AssignmentRule};
pub use audit::{AuditEvent, AuditIntegrity};
pub use identity::{ApiKey, Role, Tenant, User};
pub use node::Node;
pub use realignment::Realignment;
pub use territory::Territory;
