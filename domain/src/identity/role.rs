//! Roles and what each may do. This is the one table of permissions; the API's guards ask it.

use std::fmt;
use std::str::FromStr;

/// A user's or API key's role inside its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Everything inside the tenant.
    Admin,
    /// Plans and applies realignments, manages territories, accounts, reps and quotas.
    Manager,
    /// Reads territories, accounts and quotas.
    Rep,
    /// Reads everything, including the audit log; writes nothing.
    Auditor,
}

/// Something a request may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read territories, accounts, quotas.
    ReadAlignment,
    /// Change alignment state (through realignments).
    WriteAlignment,
    /// Create users and API keys.
    ManageIdentity,
    /// Read the audit log and its integrity check, and the list of users and keys.
    ReadAudit,
}

impl Role {
    /// Every role, in order of decreasing power.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Rep, Role::Auditor];

    /// Whether this role grants `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Manager => matches!(permission, ReadAlignment | WriteAlignment),
            Role::Rep => matches!(permission, ReadAlignment),
            Role::Auditor => matches!(permission, ReadAlignment | ReadAudit),
        }
    }

    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Manager => "MANAGER",
            Role::Rep => "REP",
            Role::Auditor => "AUDITOR",
        }
    }
}

/// A role name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}'")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_table() {
        assert!(Role::Admin.allows(Permission::ManageIdentity));
        assert!(Role::Manager.allows(Permission::WriteAlignment));
        assert!(!Role::Manager.allows(Permission::ManageIdentity));
        assert!(!Role::Manager.allows(Permission::ReadAudit));
        assert!(Role::Rep.allows(Permission::ReadAlignment));
        assert!(!Role::Rep.allows(Permission::WriteAlignment));
        assert!(Role::Auditor.allows(Permission::ReadAudit));
        assert!(!Role::Auditor.allows(Permission::WriteAlignment));
    }

    #[test]
    fn round_trips_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
