//! Terrane's functional core.
//!
//! Everything here is pure: validated value types, hierarchy rules, boundary validation, the
//! decision of what a realignment does to the alignment state, and audit-chain hashing. No I/O,
//! no database, no GraphQL: persistence and api orchestrate, this crate decides.

pub mod account;
pub mod assignment;
pub mod audit;
pub mod identity;
pub mod ids;
pub mod quota;
pub mod realignment;
pub mod rep;
pub mod territory;
