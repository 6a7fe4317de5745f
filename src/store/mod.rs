//! The store: every SQL statement of Infracast lives here (sqlx, PostgreSQL), plus the migrations
//! and the embedded PostgreSQL launcher.
//!
//! Callers get typed domain values and `store::Error`; they never see `sqlx::Error` or rows.
//! This module knows nothing about HTTP, jobs or engines.

pub mod api_keys;
pub mod audit;
mod by_last_seen;
pub mod citus;
pub mod compliance;
pub mod edges;
pub mod embedded;
mod error;
pub mod findings;
pub mod jobs;
pub mod jsonb_numbers;
pub mod nodes;
pub mod paging;
pub mod rate_limits;
pub mod reconcile;
mod reconcile_staging;
pub mod reports;
pub mod schedules;
pub mod statistics;
pub mod tenants;
pub mod totals;
pub mod webhooks;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

pub use error::Error;

/// What ends with a job that ends without its worker (`jobs::JobDependent`): a report whose job
/// is cancelled before it ran, or abandoned, fails with the job's reason.
pub(crate) const JOB_DEPENDENTS: &[jobs::JobDependent] = &[fail_report_of_job];

fn fail_report_of_job<'c>(
    connection: &'c mut PgConnection,
    tenant_id: &'c str,
    job_id: uuid::Uuid,
    reason: &'c str,
) -> futures::future::BoxFuture<'c, Result<(), Error>> {
    Box::pin(reports::fail_for_job(connection, tenant_id, job_id, reason))
}

/// Migrations embedded in the binary, applied at start.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a request waits for a database connection before it is answered 503: when the
/// database is down, callers learn it in seconds instead of queueing behind a dead server.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long the readiness check waits for `SELECT 1`.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Opens a pool on the given server options.
pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<PgPool, Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(Error::from)
}

/// Checks the database answers `SELECT 1` within `PING_TIMEOUT` (the readiness check).
pub async fn ping(pool: &PgPool) -> Result<(), Error> {
    let answer = tokio::time::timeout(
        PING_TIMEOUT,
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool),
    )
    .await
    .map_err(|_| {
        Error::Unavailable(format!(
            "no answer to SELECT 1 within {} s",
            PING_TIMEOUT.as_secs()
        ))
    })?;
    answer
        .map(|_| ())
        .map_err(|error| match Error::from(error) {
            // Whatever failed, the database is not ready to serve.
            Error::Database(error) => Error::Unavailable(error.to_string()),
            other => other,
        })
}

/// Applies pending migrations. Safe to call from several processes: sqlx takes an advisory lock.
pub async fn migrate(pool: &PgPool) -> Result<(), Error> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|error| Error::Migration(error.to_string()))
}

/// Row counts for the status endpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub tenants: i64,
    pub nodes: i64,
    pub edges: i64,
}

/// Checks the database answers and counts live rows, for one tenant or (with `None`) for all.
pub async fn counts(pool: &PgPool, tenant_id: Option<&str>) -> Result<Counts, Error> {
    let row: (i64, i64, i64) = sqlx::query_as(
        "SELECT
            (SELECT count(*) FROM tenants WHERE $1::text IS NULL OR tenant_id = $1),
            (SELECT count(*) FROM nodes WHERE ($1::text IS NULL OR tenant_id = $1) AND deleted_at IS NULL),
            (SELECT count(*) FROM edges WHERE ($1::text IS NULL OR tenant_id = $1) AND deleted_at IS NULL)",
    )
    .bind(tenant_id)
    .fetch_one(pool)
    .await?;
    Ok(Counts {
        tenants: row.0,
        nodes: row.1,
        edges: row.2,
    })
}

/// The role tenant-scoped work runs as: not a superuser, not BYPASSRLS, not the tables' owner, so
/// the row-level security policies (migration `…_row_level_security.sql`) apply to it.
pub const TENANT_ROLE: &str = "infracast_app";

/// Begins a transaction in which only `tenant_id`'s rows exist: it switches to [`TENANT_ROLE`]
/// and sets `app.tenant_id` (both transaction-local, so the pooled connection is clean after
/// commit or rollback). Every store function that reads or writes one tenant's data on behalf of
/// a request starts here, so a query that forgets `WHERE tenant_id = …` returns nothing of
/// another tenant's instead of leaking it. Work that legitimately spans tenants stays on the
/// owner connection (ARCHITECTURE.md, "Row-level security", lists it).
pub async fn tenant_transaction(
    pool: &PgPool,
    tenant_id: &str,
) -> Result<Transaction<'static, Postgres>, Error> {
    let mut transaction = pool.begin().await?;
    enter_tenant(&mut transaction, tenant_id).await?;
    Ok(transaction)
}

/// Scopes the caller's open transaction to one tenant (see [`tenant_transaction`]); for functions
/// that take a connection inside a transaction their caller began. Outside a transaction the
/// settings would last for one statement only, so call it after `BEGIN`.
pub async fn enter_tenant(connection: &mut PgConnection, tenant_id: &str) -> Result<(), Error> {
    // One round trip for the three settings (a simple query may hold several statements). `SET
    // LOCAL`, not `set_config`: on Citus only `SET LOCAL` commands are passed on to the workers
    // (with `citus.propagate_set_commands = 'local'`), whose shards enforce the same policies as
    // the connecting role. On plain PostgreSQL the `citus.` setting is an inert placeholder.
    let statement = format!(
        "SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL ROLE {TENANT_ROLE}; \
         SET LOCAL app.tenant_id = {}",
        quote_literal(tenant_id)
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// A string as an SQL literal (`standard_conforming_strings` is on in every supported server, so
/// doubling the quotes is the whole escape). A NUL byte cannot be sent and fails the statement.
pub(crate) fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
