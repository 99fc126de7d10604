//! The `Idempotency-Key` header on mutations: a retried request (same key, same principal,
//! same body) gets the first answer instead of a second effect; the same key with another
//! request is refused with `IDEMPOTENCY_KEY_REUSED` (HTTP 409), and while the first is still
//! running with `IDEMPOTENCY_KEY_IN_USE` (409). Keys are kept per tenant for 24 hours.
//!
//! It applies to authenticated requests holding at least one mutation; on queries and on
//! anonymous requests (`signUp`, `logIn`: no tenant to keep the key under) it is ignored.
//! Every finished answer is kept, refusals and user errors included; an answer with an
//! `INTERNAL` or `TIMEOUT` error releases the key instead, so the retry runs again (such a
//! request's transaction was rolled back, unless it failed in the instant after committing).

use std::io::{Read as _, Seek as _};

use async_graphql::BatchRequest;
use async_graphql::parser::types::OperationType;
use chrono::{Duration, Utc};
use poem::http::StatusCode;
use poem::{Request, Response};
use sha2::{Digest, Sha256};
use terrane_domain::ids::TenantId;
use terrane_persistence::{ClaimTimes, IdempotencyClaim, Principal, Store};

use super::limits::refusal_response;

/// The header.
pub const HEADER: &str = "idempotency-key";
/// Header on a replayed answer.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// How long a key and its answer are kept.
pub const TTL: Duration = Duration::hours(24);
/// Longest key accepted.
const MAX_KEY: usize = 255;

/// A key this request holds: completed with its answer, or released, when it finishes.
pub struct Claim {
    tenant: TenantId,
    key: String,
    hash: String,
}

/// The claim the request may proceed under (`None`: no idempotency applies), or the response
/// that answers it instead (a replay or a refusal).
pub async fn begin(
    req: &Request,
    store: &Store,
    principal: Option<&Principal>,
    batch: &mut BatchRequest,
    abandoned_after: std::time::Duration,
    request_id: &str,
) -> Result<Option<Claim>, Response> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=MAX_KEY).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            refusal_response(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
                request_id,
            )
        })?;
    let Some(principal) = principal else {
        return Ok(None);
    };
    if !has_mutation(batch) {
        return Ok(None);
    }
    let hash = request_hash(principal, batch)
        .await
        .map_err(|e| internal(request_id, &e))?;
    let now = Utc::now();
    let times = ClaimTimes {
        now,
        expired_before: now - TTL,
        abandoned_before: now - Duration::from_std(abandoned_after).unwrap_or(Duration::hours(1)),
    };
    let claim = store
        .tenant(principal.tenant_id)
        .claim_idempotency_key(key, &hash, times)
        .await
        .map_err(|e| internal(request_id, &e))?;
    match claim {
        IdempotencyClaim::Claimed => Ok(Some(Claim {
            tenant: principal.tenant_id,
            key: key.to_owned(),
            hash,
        })),
        IdempotencyClaim::Replay(body) => Err(Response::builder()
            .content_type("application/json")
            .header(REPLAYED_HEADER, "true")
            .body(body)),
        IdempotencyClaim::InFlight => Err(refusal_response(
            StatusCode::CONFLICT,
            "IDEMPOTENCY_KEY_IN_USE",
            "a request with this Idempotency-Key is still running; retry later",
            request_id,
        )),
        IdempotencyClaim::Mismatch => Err(refusal_response(
            StatusCode::CONFLICT,
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was used for a different request",
            request_id,
        )),
    }
}

impl Claim {
    /// Keeps `body` as the key's answer when the request `finished`; frees the key otherwise.
    pub async fn finish(self, store: &Store, finished: bool, body: &str) {
        let scope = store.tenant(self.tenant);
        let result = if finished {
            scope
                .complete_idempotency_key(&self.key, &self.hash, body)
                .await
        } else {
            scope.release_idempotency_key(&self.key, &self.hash).await
        };
        if let Err(e) = result {
            // The answer still goes to the client; a retry may then be refused as in use
            // until the claim is stale.
            tracing::error!(error = %e, finished, "storing an idempotency key failed");
        }
    }
}

fn internal(request_id: &str, error: &dyn std::fmt::Display) -> Response {
    tracing::error!(request_id, error = %error, "idempotency key lookup failed");
    refusal_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        &format!("internal error (request id {request_id})"),
        request_id,
    )
}

/// Whether any operation the batch will run is a mutation (parsing each document once: the
/// parsed document stays in the request for execution).
fn has_mutation(batch: &mut BatchRequest) -> bool {
    batch.iter_mut().any(|request| {
        let wanted = request.operation_name.clone();
        request.parsed_query().is_ok_and(|doc| {
            doc.operations.iter().any(|(name, operation)| {
                operation.node.ty == OperationType::Mutation
                    && wanted
                        .as_deref()
                        .is_none_or(|w| name.is_some_and(|n| n.as_str() == w))
            })
        })
    })
}

/// SHA-256 over who asks and every part of what they ask (documents, operation names,
/// variables, uploaded files), each part length-prefixed so no two requests frame alike.
async fn request_hash(principal: &Principal, batch: &BatchRequest) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(principal.actor.kind.as_str().as_bytes());
    part(
        principal
            .actor
            .id
            .map(|id| id.into_bytes())
            .unwrap_or_default()
            .as_slice(),
    );
    let requests: Vec<&async_graphql::Request> = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(rs) => rs.iter().collect(),
    };
    let mut files = Vec::new();
    for request in requests {
        part(request.query.as_bytes());
        part(request.operation_name.as_deref().unwrap_or("").as_bytes());
        part(&serde_json::to_vec(&request.variables).map_err(std::io::Error::other)?);
        for upload in &request.uploads {
            part(upload.filename.as_bytes());
            files.push(upload.content.try_clone()?);
        }
    }
    let digest = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
        let mut buffer = vec![0; 64 * 1024];
        for mut file in files {
            // A clone shares the original's position: read it all, then rewind both.
            let mut length = 0u64;
            loop {
                let n = file.read(&mut buffer)?;
                if n == 0 {
                    break;
                }
                length += n as u64;
                hasher.update(&buffer[..n]);
            }
            hasher.update(length.to_le_bytes());
            file.rewind()?;
        }
        Ok(hasher.finalize())
    })
    .await
    .map_err(std::io::Error::other)??;
    Ok(hex::encode(digest))
}
