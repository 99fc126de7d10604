//! Every request gets an id: taken from a sane `x-request-id` header or made up, echoed back in
//! the response header, attached to every log line of the request.

use poem::{Endpoint, IntoResponse, Request, Response, Result};
use tracing::Instrument;
use uuid::Uuid;

/// Header carrying the id both ways.
pub const HEADER: &str = "x-request-id";

/// The current request's id, in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    /// The id the middleware gave `req` (empty outside the middleware, e.g. in unit tests).
    pub fn of(req: &Request) -> String {
        req.extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default()
    }
}

fn acceptable(candidate: &str) -> bool {
    (1..=64).contains(&candidate.len())
        && candidate
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The middleware (used with `EndpointExt::around`).
pub async fn assign<E: Endpoint>(next: E, mut req: Request) -> Result<Response> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    async move {
        let started = std::time::Instant::now();
        let result = next.call(req).await;
        let mut response = match result {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "served"
        );
        if let Ok(value) = id.parse() {
            response.headers_mut().insert(HEADER, value);
        }
        Ok(response)
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::acceptable;

    #[test]
    fn only_short_plain_ids_are_taken_from_clients() {
        assert!(acceptable("abc-123_x.y"));
        assert!(!acceptable(""));
        assert!(!acceptable("has space"));
        assert!(!acceptable("newline\ninjected"));
        assert!(!acceptable(&"x".repeat(65)));
    }
}
