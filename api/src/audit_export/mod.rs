//! The auditor's export: the audit chain as NDJSON, one event per line with every field its
//! hash covers (served by `GET /audit/export`), and the offline check of such a file
//! (`terrane audit verify`), which recomputes the hashes with the domain's own code.

mod line;
mod verify;

pub use line::{ExportLine, LineActor, LineProblem};
pub use verify::{Failure, VerifyReport, verify_ndjson};
