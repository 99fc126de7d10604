//! Log-in throttling per account (tenant slug + e-mail) and per client address: after
//! `per_account` (or `per_address`) attempts that did not succeed within `window`, further
//! attempts are refused with `RATE_LIMITED` — a correct password too — before any password is
//! hashed, until the window has passed.
//!
//! Attempts are counted in the database (`login_attempts`), so every replica sees the same
//! counts. Each attempt is recorded *before* its password is checked and counted again after:
//! an attempt that then finds itself over the limit is refused, so concurrent attempts (a batch)
//! get no more password checks than sequential ones (aliases in one document, which run one
//! after another). A success forgets its own attempt and resets its account's count; an attempt
//! refused after recording still counts, as a failure would.

use std::time::Duration;

use chrono::Utc;
use sha2::{Digest, Sha256};
use terrane_persistence::{LoginAttempts, Store, StoreError};

/// How many failed log-ins are allowed, and over how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// The window attempts are counted over.
    pub window: Duration,
    /// Attempts allowed per account (tenant slug + e-mail) within the window.
    pub per_account: u32,
    /// Attempts allowed per client address within the window (an office behind one NAT shares it).
    pub per_address: u32,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_account: 10,
            per_address: 30,
        }
    }
}

/// The throttle, shared by every request.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    settings: ThrottleSettings,
}

/// A recorded attempt that may go on to check its password.
#[derive(Debug)]
pub struct Admitted {
    attempts: LoginAttempts,
    account_key: String,
}

fn throttle_key(kind: &str, parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    for part in parts {
        hasher.update([0]);
        hasher.update(part.trim().to_lowercase().as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl LoginThrottle {
    /// A throttle with these settings.
    pub fn new(settings: ThrottleSettings) -> Self {
        Self { settings }
    }

    /// How long attempts count.
    pub fn window(&self) -> Duration {
        self.settings.window
    }

    /// Records an attempt to log in as `email` in `tenant_slug` from `address`; `None` when it
    /// must be refused.
    pub async fn admit(
        &self,
        store: &Store,
        tenant_slug: &str,
        email: &str,
        address: Option<&str>,
    ) -> Result<Option<Admitted>, StoreError> {
        let now = Utc::now();
        let since = now
            - chrono::Duration::from_std(self.settings.window)
                .unwrap_or_else(|_| chrono::Duration::minutes(15));
        let account_key = throttle_key("account", &[tenant_slug, email]);
        let mut keys = vec![(account_key.clone(), u64::from(self.settings.per_account))];
        if let Some(address) = address {
            keys.push((
                throttle_key("address", &[address]),
                u64::from(self.settings.per_address),
            ));
        }
        // Already over: refuse without recording (a flood of refused attempts writes nothing).
        for (key, limit) in &keys {
            if store.login_attempts_since(key, since).await? >= *limit {
                return Ok(None);
            }
        }
        let names: Vec<&str> = keys.iter().map(|(key, _)| key.as_str()).collect();
        let attempts = store.record_login_attempts(&names, now).await?;
        // Counted again with this attempt in: of concurrent attempts, those past the limit stop.
        for (key, limit) in &keys {
            if store.login_attempts_since(key, since).await? > *limit {
                return Ok(None);
            }
        }
        Ok(Some(Admitted {
            attempts,
            account_key,
        }))
    }

    /// The admitted attempt succeeded: it does not count, and its account starts afresh.
    pub async fn succeeded(&self, store: &Store, admitted: Admitted) -> Result<(), StoreError> {
        store
            .forget_login_attempts(&admitted.attempts, &admitted.account_key)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::throttle_key;

    #[test]
    fn keys_ignore_case_and_surrounding_space_and_keep_parts_apart() {
        assert_eq!(
            throttle_key("account", &["acme", "Ada@Acme.example "]),
            throttle_key("account", &["ACME", "ada@acme.example"])
        );
        assert_ne!(
            throttle_key("account", &["ab", "c"]),
            throttle_key("account", &["a", "bc"])
        );
        assert_ne!(
            throttle_key("account", &["1.2.3.4"]),
            throttle_key("address", &["1.2.3.4"])
        );
    }
}
