//! The auditor's queries: the event log and its integrity check.

use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use terrane_domain::identity::Permission;
use terrane_persistence::AuditFilter;

use super::ids::{NodeKind, decode, decode_as};
use super::pagination::{Conn, connection, page_request};
use super::types::{AuditEvent, AuditIntegrity};
use super::{ApiError, RequestContext};
use crate::auth::RoleGuard;

/// Narrows the audit log. Every field given must match.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Events about this object (any global id).
    pub entity_id: Option<ID>,
    /// Events about objects of this type, e.g. `Territory`.
    pub entity_type: Option<String>,
    /// Events with this action, e.g. `territory.moved` or `accounts.assigned`.
    pub action: Option<String>,
    /// Events by this user or API key.
    pub actor_id: Option<ID>,
    /// Events of this realignment.
    pub realignment_id: Option<ID>,
    /// At or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
}

impl TryFrom<AuditEventFilter> for AuditFilter {
    type Error = ApiError;
    fn try_from(f: AuditEventFilter) -> Result<Self, ApiError> {
        Ok(AuditFilter {
            entity_id: f
                .entity_id
                .as_ref()
                .map(decode)
                .transpose()?
                .map(|(_, id)| id),
            entity_type: f.entity_type,
            action: f.action,
            actor_id: f
                .actor_id
                .as_ref()
                .map(decode)
                .transpose()?
                .map(|(_, id)| id),
            realignment_id: f
                .realignment_id
                .as_ref()
                .map(|id| decode_as(id, NodeKind::Realignment))
                .transpose()?,
            from: f.from,
            to: f.to,
        })
    }
}

/// Audit queries (ADMIN and AUDITOR).
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The tenant's audit events in chain order (`seq` ascending).
    #[graphql(
        guard = "RoleGuard::new(Permission::ReadAudit)",
        complexity = "crate::graphql::limits::connection_cost(first, child_complexity)"
    )]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditEventFilter>,
    ) -> Result<Conn<AuditEvent>> {
        let page = page_request(first, after, |k| k.parse::<i64>().ok())?;
        let had_cursor = page.after.is_some();
        let filter = AuditFilter::try_from(filter.unwrap_or_default())?;
        let rows = RequestContext::of(ctx)?
            .scope()?
            .audit_events(&filter, page)
            .await
            .map_err(ApiError::from)?;
        Ok(connection(
            rows,
            had_cursor,
            |e| e.seq.to_string(),
            AuditEvent,
        ))
    }

    /// Recomputes the whole hash chain and reports the first event that does not fit.
    #[graphql(guard = "RoleGuard::new(Permission::ReadAudit)")]
    async fn audit_integrity(&self, ctx: &Context<'_>) -> Result<AuditIntegrity> {
        let report = RequestContext::of(ctx)?
            .scope()?
            .audit_integrity()
            .await
            .map_err(ApiError::from)?;
        Ok(report.into())
    }
}
