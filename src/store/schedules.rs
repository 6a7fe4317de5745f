//! Cron schedules that create discovery jobs. A due schedule is taken with `FOR UPDATE SKIP
//! LOCKED` and its job is inserted under a unique (schedule, due time) key, so it fires exactly
//! once however many processes run the scheduler.
//!
//! The plan's limits on schedules are enforced here, in one place: a minimum interval between
//! runs, no seconds-level expressions, and a cap on schedules per tenant. A due schedule whose
//! tenant has a full job queue skips that run (logged) instead of piling jobs up.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::Error;
use super::jobs::{self, NewJob};
use crate::model::JobKind;
pub use crate::model::Schedule;

/// Parses a 5-field (minute first) or 6/7-field (seconds first) cron expression.
pub fn parse_cron(expression: &str) -> Result<cron::Schedule, String> {
    let fields = expression.split_whitespace().count();
    let normalised = match fields {
        5 => format!("0 {expression}"),
        6 | 7 => expression.to_string(),
        _ => {
            return Err(format!(
                "cron expression `{expression}` must have 5 fields (minute hour day month weekday)"
            ));
        }
    };
    cron::Schedule::from_str(&normalised)
        .map_err(|error| format!("invalid cron expression `{expression}`: {error}"))
}

/// The shortest time a tenant on `plan` may schedule between two runs.
pub fn minimum_interval(plan: &str) -> chrono::Duration {
    match plan {
        "enterprise" => chrono::Duration::minutes(5),
        "pro" => chrono::Duration::minutes(15),
        _ => chrono::Duration::hours(1),
    }
}

/// How many schedules a tenant on `plan` may have.
pub fn schedules_cap(plan: &str) -> i64 {
    match plan {
        "enterprise" => 200,
        "pro" => 50,
        _ => 5,
    }
}

/// How many upcoming runs the interval check looks at: enough to see the gaps of expressions
/// that fire in bursts (`0,5 3 * * *`) or on some days only.
const RUNS_CHECKED: usize = 200;

/// Checks that `expression` is a valid cron expression whose runs are never closer together than
/// the plan allows, looking at upcoming runs from `now`. A seconds field that fires more than once
/// a minute is refused outright.
pub fn check_interval(expression: &str, plan: &str, now: DateTime<Utc>) -> Result<(), String> {
    let schedule = parse_cron(expression)?;
    let fields: Vec<&str> = expression.split_whitespace().collect();
    if fields.len() >= 6 && fields[0].parse::<u32>().is_err() {
        return Err(format!(
            "cron expression `{expression}` fires at seconds granularity; use a 5-field expression (minute hour day month weekday) or a single fixed second"
        ));
    }
    let minimum = minimum_interval(plan);
    let runs: Vec<DateTime<Utc>> = schedule.after(&now).take(RUNS_CHECKED).collect();
    if runs.is_empty() {
        return Err(format!("cron expression `{expression}` never fires again"));
    }
    for pair in runs.windows(2) {
        let gap = pair[1] - pair[0];
        if gap < minimum {
            return Err(format!(
                "cron expression `{expression}` fires {} apart at {}; the {plan} plan allows one run every {} at most",
                describe(gap),
                pair[0].format("%Y-%m-%dT%H:%M:%SZ"),
                describe(minimum)
            ));
        }
    }
    Ok(())
}

fn describe(duration: chrono::Duration) -> String {
    let seconds = duration.num_seconds();
    if seconds % 3600 == 0 && seconds >= 3600 {
        format!("{} h", seconds / 3600)
    } else if seconds % 60 == 0 && seconds >= 60 {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}

/// The first due time strictly after `after`.
pub fn next_run(expression: &str, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    parse_cron(expression).ok()?.after(&after).next()
}

/// A schedule row as stored; `model::Schedule` outside the store.
#[derive(Debug, Clone, sqlx::FromRow)]
struct ScheduleRow {
    tenant_id: String,
    schedule_id: Uuid,
    name: String,
    cron: String,
    job_template: sqlx::types::Json<Value>,
    enabled: bool,
    next_run_at: DateTime<Utc>,
    last_run_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ScheduleRow> for Schedule {
    fn from(row: ScheduleRow) -> Schedule {
        Schedule {
            tenant_id: row.tenant_id,
            schedule_id: row.schedule_id,
            name: row.name,
            cron: row.cron,
            job_template: row.job_template.0,
            enabled: row.enabled,
            next_run_at: row.next_run_at,
            last_run_at: row.last_run_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const COLUMNS: &str = "tenant_id, schedule_id, name, cron, job_template, enabled, next_run_at, last_run_at, created_at, updated_at";

/// Creates a schedule after checking the plan's limits: `Error::Invalid` when the expression fires
/// more often than the plan allows, `Error::LimitReached` when the tenant has its cap of schedules.
pub async fn create(
    pool: &PgPool,
    tenant_id: &str,
    name: &str,
    cron: &str,
    job_template: &Value,
    enabled: bool,
    next_run_at: DateTime<Utc>,
) -> Result<Schedule, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    // Concurrent creations for one tenant count each other.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('infracast.schedules'), hashtext($1))")
        .bind(tenant_id)
        .execute(&mut *transaction)
        .await?;
    let row: Option<(String, i64)> = sqlx::query_as(
        // Not correlated (`s.tenant_id = $1`): Citus refuses a correlated sub-query over a
        // distributed table beside a reference table.
        "SELECT t.plan, (SELECT count(*) FROM schedules s WHERE s.tenant_id = $1)
         FROM tenants t WHERE t.tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(&mut *transaction)
    .await?;
    let Some((plan, existing)) = row else {
        return Err(Error::NotFound);
    };
    check_interval(cron, &plan, Utc::now()).map_err(Error::Invalid)?;
    let cap = schedules_cap(&plan);
    if existing >= cap {
        return Err(Error::LimitReached(format!(
            "the tenant has {existing} schedules; the {plan} plan allows {cap}: delete one first"
        )));
    }
    let schedule: ScheduleRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO schedules (tenant_id, schedule_id, name, cron, job_template, enabled, next_run_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(Uuid::new_v4())
    .bind(name)
    .bind(cron)
    .bind(sqlx::types::Json(job_template))
    .bind(enabled)
    .bind(next_run_at)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(schedule.into())
}

pub async fn get(pool: &PgPool, tenant_id: &str, schedule_id: Uuid) -> Result<Schedule, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let schedule: ScheduleRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM schedules WHERE tenant_id = $1 AND schedule_id = $2"
    )))
    .bind(tenant_id)
    .bind(schedule_id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(schedule.into())
}

pub async fn list(pool: &PgPool, tenant_id: &str) -> Result<Vec<Schedule>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let schedules: Vec<ScheduleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM schedules WHERE tenant_id = $1 ORDER BY created_at, schedule_id"
    )))
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(schedules.into_iter().map(Schedule::from).collect())
}

/// Enables or disables; enabling sets the next due time given by the caller, and checks the
/// expression against the plan's shortest interval again (a schedule created before the limit,
/// or before a downgrade, cannot be switched back on to fire faster than the plan allows).
pub async fn set_enabled(
    pool: &PgPool,
    tenant_id: &str,
    schedule_id: Uuid,
    enabled: bool,
    next_run_at: DateTime<Utc>,
) -> Result<Schedule, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    if enabled {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT t.plan, s.cron FROM schedules s JOIN tenants t ON t.tenant_id = s.tenant_id
             WHERE s.tenant_id = $1 AND s.schedule_id = $2",
        )
        .bind(tenant_id)
        .bind(schedule_id)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some((plan, cron)) = row else {
            return Err(Error::NotFound);
        };
        check_interval(&cron, &plan, Utc::now()).map_err(Error::Invalid)?;
    }
    let schedule: ScheduleRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE schedules SET enabled = $3, next_run_at = CASE WHEN $3 THEN $4 ELSE next_run_at END, updated_at = now()
         WHERE tenant_id = $1 AND schedule_id = $2 RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(schedule_id)
    .bind(enabled)
    .bind(next_run_at)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(schedule.into())
}

pub async fn delete(pool: &PgPool, tenant_id: &str, schedule_id: Uuid) -> Result<(), Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let deleted = sqlx::query("DELETE FROM schedules WHERE tenant_id = $1 AND schedule_id = $2")
        .bind(tenant_id)
        .bind(schedule_id)
        .execute(&mut *transaction)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    transaction.commit().await?;
    Ok(())
}

/// Fires every due schedule once: creates its job (unless one exists for that due time) and moves
/// `next_run_at` to `next_after(schedule, now)`. Returns the jobs created by this call.
pub async fn fire_due(
    pool: &PgPool,
    now: DateTime<Utc>,
    next_after: impl Fn(&Schedule, DateTime<Utc>) -> Option<DateTime<Utc>>,
) -> Result<Vec<jobs::Job>, Error> {
    let mut transaction = pool.begin().await?;
    // Found by an unlocked read across tenants, then locked one schedule at a time with its tenant
    // named and the condition checked again: Citus cannot lock rows of several tenants (shards) in
    // one statement. A schedule another process holds is skipped, as before.
    let candidates: Vec<(String, Uuid)> = sqlx::query_as(
        "SELECT tenant_id, schedule_id FROM schedules WHERE enabled AND next_run_at <= $1
         ORDER BY next_run_at, tenant_id, schedule_id LIMIT 100",
    )
    .bind(now)
    .fetch_all(&mut *transaction)
    .await?;
    // Each job insert takes its tenant's queue lock (held to commit). Two processes' schedulers can
    // take interleaved sets of due rows, so they take those locks in one global order (tenant)
    // rather than by due time, which could make them wait on each other in a cycle.
    let mut candidates = candidates;
    candidates.sort_by(|left, right| left.0.cmp(&right.0));
    let mut due = Vec::new();
    for (tenant_id, schedule_id) in candidates {
        let row: Option<ScheduleRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM schedules
             WHERE tenant_id = $1 AND schedule_id = $2 AND enabled AND next_run_at <= $3
             FOR UPDATE SKIP LOCKED"
        )))
        .bind(&tenant_id)
        .bind(schedule_id)
        .bind(now)
        .fetch_optional(&mut *transaction)
        .await?;
        due.extend(row.map(Schedule::from));
    }
    let mut created = Vec::new();
    for schedule in due {
        let template = &schedule.job_template;
        let new_job = NewJob {
            kind: JobKind::Discovery,
            provider: template
                .get("provider")
                .and_then(Value::as_str)
                .map(str::to_string),
            config: template
                .get("config")
                .cloned()
                .unwrap_or(Value::Object(Default::default())),
            start: true,
        };
        let scheduled = jobs::create_scheduled(
            &mut transaction,
            &schedule.tenant_id,
            &new_job,
            schedule.schedule_id,
            schedule.next_run_at,
        )
        .await;
        match scheduled {
            Ok(Some(job)) => created.push(job),
            Ok(None) => {}
            // A full queue skips this run; the schedule still moves on, so runs do not pile up.
            Err(Error::LimitReached(reason)) => tracing::warn!(
                tenant = %schedule.tenant_id,
                schedule = %schedule.schedule_id,
                due = %schedule.next_run_at,
                %reason,
                "schedule run skipped: the tenant's job queue is full"
            ),
            Err(error) => return Err(error),
        }
        let next = next_after(&schedule, now);
        sqlx::query(
            "UPDATE schedules SET last_run_at = $3, next_run_at = coalesce($4, next_run_at),
                enabled = ($4 IS NOT NULL), updated_at = now()
             WHERE tenant_id = $1 AND schedule_id = $2",
        )
        .bind(&schedule.tenant_id)
        .bind(schedule.schedule_id)
        .bind(now)
        .bind(next)
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn accepts_five_field_cron_and_finds_the_next_time() {
        let after = Utc.with_ymd_and_hms(2026, 1, 1, 10, 7, 30).unwrap();
        assert_eq!(
            next_run("*/15 * * * *", after),
            Some(Utc.with_ymd_and_hms(2026, 1, 1, 10, 15, 0).unwrap())
        );
        assert_eq!(
            next_run("0 3 * * *", after),
            Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 0, 0).unwrap())
        );
        assert!(parse_cron("every day").is_err());
        assert!(parse_cron("61 * * * *").is_err());
    }
}
