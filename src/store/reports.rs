//! Reports: the request row (framework, format, title, status) created together with the job that
//! generates it, the status moves of that job, and the rendered bytes once ready.
//!
//! Status: `pending` (queued) → `generating` (a worker has it) → `ready` | `failed`. Metadata reads
//! never load the content; only `content` does.
//!
//! Rows stay private to this module: callers get `model::Report`, parsed here; a stored format or
//! status this build does not know is `Error::Corrupt`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::Error;
use super::jobs::NewJob;
use super::paging::{self, Page, PageRequest, Sort, SortColumn};
use crate::model::{Report, ReportFormat, ReportStatus};

/// Sortable columns of `GET /reports`.
pub const SORT_COLUMNS: &[SortColumn] = &[SortColumn {
    field: "created_at",
    column: "created_at",
    sql_type: "timestamptz",
}];

/// A `reports` row as stored (without the content); `TryFrom` parses it into a `model::Report`.
#[derive(Debug, Clone, sqlx::FromRow)]
struct ReportRow {
    id: Uuid,
    job_id: Uuid,
    framework: Option<String>,
    format: String,
    title: String,
    status: String,
    error: Option<String>,
    requested_by: String,
    content_type: Option<String>,
    filename: Option<String>,
    size_bytes: Option<i64>,
    sha256: Option<String>,
    generated_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ReportRow> for Report {
    type Error = Error;

    fn try_from(row: ReportRow) -> Result<Report, Error> {
        let format = ReportFormat::parse(&row.format)
            .map_err(|error| Error::Corrupt(format!("report {}: {error}", row.id)))?;
        // Only the stored (lower-case) name: an upper-case one was never written by us.
        let status = ReportStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == row.status)
            .ok_or_else(|| {
                Error::Corrupt(format!(
                    "report {}: unknown report status `{}`",
                    row.id, row.status
                ))
            })?;
        Ok(Report {
            id: row.id,
            job_id: row.job_id,
            framework: row.framework,
            format,
            title: row.title,
            status,
            error: row.error,
            requested_by: row.requested_by,
            content_type: row.content_type,
            filename: row.filename,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            generated_at: row.generated_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const COLUMNS: &str = "id, job_id, framework, format, title, status, error, requested_by, content_type, filename, \
     size_bytes, sha256, generated_at, created_at, updated_at";

/// What a client asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub framework: Option<String>,
    pub format: ReportFormat,
    pub title: String,
    pub requested_by: String,
}

/// The rendered file.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedReport {
    pub content: Vec<u8>,
    pub content_type: String,
    pub filename: String,
    pub sha256: String,
}

/// Creates the report row and the queued job that generates it, in one transaction, so a report
/// never exists without its job nor a job without its report.
pub async fn create(
    pool: &PgPool,
    tenant_id: &str,
    new_report: &NewReport,
) -> Result<Report, Error> {
    let report_id = Uuid::new_v4();
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let job = super::jobs::create_in(
        &mut transaction,
        tenant_id,
        &NewJob {
            kind: crate::model::JobKind::Report,
            provider: None,
            config: serde_json::json!({"report_id": report_id}),
            start: true,
        },
    )
    .await?;
    let row: ReportRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO reports (tenant_id, id, job_id, framework, format, title, status, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(report_id)
    .bind(job.job_id)
    .bind(&new_report.framework)
    .bind(new_report.format.as_str())
    .bind(&new_report.title)
    .bind(&new_report.requested_by)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Report::try_from(row)
}

pub async fn get(pool: &PgPool, tenant_id: &str, id: Uuid) -> Result<Report, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: ReportRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM reports WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant_id)
    .bind(id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Report::try_from(row)
}

/// The rendered bytes of a ready report (`None` while it is not ready).
pub async fn content(
    pool: &PgPool,
    tenant_id: &str,
    id: Uuid,
) -> Result<(Report, Option<Vec<u8>>), Error> {
    let report = get(pool, tenant_id, id).await?;
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let content: Option<Vec<u8>> = sqlx::query_scalar(
        "SELECT content FROM reports WHERE tenant_id = $1 AND id = $2 AND status = 'ready'",
    )
    .bind(tenant_id)
    .bind(id)
    .fetch_optional(&mut *transaction)
    .await?
    .flatten();
    transaction.commit().await?;
    Ok((report, content))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportFilter {
    pub statuses: Vec<ReportStatus>,
    pub formats: Vec<ReportFormat>,
    pub framework: Option<String>,
}

fn push_filters(builder: &mut QueryBuilder<Postgres>, tenant_id: &str, filter: &ReportFilter) {
    builder.push(" WHERE tenant_id = ");
    builder.push_bind(tenant_id.to_string());
    let statuses: Vec<String> = filter
        .statuses
        .iter()
        .map(|status| status.as_str().to_string())
        .collect();
    let formats: Vec<String> = filter
        .formats
        .iter()
        .map(|format| format.as_str().to_string())
        .collect();
    for (column, values) in [("status", &statuses), ("format", &formats)] {
        if !values.is_empty() {
            builder.push(format!(" AND {column} = ANY("));
            builder.push_bind(values.clone());
            builder.push(")");
        }
    }
    if let Some(framework) = &filter.framework {
        builder.push(" AND framework = ");
        builder.push_bind(framework.clone());
    }
}

pub async fn list(
    pool: &PgPool,
    tenant_id: &str,
    filter: &ReportFilter,
    sort: &Sort,
    request: &PageRequest,
) -> Result<Page<Report>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let mut count = QueryBuilder::<Postgres>::new("SELECT count(*) FROM reports");
    push_filters(&mut count, tenant_id, filter);
    let total: i64 = count
        .build_query_scalar()
        .fetch_one(&mut *transaction)
        .await?;
    let mut select = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM reports"));
    push_filters(&mut select, tenant_id, filter);
    if let Some(cursor) = &request.cursor {
        paging::push_keyset_with_id_type(&mut select, sort, cursor, paging::IdType::Uuid);
    }
    paging::push_order_and_limit(&mut select, sort, request);
    let rows: Vec<ReportRow> = select.build_query_as().fetch_all(&mut *transaction).await?;
    transaction.commit().await?;
    let reports = rows
        .into_iter()
        .map(Report::try_from)
        .collect::<Result<Vec<Report>, Error>>()?;
    Ok(paging::finish_page(
        reports,
        total,
        sort,
        request,
        |report| {
            (
                paging::timestamp_cursor_value(&report.created_at),
                report.id.to_string(),
            )
        },
    ))
}

/// `pending` → `generating` when a worker starts (or restarts, after a takeover) the job.
pub async fn mark_generating(pool: &PgPool, tenant_id: &str, id: Uuid) -> Result<Report, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: ReportRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE reports SET status = 'generating', updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Report::try_from(row)
}

/// Stores the rendered file; part of the job's commit transaction.
pub async fn mark_ready(
    connection: &mut PgConnection,
    tenant_id: &str,
    id: Uuid,
    rendered: &RenderedReport,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE reports SET status = 'ready', error = NULL, content = $3, content_type = $4, filename = $5,
            size_bytes = $6, sha256 = $7, generated_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(&rendered.content)
    .bind(&rendered.content_type)
    .bind(&rendered.filename)
    .bind(rendered.content.len() as i64)
    .bind(&rendered.sha256)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Records why generation failed; part of the job's commit transaction.
pub async fn mark_failed(
    connection: &mut PgConnection,
    tenant_id: &str,
    id: Uuid,
    error: &str,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE reports SET status = 'failed', error = $3, content = NULL, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(error)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Fails the unfinished report of `job_id` (its job was cancelled before it could run).
pub async fn fail_for_job(
    connection: &mut PgConnection,
    tenant_id: &str,
    job_id: Uuid,
    error: &str,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE reports SET status = 'failed', error = $3, updated_at = now()
         WHERE tenant_id = $1 AND job_id = $2 AND status IN ('pending', 'generating')",
    )
    .bind(tenant_id)
    .bind(job_id)
    .bind(error)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// When each scope (provider × account × region) was last discovered completely, and by which job.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeFreshness {
    pub provider: String,
    pub account: String,
    pub region: String,
    pub job_id: Uuid,
    pub discovered_at: DateTime<Utc>,
}

pub async fn scope_freshness(pool: &PgPool, tenant_id: &str) -> Result<Vec<ScopeFreshness>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let rows: Vec<(String, String, String, Uuid, DateTime<Utc>)> = sqlx::query_as(
        "SELECT DISTINCT ON (scope->>'provider', scope->>'account', scope->>'region')
                scope->>'provider' AS provider, scope->>'account' AS account, scope->>'region' AS region,
                job_id, finished_at AS discovered_at
         FROM jobs, jsonb_array_elements(scopes) AS scope
         WHERE tenant_id = $1 AND kind = 'discovery' AND finished_at IS NOT NULL
           AND status IN ('succeeded', 'partially_succeeded') AND scope->>'status' = 'completed'
         ORDER BY scope->>'provider', scope->>'account', scope->>'region', finished_at DESC",
    )
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(rows
        .into_iter()
        .map(
            |(provider, account, region, job_id, discovered_at)| ScopeFreshness {
                provider,
                account,
                region,
                job_id,
                discovered_at,
            },
        )
        .collect())
}
