//! Who is asking: the bearer token of a request (session token or API key), looked up by its
//! hash. Every endpoint resolves its principal here, so they all authenticate alike. Also where
//! the client's address comes from, for log-in throttling.

use poem::Request;
use terrane_persistence::{Principal, Store, StoreError};

use crate::auth::hash_token;

fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The principal of the request's bearer token; `None` without a token, or when the token is
/// unknown, expired or revoked (all the same to a client, so nothing is learnt by guessing).
pub async fn principal(req: &Request, store: &Store) -> Result<Option<Principal>, StoreError> {
    match bearer(req) {
        None => Ok(None),
        Some(token) => store.authenticate(&hash_token(token)).await,
    }
}

/// The client's address, for throttling: the rightmost entry of `header` when the server runs
/// behind a proxy that sets it (the one entry a client cannot forge, since the proxy appends
/// it), else the peer of the connection.
pub fn client_address(req: &Request, header: Option<&str>) -> Option<String> {
    let forwarded = header
        .and_then(|name| req.headers().get(name))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok());
    forwarded
        .or_else(|| req.remote_addr().as_socket_addr().map(|a| a.ip()))
        .map(|ip| ip.to_string())
}
