//! The `terrane` command line.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::app::{Application, Settings, shutdown_signal};
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
}

/// Where the database is.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// `sqlite://file.db` (default, embedded) or `postgres://user:pass@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
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
            settings.demo = args.demo;
            settings.production = args.production;
            let app = Application::build(settings).await?;
            app.run_until(shutdown_signal()).await?;
        }
        Command::Migrate(args) => {
            telemetry::init(cli.log_format);
            let store = terrane_persistence::Store::connect(&args.database_url).await?;
            store.migrate().await?;
            tracing::info!("database is up to date");
        }
        Command::PrintSchema => {
            print!("{}", crate::graphql::sdl());
        }
    }
    Ok(())
}
