//! Terrane's store: SeaORM over SQLite (the embedded default) or PostgreSQL.
//!
//! Tenant data is reachable only through a [`TenantScope`], obtained with
//! [`Store::tenant`] from a tenant id the API took from an authenticated request. Every query a
//! scope runs filters on its tenant; every write to alignment state goes through
//! [`TenantScope::apply_realignment`], one transaction that validates (in the domain), writes
//! state and appends hash-chained audit events.

mod account_totals;
mod accounts;
mod actuals;
mod applied_moves;
mod assignment_run;
mod audit;
mod audit_export;
mod bulk_moves;
mod connect;
// Entities mirror the tables column for column; their docs are the migrations.
mod drafts;
#[allow(missing_docs)]
mod entity;
mod error;
mod geo_cache;
mod history;
mod idempotency;
mod identity;
mod import;
mod login_attempts;
mod metrics;
mod monitoring;
mod move_rows;
mod moves;
mod page;
mod plan_apply;
mod plan_context;
mod quotas;
mod realignment_record;
mod realignments;
mod records;
mod reps;
mod revert;
mod rules;
mod scheduler;
mod scope;
mod staffing;
mod territories;
mod territory_writes;
pub mod testing;
mod touched;

pub use accounts::{AccountFilter, AccountRecord, AccountRefusal, PlacementRecord};
pub use actuals::{ActualRecord, ActualRefusal, ActualsImport, NewActual};
pub use assignment_run::RunOutcome;
pub use audit::AuditFilter;
pub use audit_export::{AuditExportCursor, AuditRange};
pub use connect::Store;
pub use drafts::StoredChange;
pub use error::StoreError;
pub use history::{AssignmentInterval, TerritorySnapshot};
pub use idempotency::{ClaimTimes, IdempotencyClaim};
pub use identity::{
    ApiKeyRecord, LoginRecord, NewApiKey, NewSession, NewUser, Principal, SignUp, SignUpRefusal,
    UserRecord,
};
pub use import::{ImportMode, ImportReport, RowError};
pub use login_attempts::LoginAttempts;
pub use metrics::TerritoryMetrics;
pub use monitoring::{BalanceLine, BalanceMeasure, BalanceView, Coverage, PerformanceRow};
pub use page::{Page, PageRequest};
pub use plan_apply::{BalanceGroup, BalanceRow, Preview};
pub use quotas::{FiscalSettings, QuotaSummary, SettingsRefusal};
pub use realignments::{AppliedRealignment, RealignmentRecord, RealignmentRequest};
pub use records::{TenantRecord, TerritoryRecord};
pub use reps::{MemberRecord, RepFields, RepRecord, RepRefusal};
pub use rules::{NewRule, RuleRecord, RuleRefusal};
pub use scope::{TenantScope, WriteContext};
pub use territories::TerritoryFilter;
