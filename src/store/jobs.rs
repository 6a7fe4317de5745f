//! The job queue in PostgreSQL: create, start, cancel, claim with `FOR UPDATE SKIP LOCKED` and a
//! lease renewed by heartbeat, and a fencing token checked at commit.
//!
//! The per-tenant caps live here, in one place, so the API, the scheduler and the CLI all honour
//! them: a tenant's queued jobs are capped by plan at creation, and a claim skips tenants that
//! already run their share of the workers and ends jobs whose workers keep dying.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::Error;
use super::paging::{Page, PageRequest};
use crate::model::{ChangeKind, ChangedEntity, JobChange};
pub use crate::model::{Job, JobKind, JobStatus};

/// A job row as stored; parsed into `model::Job` at this boundary.
#[derive(Debug, Clone, sqlx::FromRow)]
struct JobRow {
    tenant_id: String,
    job_id: Uuid,
    kind: String,
    provider: Option<String>,
    config: sqlx::types::Json<Value>,
    status: String,
    cancel_requested: bool,
    progress: sqlx::types::Json<Value>,
    scopes: sqlx::types::Json<Value>,
    counts: sqlx::types::Json<Value>,
    errors: sqlx::types::Json<Value>,
    attempts: i32,
    fencing_token: i64,
    lease_owner: Option<String>,
    lease_expires_at: Option<DateTime<Utc>>,
    schedule_id: Option<Uuid>,
    committed_status: Option<String>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<JobRow> for Job {
    type Error = Error;

    /// A kind or status this build does not know (written by a newer version, or by hand) is a
    /// corrupt row, not a panic.
    fn try_from(row: JobRow) -> Result<Job, Error> {
        let corrupt = |error: crate::model::UnknownName| {
            Error::Corrupt(format!("job {}: {error}", row.job_id))
        };
        let committed_status = match &row.committed_status {
            Some(status) => Some(JobStatus::parse(status).map_err(corrupt)?),
            None => None,
        };
        Ok(Job {
            kind: JobKind::parse(&row.kind).map_err(corrupt)?,
            status: JobStatus::parse(&row.status).map_err(corrupt)?,
            committed_status,
            tenant_id: row.tenant_id,
            job_id: row.job_id,
            provider: row.provider,
            config: row.config.0,
            cancel_requested: row.cancel_requested,
            progress: row.progress.0,
            scopes: row.scopes.0,
            counts: row.counts.0,
            errors: row.errors.0,
            attempts: row.attempts,
            fencing_token: row.fencing_token,
            lease_owner: row.lease_owner,
            lease_expires_at: row.lease_expires_at,
            schedule_id: row.schedule_id,
            started_at: row.started_at,
            finished_at: row.finished_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn parse_row(row: Option<JobRow>) -> Result<Option<Job>, Error> {
    row.map(Job::try_from).transpose()
}

/// The names of `statuses`, as the `status` column holds them.
fn status_names(statuses: &[JobStatus]) -> Vec<String> {
    statuses
        .iter()
        .map(|status| status.as_str().to_string())
        .collect()
}

const COLUMNS: &str = "tenant_id, job_id, kind, provider, config, status, cancel_requested, progress, scopes, counts, \
     errors, attempts, fencing_token, lease_owner, lease_expires_at, schedule_id, committed_status, started_at, finished_at, created_at, updated_at";

/// How many jobs a tenant on `plan` may have queued (created, pending or running) at once.
pub fn queued_jobs_cap(plan: &str) -> i64 {
    match plan {
        "enterprise" => 200,
        "pro" => 50,
        _ => 10,
    }
}

/// Refuses a new job when the tenant already has its plan's share of queued jobs. Takes a
/// per-tenant transaction-level advisory lock first, so concurrent creations count each other
/// (call inside a transaction).
async fn ensure_queue_has_room(
    connection: &mut PgConnection,
    tenant_id: &str,
) -> Result<(), Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('infracast.job-queue'), hashtext($1))")
        .bind(tenant_id)
        .execute(&mut *connection)
        .await?;
    let row: Option<(String, i64)> = sqlx::query_as(
        // Not correlated (`j.tenant_id = $1`, not `= t.tenant_id`): Citus refuses a correlated
        // sub-query over a distributed table beside a reference table.
        "SELECT t.plan, (SELECT count(*) FROM jobs j
                         WHERE j.tenant_id = $1 AND j.status = ANY($2))
         FROM tenants t WHERE t.tenant_id = $1",
    )
    .bind(tenant_id)
    .bind(status_names(JobStatus::QUEUED))
    .fetch_optional(&mut *connection)
    .await?;
    // No tenant row: the insert's foreign key reports it.
    let Some((plan, queued)) = row else {
        return Ok(());
    };
    let cap = queued_jobs_cap(&plan);
    if queued >= cap {
        return Err(Error::LimitReached(format!(
            "the tenant has {queued} queued jobs (created, pending or running); the {plan} plan allows {cap}: wait for some to finish or cancel them"
        )));
    }
    Ok(())
}

/// What a new job is.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: JobKind,
    pub provider: Option<String>,
    pub config: Value,
    /// Queue it now (`pending`) rather than wait for `start` (`created`).
    pub start: bool,
}

/// Creates a job, unless the tenant's queue is at its plan's cap (`Error::LimitReached`).
pub async fn create(pool: &PgPool, tenant_id: &str, new_job: &NewJob) -> Result<Job, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let job = create_in(&mut transaction, tenant_id, new_job).await?;
    transaction.commit().await?;
    Ok(job)
}

/// `create` on a caller's transaction (a job created together with what it serves); the cap's
/// lock is held until that transaction ends.
pub async fn create_in(
    connection: &mut PgConnection,
    tenant_id: &str,
    new_job: &NewJob,
) -> Result<Job, Error> {
    ensure_queue_has_room(connection, tenant_id).await?;
    let status = if new_job.start {
        JobStatus::Pending
    } else {
        JobStatus::Created
    };
    let row: JobRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO jobs (tenant_id, job_id, kind, provider, config, status) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(Uuid::new_v4())
    .bind(new_job.kind.as_str())
    .bind(&new_job.provider)
    .bind(sqlx::types::Json(&new_job.config))
    .bind(status.as_str())
    .fetch_one(&mut *connection)
    .await?;
    Job::try_from(row)
}

/// Creates the job a schedule owes for `scheduled_for`, unless another process already did.
/// `Error::LimitReached` when the tenant's queue is full (the scheduler skips that run).
pub async fn create_scheduled(
    connection: &mut PgConnection,
    tenant_id: &str,
    new_job: &NewJob,
    schedule_id: Uuid,
    scheduled_for: DateTime<Utc>,
) -> Result<Option<Job>, Error> {
    ensure_queue_has_room(connection, tenant_id).await?;
    let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO jobs (tenant_id, job_id, kind, provider, config, status, schedule_id, scheduled_for)
         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7)
         ON CONFLICT (tenant_id, schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL DO NOTHING
         RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(Uuid::new_v4())
    .bind(new_job.kind.as_str())
    .bind(&new_job.provider)
    .bind(sqlx::types::Json(&new_job.config))
    .bind(schedule_id)
    .bind(scheduled_for)
    .fetch_optional(&mut *connection)
    .await?;
    parse_row(row)
}

pub async fn get(pool: &PgPool, tenant_id: &str, job_id: Uuid) -> Result<Job, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: JobRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM jobs WHERE tenant_id = $1 AND job_id = $2"
    )))
    .bind(tenant_id)
    .bind(job_id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Job::try_from(row)
}

/// A page of the tenant's jobs with the given statuses and kinds (none: all), by creation time
/// (`oldest_first` or newest first).
pub async fn list(
    pool: &PgPool,
    tenant_id: &str,
    statuses: &[JobStatus],
    kinds: &[JobKind],
    oldest_first: bool,
    request: &PageRequest,
) -> Result<Page<Job>, Error> {
    let push_filter = |builder: &mut QueryBuilder<Postgres>| {
        builder.push(" WHERE tenant_id = ");
        builder.push_bind(tenant_id.to_string());
        if !statuses.is_empty() {
            builder.push(" AND status = ANY(");
            builder.push_bind(status_names(statuses));
            builder.push(")");
        }
        if !kinds.is_empty() {
            builder.push(" AND kind = ANY(");
            builder.push_bind(
                kinds
                    .iter()
                    .map(|kind| kind.as_str().to_string())
                    .collect::<Vec<_>>(),
            );
            builder.push(")");
        }
    };
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let mut count = QueryBuilder::<Postgres>::new("SELECT count(*) FROM jobs");
    push_filter(&mut count);
    let total: i64 = count
        .build_query_scalar()
        .fetch_one(&mut *transaction)
        .await?;
    let mut select = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM jobs"));
    push_filter(&mut select);
    select.push(if oldest_first {
        " ORDER BY created_at, job_id LIMIT "
    } else {
        " ORDER BY created_at DESC, job_id DESC LIMIT "
    });
    select.push_bind(i64::from(request.per_page));
    select.push(" OFFSET ");
    select.push_bind(i64::from(request.page.saturating_sub(1)) * i64::from(request.per_page));
    let rows: Vec<JobRow> = select.build_query_as().fetch_all(&mut *transaction).await?;
    transaction.commit().await?;
    let jobs = rows
        .into_iter()
        .map(Job::try_from)
        .collect::<Result<Vec<Job>, Error>>()?;
    Ok(Page {
        items: jobs,
        total,
        next_cursor: None,
    })
}

/// `created` → `pending`. Any other state is a conflict.
pub async fn start(pool: &PgPool, tenant_id: &str, job_id: Uuid) -> Result<Job, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET status = 'pending', updated_at = now()
         WHERE tenant_id = $1 AND job_id = $2 AND status = 'created' RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(job_id)
    .fetch_optional(&mut *transaction)
    .await?;
    let job = parse_row(row)?;
    transaction.commit().await?;
    match job {
        Some(job) => Ok(job),
        None => {
            let current = get(pool, tenant_id, job_id).await?;
            Err(Error::Conflict(format!(
                "job is `{}`; only a `created` job can be started",
                current.status
            )))
        }
    }
}

/// Cancels a job: one not yet running is cancelled at once; a running one is asked to stop (its
/// worker sees the flag within a page of API calls). A finished job is a conflict. What a job
/// cancelled before it ran serves (`JobDependent`) ends with it in the same transaction.
pub async fn request_cancel(pool: &PgPool, tenant_id: &str, job_id: Uuid) -> Result<Job, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let now = transaction_time(&mut transaction).await?;
    let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET
            cancel_requested = true,
            status = CASE WHEN status IN ('created', 'pending') THEN 'cancelled' ELSE status END,
            finished_at = CASE WHEN status IN ('created', 'pending') THEN $3 ELSE finished_at END,
            updated_at = now()
         WHERE tenant_id = $1 AND job_id = $2 AND status IN ('created', 'pending', 'running')
         RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(job_id)
    .bind(now)
    .fetch_optional(&mut *transaction)
    .await?;
    match parse_row(row)? {
        Some(job) => {
            if job.status == JobStatus::Cancelled {
                ended_without_worker(&mut transaction, tenant_id, job_id, "cancelled").await?;
            }
            transaction.commit().await?;
            Ok(job)
        }
        None => {
            drop(transaction);
            let current = get(pool, tenant_id, job_id).await?;
            Err(Error::Conflict(format!(
                "job already finished as `{}`",
                current.status
            )))
        }
    }
}

/// The transaction's `now()`, read once so a statement can use it where Citus refuses the function
/// itself (inside `CASE` or `coalesce` of a distributed UPDATE). The same value `now()` has in every
/// later statement of the transaction, so nothing changes on plain PostgreSQL.
async fn transaction_time(connection: &mut PgConnection) -> Result<DateTime<Utc>, Error> {
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *connection)
        .await?;
    Ok(now)
}

/// A reaction of something a job serves (a report row) when the job ends without its worker:
/// cancelled before it ran, or abandoned after its attempts. It runs in the transaction that ended
/// the job, so the two never disagree. The queue does not know what the dependents are:
/// `store::JOB_DEPENDENTS` lists them, each aggregate's own statement.
pub type JobDependent = for<'c> fn(
    &'c mut PgConnection,
    &'c str,
    Uuid,
    &'c str,
) -> futures::future::BoxFuture<'c, Result<(), Error>>;

/// Lets every dependent of `job_id` end with it, giving `reason`.
async fn ended_without_worker(
    connection: &mut PgConnection,
    tenant_id: &str,
    job_id: Uuid,
    reason: &str,
) -> Result<(), Error> {
    for dependent in super::JOB_DEPENDENTS {
        dependent(&mut *connection, tenant_id, job_id, reason).await?;
    }
    Ok(())
}

/// How claims share the workers between tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimPolicy {
    /// A tenant with this many running jobs (live leases) is skipped until one ends.
    pub max_running_per_tenant: i64,
    /// A job whose lease expired this many times (its worker keeps dying) is not claimed again:
    /// it ends `failed`.
    pub max_attempts: i32,
}

impl Default for ClaimPolicy {
    fn default() -> Self {
        ClaimPolicy {
            max_running_per_tenant: 2,
            max_attempts: 3,
        }
    }
}

/// `claim_next_fairly` with the default policy.
pub async fn claim_next(
    pool: &PgPool,
    worker_id: &str,
    lease_seconds: f64,
) -> Result<Option<Job>, Error> {
    claim_next_fairly(pool, worker_id, lease_seconds, &ClaimPolicy::default()).await
}

/// Claims a pending job, or a running one whose lease expired (its worker died). Tenants at
/// `max_running_per_tenant` are skipped; among the others the tenant claimed least recently goes
/// first, then the oldest job. Expired jobs that used up `max_attempts` end `failed` instead
/// (with their `job.failed` event). Each claim increments the fencing token.
///
/// Two steps, so that every locking statement names one tenant: Citus cannot lock rows of several
/// shards in one statement (`FOR UPDATE` across tenants), and on Citus a tenant's jobs live in one
/// shard. First an unlocked read ranks the tenants that have a claimable job (a per-tenant
/// aggregate, which Citus runs on each worker and merges); then the claim tries them in that order,
/// each with `tenant_id = $1 … FOR UPDATE SKIP LOCKED`, re-checking the tenant's running count and
/// the job's state under the lock, until one claims. The ranking is the same order the single
/// statement used (least recently claimed tenant, then its oldest claimable job).
pub async fn claim_next_fairly(
    pool: &PgPool,
    worker_id: &str,
    lease_seconds: f64,
    policy: &ClaimPolicy,
) -> Result<Option<Job>, Error> {
    let mut transaction = pool.begin().await?;
    // Claims are serialised (they take milliseconds), so the running counts below cannot be
    // overtaken by a concurrent claim for the same tenant in another worker or process.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('infracast.job-claim'))")
        .execute(&mut *transaction)
        .await?;
    abandon_exhausted(&mut transaction, policy.max_attempts).await?;
    let now = transaction_time(&mut transaction).await?;
    let ranked_tenants: Vec<String> = sqlx::query_scalar(
        "SELECT tenant_id FROM jobs
         GROUP BY tenant_id
         HAVING bool_or(status = 'pending' OR (status = 'running' AND lease_expires_at < now()))
            AND count(*) FILTER (WHERE status = 'running' AND lease_expires_at >= now()) < $1
         ORDER BY max(claimed_at) NULLS FIRST,
                  min(created_at) FILTER (WHERE status = 'pending'
                                          OR (status = 'running' AND lease_expires_at < now())),
                  tenant_id",
    )
    .bind(policy.max_running_per_tenant)
    .fetch_all(&mut *transaction)
    .await?;
    let mut claimed = None;
    for tenant_id in ranked_tenants {
        let row: Option<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET status = 'running', lease_owner = $2,
                lease_expires_at = now() + make_interval(secs => $3), fencing_token = fencing_token + 1,
                attempts = attempts + 1, started_at = coalesce(started_at, $5), claimed_at = now(),
                updated_at = now()
             WHERE tenant_id = $1 AND job_id = (
                SELECT candidate.job_id FROM jobs candidate
                WHERE candidate.tenant_id = $1
                  AND (candidate.status = 'pending'
                       OR (candidate.status = 'running' AND candidate.lease_expires_at < now()))
                  AND (SELECT count(*) FROM jobs running
                       WHERE running.tenant_id = $1 AND running.status = 'running'
                         AND running.lease_expires_at >= now()) < $4
                ORDER BY candidate.created_at
                FOR UPDATE SKIP LOCKED
                LIMIT 1)
             RETURNING {COLUMNS}"
        )))
        .bind(&tenant_id)
        .bind(worker_id)
        .bind(lease_seconds)
        .bind(policy.max_running_per_tenant)
        .bind(now)
        .fetch_optional(&mut *transaction)
        .await?;
        if row.is_some() {
            claimed = row;
            break;
        }
    }
    transaction.commit().await?;
    parse_row(claimed)
}

/// Ends as `failed` every expired job that already had `max_attempts` claims: its worker died
/// (or was killed) that many times, and claiming it again would likely kill the next one. Found by
/// an unlocked read across tenants, then ended one job at a time under `tenant_id = $1 … FOR
/// UPDATE SKIP LOCKED` with the condition checked again (a job its worker is committing right now
/// is skipped, as before; Citus cannot lock rows of several tenants in one statement).
async fn abandon_exhausted(connection: &mut PgConnection, max_attempts: i32) -> Result<(), Error> {
    let exhausted: Vec<(String, Uuid, i32)> = sqlx::query_as(
        "SELECT tenant_id, job_id, attempts FROM jobs
         WHERE status = 'running' AND lease_expires_at < now() AND attempts >= $1
         ORDER BY tenant_id, job_id",
    )
    .bind(max_attempts)
    .fetch_all(&mut *connection)
    .await?;
    for (tenant_id, job_id, attempts) in exhausted {
        // The error is written as a value (the row's attempts are re-checked under the lock):
        // Citus refuses stable functions over columns (`'…' || attempts`) in a distributed UPDATE.
        let errors = serde_json::json!([format!(
            "abandoned after {attempts} attempts (its worker stopped renewing the lease each time)"
        )]);
        let abandoned: Option<(String, Option<String>)> = sqlx::query_as(
            "UPDATE jobs SET status = 'failed', errors = $4,
                finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
             WHERE tenant_id = $1 AND job_id = (
                SELECT job_id FROM jobs
                WHERE tenant_id = $1 AND job_id = $2
                  AND status = 'running' AND lease_expires_at < now() AND attempts = $3
                FOR UPDATE SKIP LOCKED)
             RETURNING kind, provider",
        )
        .bind(&tenant_id)
        .bind(job_id)
        .bind(attempts)
        .bind(sqlx::types::Json(&errors))
        .fetch_optional(&mut *connection)
        .await?;
        let Some((kind, provider)) = abandoned else {
            continue;
        };
        let message = format!("abandoned after {attempts} attempts");
        ended_without_worker(&mut *connection, &tenant_id, job_id, &message).await?;
        let payload = serde_json::json!({"job_id": job_id, "kind": kind, "provider": provider,
            "status": "failed", "counts": {}, "errors": [message]});
        super::webhooks::enqueue(&mut *connection, &tenant_id, "job.failed", &payload).await?;
    }
    Ok(())
}

/// What a heartbeat learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// False when another worker holds the job now: stop working on it.
    pub lease_held: bool,
    pub cancel_requested: bool,
}

/// Renews the lease (when `renew`) and reads the cancel flag, for the holder of `token` only.
pub async fn heartbeat(
    pool: &PgPool,
    tenant_id: &str,
    job_id: Uuid,
    token: i64,
    lease_seconds: f64,
    renew: bool,
) -> Result<Heartbeat, Error> {
    // Two statements rather than a `CASE` around `now()`: Citus refuses non-immutable functions
    // inside `CASE` and `coalesce` of a distributed UPDATE.
    // A renewal never moves the expiry back: a beat that waited behind the commit transaction's
    // row lock computes `now()` from when it started waiting, while that transaction renewed the
    // lease just before committing (`renew_lease_in`). Such a beat matches no row here and falls
    // through to the plain read below.
    let query = if renew {
        sqlx::query_as(
            "UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $4)
             WHERE tenant_id = $1 AND job_id = $2 AND fencing_token = $3 AND status = 'running'
               AND lease_expires_at < now() + make_interval(secs => $4)
             RETURNING cancel_requested",
        )
    } else {
        sqlx::query_as(
            "UPDATE jobs SET lease_expires_at = lease_expires_at
             WHERE tenant_id = $1 AND job_id = $2 AND fencing_token = $3 AND status = 'running'
             RETURNING cancel_requested",
        )
    };
    let mut query = query.bind(tenant_id).bind(job_id).bind(token);
    if renew {
        query = query.bind(lease_seconds);
    }
    let mut row: Option<(bool,)> = query.fetch_optional(pool).await?;
    if row.is_none() && renew {
        row = sqlx::query_as(
            "SELECT cancel_requested FROM jobs
             WHERE tenant_id = $1 AND job_id = $2 AND fencing_token = $3 AND status = 'running'",
        )
        .bind(tenant_id)
        .bind(job_id)
        .bind(token)
        .fetch_optional(pool)
        .await?;
    }
    Ok(match row {
        Some((cancel_requested,)) => Heartbeat {
            lease_held: true,
            cancel_requested,
        },
        None => Heartbeat {
            lease_held: false,
            cancel_requested: false,
        },
    })
}

/// Records progress (the holder of `token` only; a stale worker's write is ignored).
pub async fn record_progress(
    pool: &PgPool,
    tenant_id: &str,
    job_id: Uuid,
    token: i64,
    progress: &Value,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE jobs SET progress = $4, updated_at = now()
         WHERE tenant_id = $1 AND job_id = $2 AND fencing_token = $3 AND status = 'running'",
    )
    .bind(tenant_id)
    .bind(job_id)
    .bind(token)
    .bind(sqlx::types::Json(progress))
    .execute(pool)
    .await?;
    Ok(())
}

/// Locks the job row inside the commit transaction and checks the fencing token: a worker whose
/// lease was taken over gets `Error::Fenced` and must roll back. Returns whether a cancel was
/// requested (the commit must then change nothing). It opens every job commit, so it also scopes
/// the caller's transaction to the job's tenant: what the commit writes (reconcile, findings,
/// reports, outbox) runs under row-level security.
pub async fn lock_for_commit(
    connection: &mut PgConnection,
    tenant_id: &str,
    job_id: Uuid,
    token: i64,
) -> Result<bool, Error> {
    super::enter_tenant(connection, tenant_id).await?;
    let row: Option<(i64, String, bool)> = sqlx::query_as(
        "SELECT fencing_token, status, cancel_requested FROM jobs
         WHERE tenant_id = $1 AND job_id = $2 FOR UPDATE",
    )
    .bind(tenant_id)
    .bind(job_id)
    .fetch_optional(&mut *connection)
    .await?;
    match row {
        Some((current, status, cancel_requested)) if current == token && status == "running" => {
            Ok(cancel_requested)
        }
        Some((current, status, _)) => Err(Error::Fenced(format!(
            "job {job_id} is `{status}` with fencing token {current}; this worker holds {token}"
        ))),
        None => Err(Error::NotFound),
    }
}

/// Renews the lease from this moment, inside a transaction that holds the job row
/// (`lock_for_commit`), just before it commits. The watcher's heartbeat waits behind that row lock,
/// so a commit that lasts longer than the lease would otherwise leave the job claimable by another
/// worker the instant it commits (found with a 100k-instance commit on a loaded machine: the job
/// ran twice). The expiry is computed here, in Rust, because `now()` in this transaction is when
/// the transaction began.
pub async fn renew_lease_in(
    connection: &mut PgConnection,
    tenant_id: &str,
    job_id: Uuid,
    token: i64,
    lease: std::time::Duration,
) -> Result<(), Error> {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    sqlx::query(
        "UPDATE jobs SET lease_expires_at = $4
         WHERE tenant_id = $1 AND job_id = $2 AND fencing_token = $3 AND status = 'running'",
    )
    .bind(tenant_id)
    .bind(job_id)
    .bind(token)
    .bind(Utc::now() + lease)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// The final state of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: JobStatus,
    pub scopes: Value,
    pub counts: Value,
    pub errors: Value,
    pub progress: Value,
}

/// Records a discovery's graph commit on its job row (counts, scopes, errors, progress and the
/// status it earned) while the job stays `running` until its evaluation has committed; call after
/// `lock_for_commit` in the graph's transaction.
pub async fn record_graph_commit(
    connection: &mut PgConnection,
    tenant_id: &str,
    job_id: Uuid,
    outcome: &Outcome,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE jobs SET committed_status = $3, scopes = $4, counts = $5, errors = $6, progress = $7,
            updated_at = now()
         WHERE tenant_id = $1 AND job_id = $2",
    )
    .bind(tenant_id)
    .bind(job_id)
    .bind(outcome.status.as_str())
    .bind(sqlx::types::Json(&outcome.scopes))
    .bind(sqlx::types::Json(&outcome.counts))
    .bind(sqlx::types::Json(&outcome.errors))
    .bind(sqlx::types::Json(&outcome.progress))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Writes the final state; call after `lock_for_commit` in the same transaction.
pub async fn finish(
    connection: &mut PgConnection,
    tenant_id: &str,
    job_id: Uuid,
    outcome: &Outcome,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE jobs SET status = $3, scopes = $4, counts = $5, errors = $6, progress = $7,
            finished_at = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
         WHERE tenant_id = $1 AND job_id = $2",
    )
    .bind(tenant_id)
    .bind(job_id)
    .bind(outcome.status.as_str())
    .bind(sqlx::types::Json(&outcome.scopes))
    .bind(sqlx::types::Json(&outcome.counts))
    .bind(sqlx::types::Json(&outcome.errors))
    .bind(sqlx::types::Json(&outcome.progress))
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// One row of `job_changes`, as stored; parsed into a `JobChange` before it leaves the store.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct ChangeRow {
    entity: String,
    entity_id: String,
    change: String,
}

impl TryFrom<ChangeRow> for JobChange {
    type Error = Error;

    fn try_from(row: ChangeRow) -> Result<JobChange, Error> {
        let corrupt = |error: crate::model::UnknownName| {
            Error::Corrupt(format!("job change of {}: {error}", row.entity_id))
        };
        Ok(JobChange {
            entity: ChangedEntity::parse(&row.entity).map_err(corrupt)?,
            change: ChangeKind::parse(&row.change).map_err(corrupt)?,
            entity_id: row.entity_id.clone(),
        })
    }
}

/// The entries of a job's diff, by change, entity kind and id.
pub async fn changes(
    pool: &PgPool,
    tenant_id: &str,
    job_id: Uuid,
) -> Result<Vec<JobChange>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "SELECT entity, entity_id, change FROM job_changes
         WHERE tenant_id = $1 AND job_id = $2 ORDER BY change, entity, entity_id",
    )
    .bind(tenant_id)
    .bind(job_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    rows.into_iter().map(JobChange::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, status: &str) -> JobRow {
        let now = Utc::now();
        JobRow {
            tenant_id: "acme".to_string(),
            job_id: Uuid::nil(),
            kind: kind.to_string(),
            provider: None,
            config: sqlx::types::Json(Value::Null),
            status: status.to_string(),
            cancel_requested: false,
            progress: sqlx::types::Json(Value::Null),
            scopes: sqlx::types::Json(Value::Null),
            counts: sqlx::types::Json(Value::Null),
            errors: sqlx::types::Json(Value::Null),
            attempts: 0,
            fencing_token: 0,
            lease_owner: None,
            lease_expires_at: None,
            schedule_id: None,
            committed_status: None,
            started_at: None,
            finished_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_row_parses_into_the_domain_job() {
        let job = Job::try_from(row("report", "partially_succeeded")).unwrap();
        assert_eq!(job.kind, JobKind::Report);
        assert_eq!(job.status, JobStatus::PartiallySucceeded);
    }

    #[test]
    fn an_unknown_kind_or_status_in_a_row_is_a_corrupt_row() {
        for (kind, status) in [("backup", "pending"), ("discovery", "paused")] {
            match Job::try_from(row(kind, status)) {
                Err(Error::Corrupt(message)) => {
                    assert!(message.contains(&Uuid::nil().to_string()), "{message}")
                }
                other => panic!("{kind}/{status}: expected a corrupt row, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_change_row_parses_into_enums_and_an_unknown_change_is_corrupt() {
        let parsed = JobChange::try_from(ChangeRow {
            entity: "edge".to_string(),
            entity_id: "e-1".to_string(),
            change: "removed".to_string(),
        })
        .unwrap();
        assert_eq!(parsed.entity, ChangedEntity::Edge);
        assert_eq!(parsed.change, ChangeKind::Removed);
        let unknown = JobChange::try_from(ChangeRow {
            entity: "node".to_string(),
            entity_id: "n-1".to_string(),
            change: "renamed".to_string(),
        });
        assert!(matches!(unknown, Err(Error::Corrupt(message)) if message.contains("renamed")));
    }
}
