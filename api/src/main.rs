//! The `pingan` binary: parses the command line and hands over to the library.

// The schema's root future nests one async block per object type it may resolve; its layout
// needs a deeper query than the default 128 in an optimised build.
#![recursion_limit = "256"]

use clap::Parser;

/// mimalloc: a request allocates and frees many small values (rows, JSON, GraphQL values) across
/// worker threads, where glibc's malloc spent about a quarter of the server's time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = pingan::config::Cli::parse();
    pingan::logging::init(cli.log_format);
    match pingan::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
