//! `GET /audit/export?from=&to=`: the caller's audit chain as NDJSON, streamed batch by batch
//! from the store so memory stays bounded for millions of events. Needs the audit-read
//! permission (ADMIN, AUDITOR); the tenant is the principal's, whatever the query says.

use chrono::{DateTime, Utc};
use futures_util::stream;
use poem::http::header;
use poem::web::Data;
use poem::{Body, Request, Response, handler};
use serde::Deserialize;
use terrane_domain::identity::Permission;
use terrane_domain::ids::TenantId;
use terrane_persistence::{AuditExportCursor, AuditRange, Store};

use super::error::error_response;
use super::principal::principal;
use super::{AppState, RequestId};
use crate::audit_export::ExportLine;
use crate::auth::authorize;
use crate::graphql::ApiError;

/// The media type of the export.
pub const NDJSON: &str = "application/x-ndjson";

#[derive(Debug, Deserialize)]
struct ExportParams {
    from: Option<String>,
    to: Option<String>,
}

/// An optional RFC 3339 time; empty counts as absent (`?from=&to=` exports everything).
fn parse_time(name: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                ApiError::BadUserInput(format!(
                    "{name}: {text:?} is not an RFC 3339 time such as 2027-01-31T09:30:00Z \
                     (in a query string, write '+' as %2B)"
                ))
            }),
    }
}

fn range(req: &Request) -> Result<AuditRange, ApiError> {
    let params: ExportParams = req
        .params()
        .map_err(|e| ApiError::BadUserInput(format!("query string: {e}")))?;
    Ok(AuditRange {
        from: parse_time("from", params.from.as_deref())?,
        to: parse_time("to", params.to.as_deref())?,
    })
}

/// Streams the export.
#[handler]
pub async fn export(req: &Request, Data(state): Data<&AppState>) -> Response {
    let request_id = RequestId::of(req);
    match start(req, &state.store, &request_id).await {
        Ok(body) => Response::builder()
            .content_type(NDJSON)
            .header(header::CACHE_CONTROL, "no-store")
            .body(body),
        Err(e) => error_response(e, &request_id),
    }
}

/// Everything that can still change the status: authentication, permission, the range, and
/// fixing where the export ends. After this the status is 200 and only the body streams.
async fn start(req: &Request, store: &Store, request_id: &str) -> Result<Body, ApiError> {
    let principal = principal(req, store).await?;
    let principal = authorize(principal, Permission::ReadAudit)?;
    let range = range(req)?;
    let cursor = store
        .tenant(principal.tenant_id)
        .audit_export(range)
        .await?;
    Ok(Body::from_bytes_stream(batches(
        store.clone(),
        principal.tenant_id,
        cursor,
        request_id.to_owned(),
    )))
}

/// One chunk of NDJSON per batch read from the store. A failure after the first byte cannot
/// change the status any more: it is logged and the body is cut short, so the client sees an
/// incomplete transfer (and a verifier, a broken last line) rather than a silently short file.
fn batches(
    store: Store,
    tenant: TenantId,
    cursor: AuditExportCursor,
    request_id: String,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static {
    stream::try_unfold(cursor, move |mut cursor| {
        let store = store.clone();
        let request_id = request_id.clone();
        async move {
            let events = match store.tenant(tenant).audit_export_next(&mut cursor).await {
                Ok(events) => events,
                Err(e) => {
                    tracing::error!(request_id, error = %e, "audit export interrupted");
                    return Err(std::io::Error::other("audit export interrupted"));
                }
            };
            if events.is_empty() {
                return Ok(None);
            }
            let mut chunk = Vec::with_capacity(events.len() * 512);
            for event in &events {
                serde_json::to_writer(&mut chunk, &ExportLine::from(event))
                    .map_err(std::io::Error::other)?;
                chunk.push(b'\n');
            }
            Ok(Some((chunk, cursor)))
        }
    })
}
