//! Housekeeping in every server: once a minute, delete idempotency keys past their 24 hours
//! and log-in attempts older than the throttling window. Both are plain deletes of rows nobody
//! needs any more, so any number of replicas can run them side by side.

use std::time::Duration;

use chrono::Utc;
use terrane_persistence::Store;

use crate::http::IDEMPOTENCY_TTL;

/// How often a pass runs.
pub const EVERY: Duration = Duration::from_secs(60);

/// Runs passes every [`EVERY`] until the task is dropped.
pub async fn run(store: Store, throttle_window: Duration) {
    let window = chrono::Duration::from_std(throttle_window).unwrap_or(chrono::Duration::hours(1));
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = Utc::now();
        if let Err(e) = store.purge_idempotency_keys(now - IDEMPOTENCY_TTL).await {
            tracing::error!(error = %e, "purging idempotency keys failed");
        }
        if let Err(e) = store.purge_login_attempts(now - window).await {
            tracing::error!(error = %e, "purging log-in attempts failed");
        }
    }
}
