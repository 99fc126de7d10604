//! The `terrane` command line.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::app::{Application, Settings, shutdown_signal};
use crate::http::RequestLimits;
use crate::telemetry::{self, LogFormat};

/// The embedded default: a SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://terrane.db";

/// Terrane: territory management over a tenant-scoped GraphQL API.
#[derive(Debug, Parser)]
#[command(name = "terrane", version, about)]
pub struct Cli {
    /// Log line format.
    #[arg(
        long,
        global = true,
        value_enum,
        env = "TERRANE_LOG_FORMAT",
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (creates and migrates the database first).
    Serve(ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(DatabaseArgs),
    /// Print the GraphQL schema (SDL).
    PrintSchema,
    /// Bulk operations on a tenant's data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Re-run the assignment engine over a tenant's accounts (a draft unless --apply).
    RunAssignment(RunAssignmentArgs),
    /// The auditor's tools (no database needed).
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// What to do with an audit export.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check an export from `GET /audit/export`: every hash, every link, no gaps in seq.
    Verify(AuditVerifyArgs),
}

/// Options of `audit verify`.
#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    /// The NDJSON export (`-` reads standard input).
    pub file: std::path::PathBuf,
    /// A head hash kept from before: the export must chain onto it.
    #[arg(long, value_parser = parse_hash)]
    pub head: Option<String>,
}

fn parse_hash(text: &str) -> Result<String, String> {
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err("a head hash is 64 hex digits".to_owned())
    }
}

/// Options of `run-assignment`.
#[derive(Debug, Args)]
pub struct RunAssignmentArgs {
    /// The tenant's slug.
    #[arg(long)]
    pub tenant: String,
    /// Apply the moves; otherwise they are kept as a draft realignment.
    #[arg(long)]
    pub apply: bool,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// What to import.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import accounts from a CSV file (streamed: any size), placing them like `importAccounts`.
    Accounts(ImportAccountsArgs),
}

/// Options of `import accounts`.
#[derive(Debug, Args)]
pub struct ImportAccountsArgs {
    /// The tenant's slug.
    #[arg(long)]
    pub tenant: String,
    /// The CSV file.
    pub file: std::path::PathBuf,
    /// Import the good rows even when some are bad (default: all or nothing).
    #[arg(long)]
    pub skip_invalid: bool,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Where the database is.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// `sqlite://file.db` (default, embedded) or `postgres://user:pass@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// PostgreSQL only: the schema owner's URL, used to migrate. The server then connects with
    /// `--database-url` as the app role `terrane_app` (that URL's user is the role or a member
    /// of it). Default: `--database-url` does both.
    #[arg(long, env = "TERRANE_MIGRATE_DATABASE_URL")]
    pub migrate_database_url: Option<String>,
}

impl DatabaseArgs {
    /// The URL migrations run with.
    pub fn migrate_url(&self) -> &str {
        self.migrate_database_url
            .as_deref()
            .unwrap_or(&self.database_url)
    }

    /// Migrates, then connects to serve.
    async fn open(&self) -> anyhow::Result<terrane_persistence::Store> {
        Ok(terrane_persistence::Store::open(
            &self.database_url,
            self.migrate_database_url.as_deref(),
        )
        .await?)
    }
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TERRANE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Seed (once) a `demo` tenant with a territory hierarchy, and print its logins.
    #[arg(long)]
    pub demo: bool,
    /// Production mode: introspection and field suggestions off, JSON logs.
    #[arg(long)]
    pub production: bool,
    /// Request limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Request limits of `serve`.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Seconds a GraphQL request may run before it answers TIMEOUT.
    #[arg(long, env = "TERRANE_REQUEST_TIMEOUT", default_value_t = RequestLimits::default().timeout.as_secs())]
    pub request_timeout: u64,
    /// Largest JSON request body, in bytes (larger: 413 PAYLOAD_TOO_LARGE).
    #[arg(long, env = "TERRANE_MAX_BODY_BYTES", default_value_t = RequestLimits::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// Largest multipart (upload) request body, in bytes.
    #[arg(long, env = "TERRANE_MAX_UPLOAD_BYTES", default_value_t = RequestLimits::default().max_upload_bytes)]
    pub max_upload_bytes: usize,
    /// Header a trusted reverse proxy puts the client's address in (e.g. x-forwarded-for),
    /// for log-in throttling per address. Leave unset unless a proxy sets it.
    #[arg(long, env = "TERRANE_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            telemetry::init(if args.production {
                LogFormat::Json
            } else {
                cli.log_format
            });
            let mut settings = Settings::new(args.listen, args.database.database_url);
            settings.migrate_database_url = args.database.migrate_database_url;
            settings.demo = args.demo;
            settings.production = args.production;
            settings.request_limits.timeout =
                std::time::Duration::from_secs(args.limits.request_timeout);
            settings.request_limits.max_body_bytes = args.limits.max_body_bytes;
            settings.request_limits.max_upload_bytes = args.limits.max_upload_bytes;
            settings.client_ip_header = args.limits.client_ip_header;
            let app = Application::build(settings).await?;
            app.run_until(shutdown_signal()).await?;
        }
        Command::Migrate(args) => {
            telemetry::init(cli.log_format);
            terrane_persistence::Store::migrate_database(args.migrate_url()).await?;
            tracing::info!("database is up to date");
        }
        Command::PrintSchema => {
            print!("{}", crate::graphql::sdl());
        }
        Command::Import(ImportCommand::Accounts(args)) => {
            telemetry::init(cli.log_format);
            import_accounts(args).await?;
        }
        Command::RunAssignment(args) => {
            telemetry::init(cli.log_format);
            run_assignment(args).await?;
        }
        Command::Audit(AuditCommand::Verify(args)) => {
            verify_export(&args)?;
        }
    }
    Ok(())
}

/// Opens the store and finds a tenant by slug, for the commands that act on one tenant.
async fn tenant_store(
    database: &DatabaseArgs,
    slug: &str,
) -> anyhow::Result<(terrane_persistence::Store, terrane_domain::ids::TenantId)> {
    use anyhow::Context as _;
    let store = database.open().await?;
    let slug = terrane_domain::identity::TenantSlug::parse(slug)?;
    let tenant = store
        .tenant_by_slug(&slug)
        .await?
        .with_context(|| format!("no tenant '{slug}'"))?;
    Ok((store, tenant.id))
}

/// The actor and request id of a command-line operation.
fn cli_context(what: &str) -> terrane_persistence::WriteContext {
    terrane_persistence::WriteContext {
        actor: terrane_domain::audit::Actor::SYSTEM,
        request_id: Some(format!("cli-{what}-{}", uuid::Uuid::now_v7())),
    }
}

async fn run_assignment(args: RunAssignmentArgs) -> anyhow::Result<()> {
    let (store, tenant) = tenant_store(&args.database, &args.tenant).await?;
    let started = std::time::Instant::now();
    let run = store
        .tenant(tenant)
        .run_assignment(
            args.apply,
            Some("command line".to_owned()),
            &cli_context("run-assignment"),
        )
        .await?
        .map_err(|problems| anyhow::anyhow!("refused: {problems:?}"))?;
    println!(
        "{} accounts {} ({:?} realignment {}) in {:.1}s",
        run.moved,
        if args.apply { "moved" } else { "would move" },
        run.realignment.status,
        run.realignment.id,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn import_accounts(args: ImportAccountsArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use terrane_persistence::ImportMode;

    let (store, tenant) = tenant_store(&args.database, &args.tenant).await?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    let mode = if args.skip_invalid {
        ImportMode::SkipInvalid
    } else {
        ImportMode::AllOrNothing
    };
    let started = std::time::Instant::now();
    let report = store
        .tenant(tenant)
        .import_accounts(
            std::io::BufReader::with_capacity(1 << 20, file),
            mode,
            &cli_context("import"),
        )
        .await?
        .map_err(|message| anyhow::anyhow!("{message}"))?;
    for error in &report.errors {
        eprintln!("line {}: {}", error.line, error.message);
    }
    println!(
        "{}: {} created, {} updated, {} failed, {} placed in {:.1}s",
        if report.committed {
            "imported"
        } else {
            "nothing imported"
        },
        report.created,
        report.updated,
        report.failed,
        report.placed,
        started.elapsed().as_secs_f64()
    );
    if !report.committed {
        anyhow::bail!(
            "{} bad rows; nothing was written (use --skip-invalid to import the good rows)",
            report.failed
        );
    }
    Ok(())
}

fn verify_export(args: &AuditVerifyArgs) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::BufReader;

    let head = args.head.as_deref();
    let report = if args.file.as_os_str() == "-" {
        crate::audit_export::verify_ndjson(std::io::stdin().lock(), head)
    } else {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("opening {}", args.file.display()))?;
        crate::audit_export::verify_ndjson(BufReader::with_capacity(1 << 20, file), head)
    }
    .with_context(|| format!("reading {}", args.file.display()))?;
    println!("{report}");
    anyhow::ensure!(report.ok(), "the export does not verify");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn verify_args(argv: &[&str]) -> Result<AuditVerifyArgs, clap::Error> {
        let cli = Cli::try_parse_from(argv)?;
        match cli.command {
            Command::Audit(AuditCommand::Verify(args)) => Ok(args),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn serve_takes_request_limits() {
        let cli = Cli::try_parse_from([
            "terrane",
            "serve",
            "--request-timeout",
            "5",
            "--max-body-bytes",
            "2048",
            "--client-ip-header",
            "x-forwarded-for",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("parsed as {:?}", cli.command)
        };
        assert_eq!(args.limits.request_timeout, 5);
        assert_eq!(args.limits.max_body_bytes, 2048);
        assert_eq!(args.limits.max_upload_bytes, 256 * 1024 * 1024);
        assert_eq!(
            args.limits.client_ip_header.as_deref(),
            Some("x-forwarded-for")
        );
    }

    #[test]
    fn audit_verify_takes_a_file_and_a_hex_head() {
        let head = "AB".repeat(32);
        let args =
            verify_args(&["terrane", "audit", "verify", "x.ndjson", "--head", &head]).unwrap();
        assert_eq!(args.head, Some("ab".repeat(32)));
        assert!(verify_args(&["terrane", "audit", "verify", "x.ndjson", "--head", "abc"]).is_err());
        assert!(verify_args(&["terrane", "audit", "verify"]).is_err());
    }

    #[test]
    fn audit_verify_fails_on_a_file_that_does_not_verify() {
        let path =
            std::env::temp_dir().join(format!("terrane-verify-{}.ndjson", uuid::Uuid::now_v7()));
        std::fs::write(&path, "{\"seq\": 1}\n").unwrap();
        let args = verify_args(&["terrane", "audit", "verify", path.to_str().unwrap()]).unwrap();
        assert!(verify_export(&args).is_err());
        std::fs::write(&path, "").unwrap();
        assert!(
            verify_export(&args).is_ok(),
            "an empty export is a valid empty run"
        );
        std::fs::remove_file(&path).unwrap();
        let missing =
            verify_args(&["terrane", "audit", "verify", "/nonexistent/x.ndjson"]).unwrap();
        assert!(verify_export(&missing).is_err());
    }
}
