//! `node(id:)`: fetch any object by global id, within the caller's tenant only.

use async_graphql::{Context, ID, Object, Result};
use terrane_domain::identity::Permission;
use terrane_domain::ids::{
    AccountId, ApiKeyId, AuditEventId, RealignmentId, RepId, RuleId, TerritoryId, UserId,
};

use super::ids::{NodeKind, decode};
use super::types::{
    Account, ApiKey, AssignmentRule, AuditEvent, Node, Realignment, Rep, Tenant, Territory, User,
};
use super::{ApiError, RequestContext};
use crate::auth::RoleGuard;

/// The `node` query.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global id; null when it does not exist in your tenant (or your role
    /// may not read that kind of object).
    #[graphql(guard = "RoleGuard::new(Permission::ReadAlignment)")]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let request = RequestContext::of(ctx)?;
        let principal = request.principal()?;
        let scope = request.scope()?;
        let loaders = request.loaders()?;
        let (kind, uuid) = decode(&id)?;
        let may_audit = principal.role.allows(Permission::ReadAudit);
        let node = match kind {
            NodeKind::Tenant => {
                let tenant = scope.tenant().await.map_err(ApiError::from)?;
                (tenant.id.as_uuid() == uuid).then_some(Node::Tenant(Tenant(tenant)))
            }
            NodeKind::Territory => loaders
                .records
                .load_one(TerritoryId::from_uuid(uuid))
                .await?
                .map(|t| Node::Territory(Territory(t))),
            NodeKind::Realignment => loaders
                .records
                .load_one(RealignmentId::from_uuid(uuid))
                .await?
                .map(|r| Node::Realignment(Realignment(r))),
            NodeKind::User if may_audit || principal.actor.id == Some(uuid) => loaders
                .records
                .load_one(UserId::from_uuid(uuid))
                .await?
                .map(|u| Node::User(User::from(u))),
            NodeKind::ApiKey if may_audit => loaders
                .records
                .load_one(ApiKeyId::from_uuid(uuid))
                .await?
                .map(|k| Node::ApiKey(ApiKey(k))),
            NodeKind::AuditEvent if may_audit => scope
                .audit_event(AuditEventId::from_uuid(uuid))
                .await
                .map_err(ApiError::from)?
                .map(|e| Node::AuditEvent(AuditEvent(e))),
            NodeKind::Account => loaders
                .records
                .load_one(AccountId::from_uuid(uuid))
                .await?
                .map(|a| Node::Account(Account(a))),
            NodeKind::AssignmentRule => loaders
                .records
                .load_one(RuleId::from_uuid(uuid))
                .await?
                .map(|r| Node::AssignmentRule(AssignmentRule(r))),
            NodeKind::Rep => loaders
                .records
                .load_one(RepId::from_uuid(uuid))
                .await?
                .map(|r| Node::Rep(Rep(r))),
            NodeKind::User | NodeKind::ApiKey | NodeKind::AuditEvent => None,
        };
        Ok(node)
    }
}
