//! What one HTTP request to `/graphql` may be: body sizes, batch size and running time, and the
//! GraphQL-shaped refusals sent when a request is turned away before it runs.

use std::time::Duration;

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use serde_json::json;

/// Limits of one request to `/graphql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest JSON body (and largest `operations` part of a multipart upload).
    pub max_body_bytes: usize,
    /// Largest multipart body (GraphQL uploads, e.g. `importAccounts(input: {file})`).
    pub max_upload_bytes: usize,
    /// Most files in one multipart body.
    pub max_upload_files: usize,
    /// Most operations in one batch.
    pub max_batch: usize,
    /// How long a request may run.
    pub timeout: Duration,
    /// How long a request carrying uploads may run (a big import takes a while).
    pub upload_timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 256 * 1024 * 1024,
            max_upload_files: 4,
            max_batch: 20,
            timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(15 * 60),
        }
    }
}

/// A GraphQL-shaped error response `{"errors": [{message, extensions: {code, requestId}}]}`
/// with `status`, for requests refused before they run.
pub fn refusal_response(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
) -> Response {
    let body = json!({ "errors": [{
        "message": message,
        "extensions": { "code": code, "requestId": request_id },
    }]});
    (status, poem::web::Json(body)).into_response()
}
