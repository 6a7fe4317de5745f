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
use crate::compliance::Catalog;
use crate::config::{Config, DatabaseSource};
use crate::jobs;
use crate::snapshots::GraphSnapshots;
use crate::store::{self, embedded::EmbeddedPostgres};

/// An open database: the pool, and the embedded cluster when this process manages one (with the
/// supervisor that restarts it).
pub struct Database {
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
    supervisor: Option<tokio::task::JoinHandle<()>>,
}

/// How often the supervisor checks the embedded cluster answers.
const SUPERVISOR_INTERVAL: Duration = Duration::from_secs(1);

/// Restarts the embedded cluster whenever it stops answering and its postmaster is gone (killed,
/// crashed, OOM): every process using the cluster runs one, and the launcher lock makes sure only
/// one of them starts it. Runs until aborted.
async fn supervise(pool: PgPool, cluster: EmbeddedPostgres) {
    let cluster = Arc::new(cluster);
    let mut ticks = tokio::time::interval(SUPERVISOR_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Err(error) = store::ping(&pool).await else {
            continue;
        };
        let handle = Arc::clone(&cluster);
        match tokio::task::spawn_blocking(move || handle.start_if_down()).await {
            Ok(Ok(true)) => {
                tracing::warn!(%error, "the embedded PostgreSQL cluster had stopped; restarted it")
            }
            // Running: the database is slow or busy, not gone; nothing to restart.
            Ok(Ok(false)) => {}
            Ok(Err(start_error)) => {
                tracing::error!(%error, %start_error, "the embedded PostgreSQL cluster is down and did not restart; retrying")
            }
            Err(panic) => tracing::error!(%panic, "the embedded PostgreSQL supervisor panicked"),
        }
    }
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
        let supervisor = embedded
            .as_ref()
            .map(|cluster| tokio::spawn(supervise(pool.clone(), cluster.supervisor_handle())));
        Ok(Database {
            pool,
            embedded,
            supervisor,
        })
    }

    /// Closes the pool and stops the embedded cluster if no other process uses it.
    pub async fn close(mut self) -> anyhow::Result<()> {
        if let Some(supervisor) = self.supervisor.take() {
            supervisor.abort();
        }
        // Bounded: a connection still held by work abandoned at shutdown must not keep the
        // process (and the embedded cluster) up.
        if tokio::time::timeout(Duration::from_secs(5), self.pool.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still in use after 5 s; closing anyway");
        }
        if let Some(mut cluster) = self.embedded.take() {
            tokio::task::spawn_blocking(move || cluster.stop())
                .await
                .context("embedded postgres stop panicked")??;
        }
        Ok(())
    }
}

/// The rule pack and frameworks the API and the workers share, parsed once per process. A broken
/// file stops startup here, with a message naming the file and the rule.
pub fn load_catalog() -> anyhow::Result<Catalog> {
    Catalog::builtin().context("the rule pack and frameworks shipped in this binary do not load")
}

/// Runs the API on `listener` until `shutdown` resolves.
pub async fn serve_on(
    listener: TcpListener,
    pool: PgPool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = api::AppState::new(pool, load_catalog()?);
    serve_state_on(listener, state, shutdown).await
}

/// Runs the API with a prepared state on `listener` until `shutdown` resolves.
pub async fn serve_state_on(
    listener: TcpListener,
    state: api::AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = api::router(state);
    api::server::serve(listener, router, shutdown)
        .await
        .context("HTTP server failed")
}

/// `infracast serve`: database, then HTTP, job workers and the scheduler until SIGINT/SIGTERM,
/// then a clean stop.
pub async fn serve(config: &Config) -> anyhow::Result<()> {
    // Before anything else starts: a broken rule pack is not worth a database.
    load_catalog()?;
    let database = Database::open(config).await?;
    serve_database(config, &database).await?;
    database.close().await
}

/// Runs the API, `config.workers` job workers and the scheduler on an open database. On a
/// shutdown signal it stops claiming jobs and accepting connections, gives running jobs and open
/// connections (SSE streams never end by themselves) `config.shutdown_grace`, abandons what is
/// left, and returns: the bound on how long SIGTERM takes.
pub async fn serve_database(config: &Config, database: &Database) -> anyhow::Result<()> {
    let catalog = load_catalog()?;
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    tracing::info!(address = %config.bind, workers = config.workers, "infracast listening");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let snapshots = Arc::new(GraphSnapshots::default());
    let mut runtime =
        jobs::JobRuntime::new(database.pool.clone(), snapshots.clone(), catalog.clone());
    runtime.policy = config.discovery_policy.clone();
    runtime.config = runtime.config.with_lease(config.jobs.lease);
    runtime.config.claim = store::jobs::ClaimPolicy {
        max_running_per_tenant: config.jobs.max_running_per_tenant,
        max_attempts: config.jobs.max_attempts,
    };
    runtime.config.discovery_timeout = config.jobs.discovery_timeout;
    runtime.config.evaluation_timeout = config.jobs.evaluation_timeout;
    let grace = config.shutdown_grace;
    let workers = tokio::spawn(jobs::run_workers(
        runtime,
        config.workers,
        stopped.clone(),
        grace,
    ));
    let scheduler = tokio::spawn(jobs::scheduler::run(
        database.pool.clone(),
        Duration::from_secs(5),
        stopped.clone(),
    ));
    // Frees the snapshots of tenants deleted (or changed) through other processes.
    let sweeper = tokio::spawn(snapshots.clone().sweep_every(
        database.pool.clone(),
        Duration::from_secs(30),
        stopped.clone(),
    ));
    let allow_internal = crate::netguard::internal_targets_allowed_by_environment();
    let deliveries = tokio::spawn(jobs::deliveries::run(
        database.pool.clone(),
        allow_internal,
        stopped.clone(),
    ));
    let signalled = {
        let stop = stop.clone();
        async move {
            shutdown_signal().await;
            tracing::info!(grace_seconds = grace.as_secs_f64(), "shutting down");
            let _ = stop.send(true);
        }
    };
    let mut state = api::AppState::new(database.pool.clone(), catalog);
    state.discovery_policy = config.discovery_policy.clone();
    state.snapshots = snapshots;
    let served = serve_state_on(listener, state, signalled);
    let mut grace_watch = stopped.clone();
    let served = tokio::select! {
        served = served => served,
        _ = async move {
            let _ = grace_watch.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("connections still open after the shutdown grace; closing them");
            Ok(())
        }
    };
    let _ = stop.send(true);
    // The workers abandon their jobs at the end of the grace; the rest stop at their next tick.
    let background = async {
        let _ = workers.await;
        let _ = scheduler.await;
        let _ = deliveries.await;
        let _ = sweeper.await;
    };
    if tokio::time::timeout(grace + Duration::from_secs(2), background)
        .await
        .is_err()
    {
        tracing::warn!("background tasks still running after the shutdown grace; leaving them");
    }
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
