//! Fault injection for the end-to-end tests: a field aliased `faultPanic` panics while it
//! resolves, one aliased `faultSleep` takes a minute. It exists to prove that a panicking
//! resolver becomes an `INTERNAL` error and that the request timeout holds, through the same
//! resolver path a real fault would take.
//!
//! Registered only when `SchemaOptions::fault_injection` is set, which only code embedding the
//! server can do (`Settings::fault_injection`): no flag or environment variable reaches it, and
//! the schema (and `schema.graphql`) is the same either way.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo,
};
use async_graphql::{ServerResult, Value};

/// Alias that makes a field panic.
pub const PANIC_ALIAS: &str = "faultPanic";
/// Alias that makes a field take [`SLEEP`].
pub const SLEEP_ALIAS: &str = "faultSleep";
/// How long a `faultSleep` field takes: far beyond any timeout a test sets.
pub const SLEEP: Duration = Duration::from_secs(60);

/// The extension.
pub struct FaultInjection;

impl ExtensionFactory for FaultInjection {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FaultInjection)
    }
}

#[async_trait::async_trait]
impl Extension for FaultInjection {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        match info.alias {
            Some(PANIC_ALIAS) => panic!("injected fault: this text must never reach a client"),
            Some(SLEEP_ALIAS) => tokio::time::sleep(SLEEP).await,
            _ => {}
        }
        next.run(ctx, info).await
    }
}
