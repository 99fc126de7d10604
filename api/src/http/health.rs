//! Liveness and readiness.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, handler};

use super::AppState;

/// The process is up.
#[handler]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
#[handler]
pub async fn readyz(Data(state): Data<&AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database ping failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
