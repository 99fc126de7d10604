//! SeaORM entities: the tables as the database sees them. They never leave this crate; the
//! store converts them into domain values and records at its edge.

pub mod api_key;
pub mod audit_event;
pub mod realignment;
pub mod realignment_change;
pub mod session;
pub mod tenant;
pub mod territory;
pub mod user;
