//! Argon2id password hashing at OWASP's minimum cost or above, run off the async executor.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use terrane_domain::identity::Password;
use tokio::sync::Semaphore;

/// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// Hashing failed for a reason that is ours, not the user's.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The hasher could not run.
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Hashes and verifies passwords. Each hash costs ~19 MiB and tens of milliseconds of CPU, so a
/// semaphore bounds how many run at once: a flood of log-ins queues instead of starving the rest.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").finish_non_exhaustive()
    }
}

fn argon2() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None)
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    argon2()?
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

impl PasswordHasher {
    /// A hasher allowing `concurrency` hashes at once.
    pub fn new(concurrency: usize) -> Result<Self, PasswordError> {
        // Verifying against this when the user does not exist makes "no such user" cost the
        // same as "wrong password", so timing does not reveal which logins exist.
        let dummy_hash = hash_blocking("terrane-dummy-password-for-timing")?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Hashes a new password (argon2id, random salt, PHC string).
    pub async fn hash(&self, password: &Password) -> Result<String, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| PasswordError::Hashing(e.to_string()))?;
        let password = password.expose().to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|e| PasswordError::Hashing(e.to_string()))?
    }

    /// Whether `password` matches `stored` (a PHC string); with `None`, checks against a dummy
    /// hash and answers `false`, taking the same time.
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<&str>,
    ) -> Result<bool, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| PasswordError::Hashing(e.to_string()))?;
        let exists = stored.is_some();
        let stored = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.to_owned();
        let matched = tokio::task::spawn_blocking(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return false;
            };
            // Parameters come from the stored hash, so raising the cost later still verifies old ones.
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .await
        .map_err(|e| PasswordError::Hashing(e.to_string()))?;
        Ok(exists && matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_at_owasp_cost() {
        let hasher = PasswordHasher::new(2).unwrap();
        let password = Password::parse("correct horse battery staple").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery staple", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("wrong horse battery staple", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("terrane-dummy-password-for-timing", None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn hashing_waits_for_a_permit() {
        use futures_util::FutureExt as _;
        let hasher = PasswordHasher::new(1).unwrap();
        // Hold the only permit: a verification must queue behind it, doing no argon2 work.
        let held = hasher.permits.clone().acquire_owned().await.unwrap();
        let mut verify = Box::pin(hasher.verify("some password", None));
        assert!(
            (&mut verify).now_or_never().is_none(),
            "ran without a permit"
        );
        assert_eq!(hasher.permits.available_permits(), 0);
        drop(held);
        assert!(!verify.await.unwrap());
        assert_eq!(
            hasher.permits.available_permits(),
            1,
            "the permit is given back"
        );
    }
}
