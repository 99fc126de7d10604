//! The `terrane` binary: parses the command line and hands over to the library.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = terrane_api::cli::Cli::parse();
    terrane_api::cli::run(cli).await
}
