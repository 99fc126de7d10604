//! Typed identifiers. Every entity id is a UUID v7 (time-ordered, so keyset pagination by id
//! follows creation order), wrapped so a territory id can never be passed where a user id is due.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! define_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an id read from storage or decoded from the wire.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

define_id!(
    /// A tenant: one sales organisation.
    TenantId
);
define_id!(
    /// A user login inside a tenant.
    UserId
);
define_id!(
    /// An API key inside a tenant.
    ApiKeyId
);
define_id!(
    /// A login session.
    SessionId
);
define_id!(
    /// A territory.
    TerritoryId
);
define_id!(
    /// A realignment: a list of changes applied (or planned) together.
    RealignmentId
);
define_id!(
    /// One audit event.
    AuditEventId
);
define_id!(
    /// A customer account.
    AccountId
);
define_id!(
    /// An assignment rule.
    RuleId
);
define_id!(
    /// A sales rep.
    RepId
);
define_id!(
    /// One recorded sale (an actual).
    ActualId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_time_ordered() {
        let a = TerritoryId::new();
        let b = TerritoryId::new();
        assert!(a < b, "UUID v7 ids must sort in creation order");
    }

    #[test]
    fn ids_round_trip_through_text() {
        let a = UserId::new();
        let parsed: UserId = a.to_string().parse().expect("parses");
        assert_eq!(a, parsed);
    }
}
