//! The `infracast` binary: parse the command line, set up logging, dispatch.
//!
//! It builds its own runtime instead of `#[tokio::main]` for one reason: at exit it must not wait
//! for work abandoned on the blocking pool (see `main`).

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    infracast::allocator::keep_freed_memory_between_stages();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("INFRACAST_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(infracast::cli::log_writer())
        .init();
    let cli = infracast::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(infracast::cli::run(cli));
    // Everything `run` started has finished or been abandoned by now (the server drained, the
    // pool closed, the embedded cluster stopped). What may still run is blocking-pool work a
    // shutdown stopped waiting for, above all a rules pass, which cannot be interrupted, writes
    // nothing and whose result is discarded. Dropping the runtime would join it: a SIGTERM during
    // an evaluation of a 100k-instance tenant took 8.3 s to exit that way (the rest of the pass).
    runtime.shutdown_background();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
