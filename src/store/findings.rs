//! Findings and their lifecycle. Identity is `(tenant, rule_id, node_id)`, never a name.
//!
//! `apply_evaluation` moves every finding of a tenant in one transaction from the failing results
//! of a complete evaluation: new ones open; resolved ones detected again reopen; open or accepted
//! ones no longer detected resolve; acceptances past their expiry reopen. Rules that errored in
//! the evaluation resolve nothing (no evidence is not a pass).
//!
//! Rows stay private to this module: callers get `model::Finding`, parsed here, and a stored
//! status, kind or evidence this build cannot read is `Error::Corrupt`, never a guess.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::Error;
use super::paging::{self, Page, PageRequest, Sort, SortColumn};
use crate::model::{
    Acceptance, AcceptanceKind, Finding, FindingEvidence, FindingStatus, NodeId, Severity,
};

pub const SORT_COLUMNS: &[SortColumn] = &[
    SortColumn {
        field: "severity",
        column: "severity_rank",
        sql_type: "smallint",
    },
    SortColumn {
        field: "first_seen",
        column: "first_seen",
        sql_type: "timestamptz",
    },
    SortColumn {
        field: "last_seen",
        column: "last_seen",
        sql_type: "timestamptz",
    },
    SortColumn {
        field: "rule_id",
        column: "rule_id",
        sql_type: "text",
    },
    SortColumn {
        field: "created_at",
        column: "created_at",
        sql_type: "timestamptz",
    },
];

/// A failing result of one rule on one node, as an evaluation reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub rule_id: String,
    pub rule_version: i32,
    pub node_id: String,
    pub node_type: String,
    pub region: String,
    pub severity: Severity,
    pub categories: Vec<String>,
    pub reason: String,
    pub evidence: FindingEvidence,
}

/// A `findings` row as stored; `TryFrom` parses it into a `model::Finding`.
#[derive(Debug, Clone, sqlx::FromRow)]
struct FindingRow {
    id: Uuid,
    rule_id: String,
    node_id: String,
    node_type: String,
    region: String,
    severity: String,
    categories: Vec<String>,
    status: String,
    acceptance_kind: Option<String>,
    acceptance_reason: Option<String>,
    accepted_by: Option<String>,
    accepted_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    resolution_reason: Option<String>,
    rule_version: i32,
    reason: String,
    evidence: sqlx::types::Json<Value>,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    reopen_count: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<FindingRow> for Finding {
    type Error = Error;

    fn try_from(row: FindingRow) -> Result<Finding, Error> {
        let corrupt = |what: &str, error: &dyn std::fmt::Display| {
            Error::Corrupt(format!("finding {}: {what}: {error}", row.id))
        };
        let severity =
            Severity::parse(&row.severity).map_err(|error| corrupt("severity", &error))?;
        let status =
            FindingStatus::parse(&row.status).map_err(|error| corrupt("status", &error))?;
        let acceptance = match &row.acceptance_kind {
            None => None,
            Some(kind) => Some(Acceptance {
                kind: AcceptanceKind::parse(kind)
                    .map_err(|error| corrupt("acceptance kind", &error))?,
                reason: row.acceptance_reason.clone(),
                accepted_by: row.accepted_by.clone(),
                accepted_at: row.accepted_at,
                expires_at: row.expires_at,
            }),
        };
        let evidence: FindingEvidence = serde_json::from_value(row.evidence.0.clone())
            .map_err(|error| corrupt("evidence", &error))?;
        Ok(Finding {
            id: row.id,
            rule_id: row.rule_id,
            node_id: row.node_id,
            node_type: row.node_type,
            region: row.region,
            severity,
            categories: row.categories,
            status,
            acceptance,
            resolution_reason: row.resolution_reason,
            rule_version: row.rule_version,
            reason: row.reason,
            evidence,
            first_seen: row.first_seen,
            last_seen: row.last_seen,
            resolved_at: row.resolved_at,
            reopen_count: row.reopen_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Parses every row, or fails on the first that cannot be read.
fn parse_rows(rows: Vec<FindingRow>) -> Result<Vec<Finding>, Error> {
    rows.into_iter().map(Finding::try_from).collect()
}

const COLUMNS: &str = "id, rule_id, node_id, node_type, region, severity, categories, status, acceptance_kind, \
     acceptance_reason, accepted_by, accepted_at, expires_at, resolution_reason, rule_version, reason, evidence, first_seen, \
     last_seen, resolved_at, reopen_count, created_at, updated_at";

/// What one evaluation changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvaluationDelta {
    pub evaluation_id: Uuid,
    pub new: Vec<Finding>,
    pub reopened: Vec<Finding>,
    pub resolved: Vec<Finding>,
    pub open: i64,
}

/// Applies an evaluation's failing results to the tenant's findings (see the module comment).
pub async fn apply_evaluation(
    pool: &PgPool,
    tenant_id: &str,
    job_id: Option<Uuid>,
    graph_generation: i64,
    observations: &[Observation],
    errored_rules: &[String],
) -> Result<EvaluationDelta, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    // One evaluation of a tenant at a time.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('findings:' || $1))")
        .bind(tenant_id)
        .execute(&mut *transaction)
        .await?;
    sqlx::query(
        "CREATE TEMP TABLE staged_observations (rule_id text, rule_version int, node_id text, node_type text,
            region text, severity text, categories text[], reason text, evidence jsonb,
            PRIMARY KEY (rule_id, node_id)) ON COMMIT DROP",
    )
    .execute(&mut *transaction)
    .await?;
    for chunk in observations.chunks(5_000) {
        let column =
            |get: fn(&Observation) -> String| chunk.iter().map(get).collect::<Vec<String>>();
        let categories: Vec<String> = chunk
            .iter()
            .map(|observation| {
                serde_json::to_string(&observation.categories).unwrap_or_else(|_| "[]".into())
            })
            .collect();
        let evidence = chunk
            .iter()
            .map(|observation| serde_json::to_string(&observation.evidence))
            .collect::<Result<Vec<String>, _>>()
            .map_err(|error| Error::Invalid(format!("evidence does not serialise: {error}")))?;
        let versions: Vec<i32> = chunk
            .iter()
            .map(|observation| observation.rule_version)
            .collect();
        sqlx::query(
            "INSERT INTO staged_observations
             SELECT rule_id, rule_version, node_id, node_type, region, severity,
                    ARRAY(SELECT jsonb_array_elements_text(categories::jsonb)), reason, evidence::jsonb
             FROM UNNEST($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                  AS t(rule_id, rule_version, node_id, node_type, region, severity, categories, reason, evidence)
             ON CONFLICT DO NOTHING",
        )
        .bind(column(|observation| observation.rule_id.clone()))
        .bind(versions)
        .bind(column(|observation| observation.node_id.clone()))
        .bind(column(|observation| observation.node_type.clone()))
        .bind(column(|observation| observation.region.clone()))
        .bind(column(|observation| observation.severity.as_str().to_string()))
        .bind(categories)
        .bind(column(|observation| observation.reason.clone()))
        .bind(evidence)
        .execute(&mut *transaction)
        .await?;
    }

    let expired: Vec<FindingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE findings SET status = 'open', reopen_count = reopen_count + 1, updated_at = now()
         WHERE tenant_id = $1 AND status = 'accepted' AND expires_at IS NOT NULL AND expires_at <= now()
         RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    let new: Vec<FindingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO findings (tenant_id, id, rule_id, node_id, node_type, region, severity, categories, status,
                               rule_version, reason, evidence)
         SELECT $1, gen_random_uuid(), s.rule_id, s.node_id, s.node_type, s.region, s.severity, s.categories, 'open',
                s.rule_version, s.reason, s.evidence
         FROM staged_observations s
         WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.tenant_id = $1 AND f.rule_id = s.rule_id AND f.node_id = s.node_id)
         ORDER BY s.rule_id, s.node_id
         RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    let reopened: Vec<FindingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE findings f SET status = 'open', reopen_count = f.reopen_count + 1, resolved_at = NULL,
            resolution_reason = NULL, last_seen = now(), severity = s.severity, rule_version = s.rule_version,
            reason = s.reason, evidence = s.evidence, categories = s.categories, updated_at = now()
         FROM staged_observations s
         WHERE f.tenant_id = $1 AND f.rule_id = s.rule_id AND f.node_id = s.node_id AND f.status = 'resolved'
         RETURNING {}",
        COLUMNS.split(", ").map(|column| format!("f.{}", column.trim())).collect::<Vec<_>>().join(", ")
    )))
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    sqlx::query(
        "UPDATE findings f SET last_seen = now(), severity = s.severity, rule_version = s.rule_version,
            reason = s.reason, evidence = s.evidence, categories = s.categories, updated_at = now()
         FROM staged_observations s
         WHERE f.tenant_id = $1 AND f.rule_id = s.rule_id AND f.node_id = s.node_id
           AND f.status IN ('open', 'accepted')",
    )
    .bind(tenant_id)
    .execute(&mut *transaction)
    .await?;
    let resolved: Vec<FindingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE findings f SET status = 'resolved', resolved_at = now(), updated_at = now()
         WHERE f.tenant_id = $1 AND f.status IN ('open', 'accepted') AND NOT (f.rule_id = ANY($2))
           AND NOT EXISTS (SELECT 1 FROM staged_observations s WHERE s.rule_id = f.rule_id AND s.node_id = f.node_id)
         RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(errored_rules)
    .fetch_all(&mut *transaction)
    .await?;
    let (expired, new, mut reopened, resolved) = (
        parse_rows(expired)?,
        parse_rows(new)?,
        parse_rows(reopened)?,
        parse_rows(resolved)?,
    );
    // An expired acceptance that is also no longer detected ends resolved, not reopened.
    reopened.extend(
        expired
            .into_iter()
            .filter(|finding| !resolved.iter().any(|other| other.id == finding.id)),
    );
    reopened.sort_by(|left, right| {
        (&left.rule_id, &left.node_id).cmp(&(&right.rule_id, &right.node_id))
    });

    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM findings WHERE tenant_id = $1 AND status = 'open'",
    )
    .bind(tenant_id)
    .fetch_one(&mut *transaction)
    .await?;
    let evaluation_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO evaluations (tenant_id, evaluation_id, job_id, graph_generation, counts) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant_id)
    .bind(evaluation_id)
    .bind(job_id)
    .bind(graph_generation)
    .bind(sqlx::types::Json(serde_json::json!({
        "failing_results": observations.len(),
        "new": new.len(),
        "reopened": reopened.len(),
        "resolved": resolved.len(),
        "open": open,
        "errored_rules": errored_rules,
    })))
    .execute(&mut *transaction)
    .await?;
    for (event, findings) in [
        ("finding.created", &new),
        ("finding.reopened", &reopened),
        ("finding.resolved", &resolved),
    ] {
        for finding in findings {
            let payload = serde_json::json!({
                "finding_id": finding.id, "rule_id": finding.rule_id, "node_id": finding.node_id,
                "severity": finding.severity, "status": finding.status, "reason": finding.reason,
                "reopen_count": finding.reopen_count,
            });
            super::webhooks::enqueue(&mut transaction, tenant_id, event, &payload).await?;
        }
    }
    transaction.commit().await?;
    Ok(EvaluationDelta {
        evaluation_id,
        new,
        reopened,
        resolved,
        open,
    })
}

/// The latest evaluation's time and counts, if any.
pub async fn latest_evaluation(
    pool: &PgPool,
    tenant_id: &str,
) -> Result<Option<(DateTime<Utc>, Value)>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: Option<(DateTime<Utc>, sqlx::types::Json<Value>)> = sqlx::query_as(
        "SELECT created_at, counts FROM evaluations WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(tenant_id)
    .fetch_optional(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(row.map(|(at, counts)| (at, counts.0)))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingFilter {
    pub severities: Vec<Severity>,
    pub statuses: Vec<FindingStatus>,
    pub rule_ids: Vec<String>,
    pub node_id: Option<String>,
    pub node_types: Vec<String>,
    pub category: Option<String>,
    pub region: Option<String>,
}

fn push_filters(builder: &mut QueryBuilder<Postgres>, tenant_id: &str, filter: &FindingFilter) {
    builder.push(" WHERE tenant_id = ");
    builder.push_bind(tenant_id.to_string());
    let severities: Vec<String> = filter
        .severities
        .iter()
        .map(|severity| severity.as_str().to_string())
        .collect();
    let statuses: Vec<String> = filter
        .statuses
        .iter()
        .map(|status| status.as_str().to_string())
        .collect();
    for (column, values) in [
        ("severity", &severities),
        ("status", &statuses),
        ("rule_id", &filter.rule_ids),
        ("node_type", &filter.node_types),
    ] {
        if !values.is_empty() {
            builder.push(format!(" AND {column} = ANY("));
            builder.push_bind(values.clone());
            builder.push(")");
        }
    }
    if let Some(node_id) = &filter.node_id {
        builder.push(" AND node_id = ");
        builder.push_bind(node_id.clone());
    }
    if let Some(region) = &filter.region {
        builder.push(" AND region = ");
        builder.push_bind(region.clone());
    }
    if let Some(category) = &filter.category {
        builder.push(" AND ");
        builder.push_bind(category.clone());
        builder.push(" = ANY(categories)");
    }
}

pub async fn list(
    pool: &PgPool,
    tenant_id: &str,
    filter: &FindingFilter,
    sort: &Sort,
    request: &PageRequest,
) -> Result<Page<Finding>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let mut count = QueryBuilder::<Postgres>::new("SELECT count(*) FROM findings");
    push_filters(&mut count, tenant_id, filter);
    let total: i64 = count
        .build_query_scalar()
        .fetch_one(&mut *transaction)
        .await?;
    let mut select = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM findings"));
    push_filters(&mut select, tenant_id, filter);
    if let Some(cursor) = &request.cursor {
        paging::push_keyset_with_id_type(&mut select, sort, cursor, paging::IdType::Uuid);
    }
    paging::push_order_and_limit(&mut select, sort, request);
    let rows: Vec<FindingRow> = select.build_query_as().fetch_all(&mut *transaction).await?;
    transaction.commit().await?;
    Ok(paging::finish_page(
        parse_rows(rows)?,
        total,
        sort,
        request,
        |finding| {
            let value = match sort.column.field {
                "severity" => severity_rank(finding.severity).to_string(),
                "first_seen" => paging::timestamp_cursor_value(&finding.first_seen),
                "last_seen" => paging::timestamp_cursor_value(&finding.last_seen),
                "rule_id" => finding.rule_id.clone(),
                _ => paging::timestamp_cursor_value(&finding.created_at),
            };
            (value, finding.id.to_string())
        },
    ))
}

/// The stored `severity_rank` column of a severity (info 0 … critical 4).
fn severity_rank(severity: Severity) -> i16 {
    match severity {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
        Severity::Info => 0,
    }
}

pub async fn get(pool: &PgPool, tenant_id: &str, id: Uuid) -> Result<Finding, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: FindingRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM findings WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant_id)
    .bind(id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Finding::try_from(row)
}

/// Accepts an open finding (risk accepted or false positive). Resolved findings cannot be accepted.
pub async fn accept(
    pool: &PgPool,
    tenant_id: &str,
    id: Uuid,
    kind: AcceptanceKind,
    reason: &str,
    accepted_by: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Finding, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: Option<FindingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE findings SET status = 'accepted', acceptance_kind = $3, acceptance_reason = $4, accepted_by = $5,
            accepted_at = now(), expires_at = $6, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status IN ('open', 'accepted') RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(id)
    .bind(kind.as_str())
    .bind(reason)
    .bind(accepted_by)
    .bind(expires_at)
    .fetch_optional(&mut *transaction)
    .await?;
    transaction.commit().await?;
    match row {
        Some(row) => Finding::try_from(row),
        None => {
            let current = get(pool, tenant_id, id).await?;
            Err(Error::Conflict(format!(
                "finding is `{}`; only open or accepted findings can be accepted",
                current.status
            )))
        }
    }
}

/// Marks a finding resolved by hand; detected again, it reopens.
pub async fn resolve(
    pool: &PgPool,
    tenant_id: &str,
    id: Uuid,
    reason: &str,
) -> Result<Finding, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: Option<FindingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE findings SET status = 'resolved', resolution_reason = $3, resolved_at = now(), updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND status <> 'resolved' RETURNING {COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(id)
    .bind(reason)
    .fetch_optional(&mut *transaction)
    .await?;
    transaction.commit().await?;
    match row {
        Some(row) => Finding::try_from(row),
        None => {
            get(pool, tenant_id, id).await?;
            Err(Error::Conflict("finding is already resolved".to_string()))
        }
    }
}

/// (rule id, node) of every accepted finding, for compliance scoring. A stored node id that no
/// longer parses cannot match a rule result, so it is left out.
pub async fn accepted_pairs(
    pool: &PgPool,
    tenant_id: &str,
) -> Result<HashSet<(String, NodeId)>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let pairs: Vec<(String, String)> = sqlx::query_as(
        "SELECT rule_id, node_id FROM findings WHERE tenant_id = $1 AND status = 'accepted'",
    )
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(pairs
        .into_iter()
        .filter_map(|(rule_id, node_id)| Some((rule_id, NodeId::parse(&node_id).ok()?)))
        .collect())
}

/// Current findings (open and accepted) for a report, optionally only those of `rule_ids`,
/// most severe first, then by rule and resource.
pub async fn current_for_report(
    pool: &PgPool,
    tenant_id: &str,
    rule_ids: Option<&[String]>,
) -> Result<Vec<Finding>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let rows: Vec<FindingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM findings
         WHERE tenant_id = $1 AND status IN ('open', 'accepted') AND ($2::text[] IS NULL OR rule_id = ANY($2))
         ORDER BY severity_rank DESC, rule_id, node_id"
    )))
    .bind(tenant_id)
    .bind(rule_ids)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    parse_rows(rows)
}
