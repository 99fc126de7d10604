//! Global IDs: opaque on the wire (`base64url("Territory:<uuid>")`), typed inside. Decoding
//! says nothing about other tenants: a well-formed id of another tenant is simply not found.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::error::ApiError;

/// The kinds of object a global id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A tenant.
    Tenant,
    /// A user.
    User,
    /// An API key.
    ApiKey,
    /// A territory.
    Territory,
    /// A realignment.
    Realignment,
    /// An audit event.
    AuditEvent,
    /// A customer account.
    Account,
    /// An assignment rule.
    AssignmentRule,
    /// A sales rep.
    Rep,
}

impl NodeKind {
    const ALL: [NodeKind; 9] = [
        NodeKind::Tenant,
        NodeKind::User,
        NodeKind::ApiKey,
        NodeKind::Territory,
        NodeKind::Realignment,
        NodeKind::AuditEvent,
        NodeKind::Account,
        NodeKind::AssignmentRule,
        NodeKind::Rep,
    ];

    /// The GraphQL type name, also the audit log's `entity_type`.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Tenant => "Tenant",
            NodeKind::User => "User",
            NodeKind::ApiKey => "ApiKey",
            NodeKind::Territory => "Territory",
            NodeKind::Realignment => "Realignment",
            NodeKind::AuditEvent => "AuditEvent",
            NodeKind::Account => "Account",
            NodeKind::AssignmentRule => "AssignmentRule",
            NodeKind::Rep => "Rep",
        }
    }

    /// The kind with this type name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Encodes a global id.
pub fn encode(kind: NodeKind, id: impl Into<Uuid>) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.name(), id.into())))
}

/// Decodes any global id.
pub fn decode(id: &ID) -> Result<(NodeKind, Uuid), ApiError> {
    let bad = || ApiError::BadUserInput(format!("'{}' is not a valid id", id.as_str()));
    let bytes = URL_SAFE_NO_PAD
        .decode(id.as_str().as_bytes())
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (kind, uuid) = text.split_once(':').ok_or_else(bad)?;
    let kind = NodeKind::from_name(kind).ok_or_else(bad)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| bad())?;
    Ok((kind, uuid))
}

/// Decodes a global id that must name a `kind`.
pub fn decode_as<T: From<Uuid>>(id: &ID, kind: NodeKind) -> Result<T, ApiError> {
    match decode(id)? {
        (k, uuid) if k == kind => Ok(T::from(uuid)),
        (k, _) => Err(ApiError::BadUserInput(format!(
            "expected a {} id, got a {} id",
            kind.name(),
            k.name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_the_kind() {
        let uuid = Uuid::now_v7();
        let id = encode(NodeKind::Territory, uuid);
        assert_eq!(decode(&id).unwrap(), (NodeKind::Territory, uuid));
        assert!(decode_as::<Uuid>(&id, NodeKind::User).is_err());
        assert!(decode(&ID("not-an-id".into())).is_err());
        assert!(decode(&ID(URL_SAFE_NO_PAD.encode("Spaceship:123"))).is_err());
    }
}
