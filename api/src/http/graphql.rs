//! POST /graphql runs operations; GET /graphql serves GraphiQL to a browser.
//!
//! A request is read within its size limits, refused when its batch is too large, checked
//! against its `Idempotency-Key`, then run under a time limit with panics caught: a panicking
//! resolver answers `INTERNAL` with the request id (the panic is logged, never sent) and the
//! server carries on.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::{BatchRequest, BatchResponse, ErrorExtensionValues, Response, ServerError};
use futures_util::FutureExt as _;
use poem::http::StatusCode;
use poem::web::{Data, Html};
use poem::{Body, Request, handler};

use super::limits::refusal_response;
use super::principal::{client_address, principal};
use super::{AppState, RequestId, body, idempotency};
use crate::graphql::limits::codes;
use crate::graphql::{REQUEST_ID, RequestContext, TerraneSchema};

/// GraphiQL, pointed at this server.
#[handler]
pub async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Terrane GraphiQL")
            .finish(),
    )
}

/// Every error leaves with a code: those async-graphql raises itself (syntax, validation,
/// argument coercion) are the client's doing.
fn ensure_codes(response: &mut Response, request_id: &str) {
    for error in &mut response.errors {
        let extensions = error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "BAD_USER_INPUT");
        }
        if extensions.get("requestId").is_none() {
            extensions.set("requestId", request_id);
        }
    }
}

fn error_response(code: &str, message: String, request_id: &str) -> Response {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    extensions.set("requestId", request_id);
    error.extensions = Some(extensions);
    Response::from_errors(vec![error])
}

fn internal_error(request_id: &str) -> Response {
    error_response(
        "INTERNAL",
        format!("internal error (request id {request_id})"),
        request_id,
    )
}

/// One error answer shaped like the request: a list for a batch.
fn shaped(batch_of: Option<usize>, answer: impl Fn() -> Response) -> BatchResponse {
    match batch_of {
        None => BatchResponse::Single(answer()),
        Some(n) => BatchResponse::Batch((0..n).map(|_| answer()).collect()),
    }
}

fn has_code(response: &BatchResponse, codes: &[&str]) -> bool {
    let responses: Vec<&Response> = match response {
        BatchResponse::Single(r) => vec![r],
        BatchResponse::Batch(rs) => rs.iter().collect(),
    };
    responses.iter().flat_map(|r| &r.errors).any(|e| {
        e.extensions.as_ref().is_some_and(|x| {
            matches!(x.get("code"), Some(async_graphql::Value::String(c)) if codes.contains(&c.as_str()))
        })
    })
}

/// Runs the batch within `timeout`, catching panics; every error carries a code.
async fn run(
    schema: TerraneSchema,
    batch: BatchRequest,
    request_id: String,
    timeout: Duration,
) -> BatchResponse {
    let batch_of = match &batch {
        BatchRequest::Single(_) => None,
        BatchRequest::Batch(requests) => Some(requests.len()),
    };
    // async-graphql does not catch panics: without this, one would drop the connection and
    // the client would learn nothing (not even the request id to report).
    let execution = AssertUnwindSafe(schema.execute_batch(batch)).catch_unwind();
    let outcome = tokio::time::timeout(timeout, REQUEST_ID.scope(request_id.clone(), execution));
    let mut response = match outcome.await {
        Ok(Ok(response)) => response,
        Ok(Err(panic)) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(request_id, panic = %message, "a resolver panicked");
            shaped(batch_of, || internal_error(&request_id))
        }
        Err(_) => {
            tracing::warn!(request_id, ?timeout, "request timed out");
            shaped(batch_of, || {
                error_response(
                    codes::TIMEOUT,
                    format!("the request ran longer than {} s", timeout.as_secs_f64()),
                    &request_id,
                )
            })
        }
    };
    match &mut response {
        BatchResponse::Single(r) => ensure_codes(r, &request_id),
        BatchResponse::Batch(rs) => rs.iter_mut().for_each(|r| ensure_codes(r, &request_id)),
    }
    response
}

fn json_response(body: String) -> poem::Response {
    poem::Response::builder()
        .content_type("application/json")
        .body(body)
}

fn serialize(response: &BatchResponse) -> String {
    serde_json::to_string(response).unwrap_or_else(|e| {
        tracing::error!(error = %e, "serialising a GraphQL response failed");
        r#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.to_owned()
    })
}

/// Authenticates the bearer token (if any) and runs the operation(s).
#[handler]
pub async fn execute(req: &Request, body: Body, Data(state): Data<&AppState>) -> poem::Response {
    let request_id = RequestId::of(req);
    let limits = &state.limits;
    let mut batch = match body::read_batch(req, body, limits).await {
        Ok(batch) => batch,
        Err(e) => return e.into_response(&request_id),
    };
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > limits.max_batch
    {
        return refusal_response(
            StatusCode::BAD_REQUEST,
            codes::BATCH_TOO_LARGE,
            &format!(
                "a batch holds {} operations; the limit is {}",
                requests.len(),
                limits.max_batch
            ),
            &request_id,
        );
    }
    // An unknown, expired or revoked token makes the request anonymous: public operations
    // (signUp, logIn) still work and everything else answers UNAUTHENTICATED.
    let principal = match principal(req, &state.store).await {
        Ok(principal) => principal,
        Err(e) => {
            tracing::error!(error = %e, "authentication lookup failed");
            return json_response(serialize(&BatchResponse::Single(internal_error(
                &request_id,
            ))));
        }
    };
    let address = client_address(req, state.client_ip_header.as_deref());
    let with_uploads = batch.iter_mut().any(|r| !r.uploads.is_empty());
    let timeout = if with_uploads {
        limits.upload_timeout
    } else {
        limits.timeout
    };
    // A claim left by a process that died is taken over once it is surely not running.
    let abandoned_after = timeout + Duration::from_secs(60);
    let claim = match idempotency::begin(
        req,
        &state.store,
        principal.as_ref(),
        &mut batch,
        abandoned_after,
        &request_id,
    )
    .await
    {
        Ok(claim) => claim,
        Err(answer) => return answer,
    };
    for request in batch.iter_mut() {
        request.data.insert(
            RequestContext::new(state.store.clone(), principal, request_id.clone())
                .with_client_address(address.clone()),
        );
    }
    let running = run(state.schema.clone(), batch, request_id.clone(), timeout);
    let Some(claim) = claim else {
        return json_response(serialize(&running.await));
    };
    // Run to the end even if the client goes away, so that its retry finds the answer.
    let store = state.store.clone();
    let task = tokio::spawn(async move {
        let response = running.await;
        let body = serialize(&response);
        let finished = !has_code(&response, &["INTERNAL", codes::TIMEOUT]);
        claim.finish(&store, finished, &body).await;
        body
    });
    match task.await {
        Ok(body) => json_response(body),
        Err(e) => {
            tracing::error!(request_id, error = %e, "request task failed");
            json_response(serialize(&BatchResponse::Single(internal_error(
                &request_id,
            ))))
        }
    }
}
