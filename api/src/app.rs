//! The application builder: connect and migrate the store, optionally seed the demo tenant,
//! bind the listener (port 0 works, for tests) and serve until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use terrane_persistence::Store;

use crate::auth::{PasswordHasher, ThrottleSettings};
use crate::graphql::{QueryLimits, SchemaOptions, build_schema};
use crate::http::{AppState, RequestLimits, routes};

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// `sqlite://file.db`, `sqlite::memory:` or `postgres://…`.
    pub database_url: String,
    /// PostgreSQL: the URL of the schema's owner, used only to migrate; the server then serves
    /// through `database_url` as the app role (see the README's security section). Without it,
    /// `database_url` migrates too (its user must then be the owner, and a superuser or a member
    /// of the app role).
    pub migrate_database_url: Option<String>,
    /// Seed the demo tenant.
    pub demo: bool,
    /// Production mode: no introspection, no field suggestions.
    pub production: bool,
    /// How long sessions last.
    pub session_ttl: chrono::Duration,
    /// How many argon2 hashes may run at once.
    pub password_concurrency: usize,
    /// How often the scheduler looks for due realignments.
    pub scheduler_interval: Duration,
    /// What one GraphQL document may cost (depth, complexity, aliases, directives).
    pub query_limits: QueryLimits,
    /// Body sizes, batch size and time limits of one request.
    pub request_limits: RequestLimits,
    /// Log-in throttling per account and per client address.
    pub login_throttle: ThrottleSettings,
    /// Header carrying the client's address, set by a trusted reverse proxy (e.g.
    /// `x-forwarded-for`); without it, the connection's peer address is the client's.
    pub client_ip_header: Option<String>,
    /// Test-only: register the fault-injection extension (fields aliased `faultPanic` panic,
    /// `faultSleep` ones hang). Deliberately not reachable from the command line.
    pub fault_injection: bool,
}

impl Settings {
    /// Defaults for `database_url`, listening on `listen`.
    pub fn new(listen: SocketAddr, database_url: impl Into<String>) -> Self {
        Self {
            listen,
            database_url: database_url.into(),
            migrate_database_url: None,
            demo: false,
            production: false,
            session_ttl: chrono::Duration::hours(12),
            password_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            scheduler_interval: Duration::from_secs(5),
            query_limits: QueryLimits::default(),
            request_limits: RequestLimits::default(),
            login_throttle: ThrottleSettings::default(),
            client_ip_header: None,
            fault_injection: false,
        }
    }
}

/// A server that is bound and ready to run.
pub struct Application {
    acceptor: TcpAcceptor,
    local_addr: SocketAddr,
    state: AppState,
    scheduler_interval: Duration,
    throttle_window: Duration,
}

impl Application {
    /// Connects, migrates, seeds (with `demo`) and binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::open(
            &settings.database_url,
            settings.migrate_database_url.as_deref(),
        )
        .await
        .context("migrating and connecting to the database")?;
        let hasher = PasswordHasher::new(settings.password_concurrency)?;
        if settings.demo {
            crate::demo::seed(&store, &hasher)
                .await
                .context("seeding the demo tenant")?;
        }
        let options = SchemaOptions {
            production: settings.production,
            session_ttl: settings.session_ttl,
            limits: settings.query_limits.clone(),
            login_throttle: settings.login_throttle.clone(),
            fault_injection: settings.fault_injection,
        };
        let schema = build_schema(&options, hasher);
        let acceptor = TcpListener::bind(settings.listen.to_string())
            .into_acceptor()
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        let local_addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .context("listener has no socket address")?;
        Ok(Self {
            acceptor,
            local_addr,
            state: AppState {
                schema,
                store,
                limits: Arc::new(settings.request_limits.clone()),
                client_ip_header: settings
                    .client_ip_header
                    .as_deref()
                    .map(|h| Arc::from(h.to_ascii_lowercase())),
            },
            scheduler_interval: settings.scheduler_interval,
            throttle_window: settings.login_throttle.window,
        })
    }

    /// Where it listens (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The store it serves from.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Serves (and runs the scheduler and housekeeping) until `shutdown` completes, then lets
    /// in-flight requests finish (up to 10 s).
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> std::io::Result<()> {
        tracing::info!(addr = %self.local_addr, "terrane listening; GraphiQL at http://{}/graphql", self.local_addr);
        // Stops with the server, however the server stops (even when this future is dropped).
        let _scheduler = AbortOnDrop(tokio::spawn(crate::scheduler::run(
            self.state.store.clone(),
            self.scheduler_interval,
        )));
        let _maintenance = AbortOnDrop(tokio::spawn(crate::maintenance::run(
            self.state.store.clone(),
            self.throttle_window,
        )));
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(routes(self.state), shutdown, Some(Duration::from_secs(10)))
            .await
    }
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
