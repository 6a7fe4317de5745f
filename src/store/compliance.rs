//! Stored compliance results: one row per (tenant, framework revision) written by the evaluation
//! that produced it, read by the compliance endpoints. The result itself is opaque JSON here (the
//! store does not know the compliance engine's types); the evaluation, job and graph generation it
//! reflects are columns. Also the findings facts a reader needs to apply acceptance to a result.
//!
//! An evaluation replaces all of a tenant's rows in one transaction (the one that merges its
//! findings, `replace_in`), so a reader sees either the previous result or the new one, never a
//! mix, and never waits for a running evaluation.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::Error;

/// Which evaluation a stored result reflects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationRef {
    pub evaluation_id: Uuid,
    /// The job that ran the evaluation (a discovery or an evaluation job), when one did.
    pub job_id: Option<Uuid>,
    pub graph_generation: i64,
    pub evaluated_at: DateTime<Utc>,
    /// The evaluation's counts (new, resolved, reopened, open, results), when its row remains.
    pub counts: Option<Value>,
}

/// One framework's result to store.
#[derive(Debug, Clone)]
pub struct NewFrameworkResult {
    pub framework_id: String,
    pub rule_ids: Vec<String>,
    /// The result without its controls.
    pub summary: Value,
    /// The whole result.
    pub result: Value,
}

/// One framework's stored result; `result` is loaded only when asked for.
#[derive(Debug, Clone)]
pub struct StoredFrameworkResult {
    pub framework_id: String,
    pub evaluation: EvaluationRef,
    pub rule_ids: Vec<String>,
    pub summary: Value,
    pub result: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct ResultRow {
    framework_id: String,
    evaluation_id: Uuid,
    job_id: Option<Uuid>,
    graph_generation: i64,
    evaluated_at: DateTime<Utc>,
    counts: Option<sqlx::types::Json<Value>>,
    rule_ids: Vec<String>,
    summary: sqlx::types::Json<Value>,
    result: Option<sqlx::types::Json<Value>>,
}

/// Replaces the tenant's stored results with an evaluation's, in one transaction.
pub async fn replace(
    pool: &PgPool,
    tenant_id: &str,
    evaluation: &EvaluationRef,
    results: &[NewFrameworkResult],
) -> Result<(), Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    replace_in(&mut transaction, tenant_id, evaluation, results).await?;
    transaction.commit().await?;
    Ok(())
}

/// `replace` inside a transaction the caller began for the tenant (the evaluation's findings
/// merge), so the findings and the result they imply commit together or not at all.
pub(crate) async fn replace_in(
    connection: &mut PgConnection,
    tenant_id: &str,
    evaluation: &EvaluationRef,
    results: &[NewFrameworkResult],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM compliance_results WHERE tenant_id = $1")
        .bind(tenant_id)
        .execute(&mut *connection)
        .await?;
    for result in results {
        sqlx::query(
            "INSERT INTO compliance_results (tenant_id, framework_id, evaluation_id, job_id,
                 graph_generation, evaluated_at, rule_ids, summary, result)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(tenant_id)
        .bind(&result.framework_id)
        .bind(evaluation.evaluation_id)
        .bind(evaluation.job_id)
        .bind(evaluation.graph_generation)
        .bind(evaluation.evaluated_at)
        .bind(&result.rule_ids)
        .bind(sqlx::types::Json(&result.summary))
        .bind(sqlx::types::Json(&result.result))
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// The tenant's stored results in framework id order (empty before its first evaluation), each
/// with its whole result when `with_result` says so for its framework id.
pub async fn read(
    pool: &PgPool,
    tenant_id: &str,
    with_result: impl Fn(&str, &[String]) -> bool,
) -> Result<Vec<StoredFrameworkResult>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let rows: Vec<ResultRow> = sqlx::query_as(
        "SELECT r.framework_id, r.evaluation_id, r.job_id, r.graph_generation, r.evaluated_at,
                e.counts, r.rule_ids, r.summary, NULL::jsonb AS result
         FROM compliance_results r
         LEFT JOIN evaluations e ON e.tenant_id = r.tenant_id AND e.evaluation_id = r.evaluation_id
         WHERE r.tenant_id = $1 ORDER BY r.framework_id",
    )
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    let wanted: Vec<String> = rows
        .iter()
        .filter(|row| with_result(&row.framework_id, &row.rule_ids))
        .map(|row| row.framework_id.clone())
        .collect();
    let mut full: HashMap<String, Value> = HashMap::new();
    if !wanted.is_empty() {
        let results: Vec<(String, sqlx::types::Json<Value>)> = sqlx::query_as(
            "SELECT framework_id, result FROM compliance_results
             WHERE tenant_id = $1 AND framework_id = ANY($2)",
        )
        .bind(tenant_id)
        .bind(&wanted)
        .fetch_all(&mut *transaction)
        .await?;
        full = results
            .into_iter()
            .map(|(framework, result)| (framework, result.0))
            .collect();
    }
    transaction.commit().await?;
    Ok(rows
        .into_iter()
        .map(|row| StoredFrameworkResult {
            result: full
                .remove(&row.framework_id)
                .or(row.result.map(|result| result.0)),
            evaluation: EvaluationRef {
                evaluation_id: row.evaluation_id,
                job_id: row.job_id,
                graph_generation: row.graph_generation,
                evaluated_at: row.evaluated_at,
                counts: row.counts.map(|counts| counts.0),
            },
            framework_id: row.framework_id,
            rule_ids: row.rule_ids,
            summary: row.summary.0,
        })
        .collect())
}

/// What applying acceptance to a stored result needs, from the findings (as rule id, node id):
/// the accepted failures; every current (open or accepted) failure of the resources that have an
/// accepted one; and which of the accepted rules still have an open failure. Its cost follows the
/// number of accepted findings, not the size of the estate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcceptanceFacts {
    pub accepted: HashSet<(String, String)>,
    pub failing_rules_by_node: HashMap<String, BTreeSet<String>>,
    pub rules_with_open_failures: HashSet<String>,
}

pub async fn acceptance_facts(pool: &PgPool, tenant_id: &str) -> Result<AcceptanceFacts, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let accepted: Vec<(String, String)> = sqlx::query_as(
        "SELECT rule_id, node_id FROM findings WHERE tenant_id = $1 AND status = 'accepted'",
    )
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    let mut facts = AcceptanceFacts::default();
    if accepted.is_empty() {
        transaction.commit().await?;
        return Ok(facts);
    }
    let nodes: Vec<String> = accepted
        .iter()
        .map(|(_, node)| node.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rules: Vec<String> = accepted
        .iter()
        .map(|(rule, _)| rule.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let failing: Vec<(String, String)> = sqlx::query_as(
        "SELECT rule_id, node_id FROM findings
         WHERE tenant_id = $1 AND node_id = ANY($2) AND status IN ('open', 'accepted')",
    )
    .bind(tenant_id)
    .bind(&nodes)
    .fetch_all(&mut *transaction)
    .await?;
    let still_open: Vec<String> = sqlx::query_scalar(
        "SELECT wanted.rule_id FROM unnest($2::text[]) AS wanted (rule_id)
         WHERE EXISTS (SELECT 1 FROM findings f
                       WHERE f.tenant_id = $1 AND f.rule_id = wanted.rule_id AND f.status = 'open')",
    )
    .bind(tenant_id)
    .bind(&rules)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    for (rule, node) in failing {
        facts
            .failing_rules_by_node
            .entry(node)
            .or_default()
            .insert(rule);
    }
    facts.accepted = accepted.into_iter().collect();
    facts.rules_with_open_failures = still_open.into_iter().collect();
    Ok(facts)
}
