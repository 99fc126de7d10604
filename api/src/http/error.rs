//! Errors of the plain HTTP endpoints (everything but GraphQL): the status that fits, and a JSON
//! body `{"code", "message", "requestId"}` with the same stable codes GraphQL uses. Internal
//! details are logged with the request id, never sent.

use poem::http::{StatusCode, header};
use poem::{IntoResponse, Response};
use serde_json::json;

use crate::graphql::ApiError;

/// The response for `error` in request `request_id`.
pub fn error_response(error: ApiError, request_id: &str) -> Response {
    let status = match &error {
        ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::BadUserInput(_) => StatusCode::BAD_REQUEST,
        ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = match &error {
        ApiError::Internal(detail) => {
            tracing::error!(request_id, error = %detail, "internal error");
            format!("internal error (request id {request_id})")
        }
        other => other.client_message(),
    };
    let body = json!({ "code": error.code(), "message": message, "requestId": request_id });
    let mut response = (status, poem::web::Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED
        && let Ok(value) = "Bearer".parse()
    {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
