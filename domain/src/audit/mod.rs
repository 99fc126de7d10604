//! The audit log: append-only events, numbered per tenant without gaps and hash-chained so that
//! anyone holding the head hash can detect an event changed, removed, reordered or inserted.

mod chain;
mod event;
mod slice;

pub use chain::{
    ChainFault, ChainReport, ChainVerifier, GENESIS_HASH, canonical_bytes, chain_hash, check_link,
};
pub use event::{Actor, ActorKind, AuditEvent, NewAuditEvent};
pub use slice::{SliceSummary, SliceVerifier};
