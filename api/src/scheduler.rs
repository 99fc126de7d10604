//! The scheduler: a task in every server that, every few seconds, applies the SCHEDULED
//! realignments whose `effectiveAt` has come. State lives in the database, so it survives
//! restarts, and any number of replicas can run it: the store applies each one exactly once.

use std::time::Duration;

use terrane_persistence::Store;

/// Runs passes every `every` until the task is dropped.
pub async fn run(store: Store, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.apply_due_realignments(chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(applied) => tracing::info!(applied, "applied scheduled realignments"),
            Err(e) => tracing::error!(error = %e, "scheduler pass failed"),
        }
    }
}
