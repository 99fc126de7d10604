//! The API's errors. Top-level errors carry a stable `extensions.code`; business-rule failures
//! are [`UserError`]s inside payloads instead. Internal details are logged, never sent.

use async_graphql::{ErrorExtensions, SimpleObject};
use terrane_domain::realignment::Problem;
use terrane_persistence::StoreError;

tokio::task_local! {
    /// The id of the HTTP request being served, for error responses and logs.
    pub static REQUEST_ID: String;
}

/// The current request's id, if inside one.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// A request-level failure.
///
/// Deliberately not `Display`: async-graphql converts any `Display` type into an error without
/// an `extensions.code`, and every error we send must carry one. The conversion below is the
/// only way out.
#[derive(Debug)]
pub enum ApiError {
    /// No valid bearer token.
    Unauthenticated,
    /// The role does not allow this.
    Forbidden,
    /// No such thing in the caller's tenant (whether it exists elsewhere is never said).
    NotFound(&'static str),
    /// An argument outside what the API accepts (malformed id, `first` out of range, ...).
    BadUserInput(String),
    /// Too many attempts (log-ins): try again later.
    RateLimited,
    /// Anything else: logged with the request id, shown to the client as an opaque message.
    Internal(String),
}

impl ApiError {
    /// The stable `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "UNAUTHENTICATED",
            ApiError::Forbidden => "FORBIDDEN",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::BadUserInput(_) => "BAD_USER_INPUT",
            ApiError::RateLimited => "RATE_LIMITED",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// What the client is told (never an internal error's detail).
    pub fn client_message(&self) -> String {
        match self {
            ApiError::Unauthenticated => "authentication required".to_owned(),
            ApiError::Forbidden => "not allowed for your role".to_owned(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::BadUserInput(message) => message.clone(),
            ApiError::RateLimited => "too many failed attempts; try again later".to_owned(),
            ApiError::Internal(_) => "internal error".to_owned(),
        }
    }

    /// An internal error from anything displayable.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        let request_id = current_request_id();
        let message = match &e {
            ApiError::Internal(detail) => {
                tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), error = %detail, "internal error");
                match &request_id {
                    Some(id) => format!("internal error (request id {id})"),
                    None => "internal error".to_owned(),
                }
            }
            other => other.client_message(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", e.code());
            if let Some(id) = &request_id {
                ext.set("requestId", id.as_str());
            }
        })
    }
}

/// A business-rule failure, returned in a payload's `userErrors`.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "code"]`.
    pub field: Option<Vec<String>>,
    /// What went wrong, for people.
    pub message: String,
    /// Stable machine-readable code, e.g. `CODE_TAKEN`.
    pub code: String,
}

impl UserError {
    /// A user error on `input.<field>`.
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(vec!["input".to_owned(), field.to_owned()]),
            message: message.into(),
            code: code.to_owned(),
        }
    }

    /// A validation failure of one input field.
    pub fn invalid(field: &str, message: impl std::fmt::Display) -> Self {
        Self::new(field, "VALIDATION", format!("{field}: {message}"))
    }
}

impl From<Problem> for UserError {
    fn from(p: Problem) -> Self {
        let mut field = vec!["input".to_owned()];
        field.extend(p.field);
        Self {
            field: Some(field),
            message: p.message,
            code: p.code.as_str().to_owned(),
        }
    }
}

impl From<std::sync::Arc<StoreError>> for ApiError {
    fn from(e: std::sync::Arc<StoreError>) -> Self {
        ApiError::internal(e)
    }
}
