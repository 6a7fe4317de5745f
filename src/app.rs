//! Wiring: opens the database (embedded or `DATABASE_URL`), applies migrations, builds the HTTP
//! router and runs the server until a shutdown signal. The only place that assembles everything.

use std::str::FromStr;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use tokio::net::TcpListener;

use std::sync::Arc;
use std::time::Duration;

use crate::api;
use crate::config::{Config, DatabaseSource};
use crate::jobs;
use crate::snapshots::GraphSnapshots;
use crate::store::{self, embedded::EmbeddedPostgres};

/// An open database: the pool, and the embedded cluster when this process manages one.
pub struct Database {
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Opens the configured database, creating and migrating it as needed.
    pub async fn open(config: &Config) -> anyhow::Result<Database> {
        let (options, embedded) = match &config.database {
            DatabaseSource::Url(url) => {
                let options = PgConnectOptions::from_str(url)
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
                (options, None)
            }
            DatabaseSource::Embedded => {
                let data_dir = config.data_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || {
                    EmbeddedPostgres::ensure_running(&data_dir)
                })
                .await
                .context("embedded postgres launcher panicked")??;
                store::embedded::ensure_database(
                    &cluster.connect_options("postgres"),
                    store::embedded::DATABASE,
                )
                .await
                .context("creating the infracast database")?;
                (
                    cluster.connect_options(store::embedded::DATABASE),
                    Some(cluster),
                )
            }
        };
        let pool = store::connect(options, 20)
            .await
            .context("connecting to PostgreSQL")?;
        store::migrate(&pool).await.context("applying migrations")?;
        Ok(Database { pool, embedded })
    }

    /// Closes the pool and stops the embedded cluster if this process started it.
    pub async fn close(mut self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(mut cluster) = self.embedded.take() {
            tokio::task::spawn_blocking(move || cluster.stop())
                .await
                .context("embedded postgres stop panicked")??;
        }
        Ok(())
    }
}

/// Runs the API on `listener` until `shutdown` resolves.
pub async fn serve_on(
    listener: TcpListener,
    pool: PgPool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_state_on(listener, api::AppState::new(pool), shutdown).await
}

/// Runs the API with a prepared state on `listener` until `shutdown` resolves.
pub async fn serve_state_on(
    listener: TcpListener,
    state: api::AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = api::router(state);
    // Connection info gives the audit trail the client's address.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
        .context("HTTP server failed")
}

/// `infracast serve`: database, then HTTP, job workers and the scheduler until SIGINT/SIGTERM,
/// then a clean stop.
pub async fn serve(config: &Config) -> anyhow::Result<()> {
    let database = Database::open(config).await?;
    serve_database(config, &database).await?;
    database.close().await
}

/// Runs the API, `config.workers` job workers and the scheduler on an open database.
pub async fn serve_database(config: &Config, database: &Database) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    tracing::info!(address = %config.bind, workers = config.workers, "infracast listening");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runtime = jobs::JobRuntime::new(database.pool.clone(), Arc::new(GraphSnapshots::default()));
    let workers = tokio::spawn(jobs::run_workers(runtime, config.workers, stopped.clone()));
    let scheduler = tokio::spawn(jobs::scheduler::run(
        database.pool.clone(),
        Duration::from_secs(5),
        stopped.clone(),
    ));
    let allow_internal = crate::netguard::internal_targets_allowed_by_environment();
    let deliveries = tokio::spawn(jobs::deliveries::run(
        database.pool.clone(),
        allow_internal,
        stopped,
    ));
    let served = serve_on(listener, database.pool.clone(), shutdown_signal()).await;
    tracing::info!("shutting down");
    let _ = stop.send(true);
    let _ = workers.await;
    let _ = scheduler.await;
    let _ = deliveries.await;
    served
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = interrupt.await;
                return;
            }
        };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate.recv() => {}
    }
}
