//! The Relay `Node` interface: anything with a global id can be fetched with `node(id:)`.

use async_graphql::{ID, Interface};

use super::{
    Account, ApiKey, AssignmentRule, AuditEvent, Realignment, Rep, Tenant, Territory, User,
};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
pub enum Node {
    /// A tenant.
    Tenant(Tenant),
    /// A user.
    User(User),
    /// An API key.
    ApiKey(ApiKey),
    /// A territory.
    Territory(Territory),
    /// A realignment.
    Realignment(Realignment),
    /// An audit event.
    AuditEvent(AuditEvent),
    /// A customer account.
    Account(Account),
    /// An assignment rule.
    AssignmentRule(AssignmentRule),
    /// A sales rep.
    Rep(Rep),
}
