//! SeaORM entities: the tables as the database sees them. They never leave this crate; the
//! store converts them into domain values and records at its edge.

pub mod account;
pub mod account_total;
pub mod actual;
pub mod actual_total;
pub mod api_key;
pub mod assignment;
pub mod assignment_history;
pub mod assignment_rule;
pub mod audit_event;
pub mod idempotency_key;
pub mod login_attempt;
pub mod quota;
pub mod realignment;
pub mod realignment_change;
pub mod realignment_move;
pub mod rep;
pub mod session;
pub mod tenant;
pub mod territory;
pub mod territory_history;
pub mod territory_member;
pub mod user;
