//! Bearer tokens: 256 random bits, shown once, stored only as SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A log-in session.
    Session,
    /// An API key.
    ApiKey,
}

/// A freshly issued token: the secret goes to the client once, the hash to the store.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The bearer secret.
    pub secret: String,
    /// Hex SHA-256 of the secret.
    pub hash: String,
}

/// Issues a new token with 256 bits from the OS's CSPRNG. The prefix tells a leaked secret's
/// kind at a glance (and lets secret scanners find it).
pub fn issue_token(kind: TokenKind) -> Result<IssuedToken, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let prefix = match kind {
        TokenKind::Session => "trn_s_",
        TokenKind::ApiKey => "trn_k_",
    };
    let secret = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_token(&secret);
    Ok(IssuedToken { secret, hash })
}

/// Hex SHA-256 of a presented token: what the store looks tokens up by.
pub fn hash_token(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let a = issue_token(TokenKind::Session).unwrap();
        let b = issue_token(TokenKind::Session).unwrap();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with("trn_s_"));
        assert_eq!(a.secret.len(), 6 + 43);
        assert_eq!(a.hash, hash_token(&a.secret));
        assert_eq!(a.hash.len(), 64);
        assert!(
            issue_token(TokenKind::ApiKey)
                .unwrap()
                .secret
                .starts_with("trn_k_")
        );
    }
}
