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
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
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
    // The same instant as `first_seen` (both set at insert, never updated): one index serves both
    // (migration `…_findings_created_at_is_first_seen.sql`).
    SortColumn {
        field: "created_at",
        column: "first_seen",
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

/// What one evaluation changed, counted. The changed findings themselves are not returned: on a
/// large estate they are hundreds of thousands of rows, and everything that needs them (the
/// webhook outbox) is written by the same transaction in SQL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvaluationDelta {
    pub evaluation_id: Uuid,
    pub new: u64,
    pub reopened: u64,
    pub resolved: u64,
    pub open: i64,
}

/// Rows per INSERT of staged observations: eleven parameters each, under PostgreSQL's 65,535.
const STAGED_ROWS_PER_STATEMENT: usize = 5_000;

/// Where an evaluation stages its observations for the merge.
///
/// On plain PostgreSQL: a temporary table (dropped at commit) filled with COPY, the fastest way in
/// (the first evaluation of a 100k-instance estate stages ~450k rows). On Citus a temporary table
/// lives on the coordinator and every merge statement would join it with a distributed table, so
/// there the tenant table `staged_observations` (co-located with `findings`) is used, filled by
/// multi-row INSERTs: PostgreSQL refuses COPY into a table under row-level security. Both have the
/// same columns, `tenant_id` first, so every merge statement is written once over
/// `{observations}`, filtered on the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ObservationStaging {
    Temporary,
    Distributed,
}

impl ObservationStaging {
    fn table(self) -> &'static str {
        match self {
            ObservationStaging::Temporary => "evaluation_observations",
            ObservationStaging::Distributed => "staged_observations",
        }
    }

    /// `statement` with `{observations}` naming this staging table (one of two constants).
    fn statement(self, statement: &str) -> String {
        statement.replace("{observations}", self.table())
    }

    /// Chooses the staging for this database and makes it ready, empty, for the tenant.
    async fn open(connection: &mut PgConnection, tenant_id: &str) -> Result<Self, Error> {
        if super::citus::is_citus(&mut *connection).await? {
            return Ok(ObservationStaging::Distributed);
        }
        // A network finding's evidence (its path proof, ~2.6 KB) is compressed as it is staged,
        // and the merge copies it into `findings` compressed as it is. lz4 where the server has
        // it: pglz took ~0.4 s more of the staging of a 100k-instance estate's 37k such findings.
        let lz4: bool = sqlx::query_scalar(
            "SELECT coalesce(bool_or('lz4' = ANY(enumvals)), false) FROM pg_settings
             WHERE name = 'default_toast_compression'",
        )
        .fetch_one(&mut *connection)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE TEMP TABLE evaluation_observations (
                tenant_id text NOT NULL DEFAULT {}, rule_id text NOT NULL, rule_version int,
                node_id text NOT NULL, node_type text, region text, severity text, categories text[],
                reason text, evidence jsonb{}, position bigint)
             ON COMMIT DROP",
            super::quote_literal(tenant_id),
            if lz4 { " COMPRESSION lz4" } else { "" }
        )))
        .execute(&mut *connection)
        .await?;
        Ok(ObservationStaging::Temporary)
    }

    /// Writes the observations into the staging table in identity order (rule, then resource;
    /// byte order, as PostgreSQL's C collation sorts), numbered by `position`, the first of each
    /// `(rule_id, node_id)` only (a duplicate would break the merge's one-row-per-identity joins).
    async fn stage(
        self,
        connection: &mut PgConnection,
        tenant_id: &str,
        observations: &[Observation],
    ) -> Result<(), Error> {
        let mut unique: Vec<&Observation> = observations.iter().collect();
        // Stable: of equal identities the first observed stays first, and is the one kept.
        unique.sort_by(|left, right| {
            (left.rule_id.as_str(), left.node_id.as_str())
                .cmp(&(right.rule_id.as_str(), right.node_id.as_str()))
        });
        unique.dedup_by(|later, earlier| {
            later.rule_id == earlier.rule_id && later.node_id == earlier.node_id
        });
        match self {
            ObservationStaging::Temporary => {
                // Encoded a batch at a time as the COPY goes: this process encodes (the evidence
                // is serialised here) while PostgreSQL parses the previous batch (jsonb).
                let batches = EncodedObservationBatches {
                    observations: &unique,
                    next_position: 0,
                };
                super::reconcile::copy_in_batches(
                    &mut *connection,
                    "COPY evaluation_observations (rule_id, rule_version, node_id, node_type, region,
                        severity, categories, reason, evidence, position) FROM STDIN",
                    batches,
                )
                .await?;
                // Temporary tables are never auto-analysed: without statistics the planner guesses
                // their size and may drive the merge's joins the wrong way round. The join columns
                // only: sampling the evidence costs seconds and informs no plan.
                sqlx::query("ANALYZE evaluation_observations (rule_id, node_id)")
                    .execute(&mut *connection)
                    .await?;
            }
            ObservationStaging::Distributed => {
                insert_observations(connection, tenant_id, &unique).await?;
            }
        }
        Ok(())
    }
}

/// One array element in PostgreSQL's array literal syntax (always quoted).
fn push_array_element(literal: &mut String, element: &str) {
    literal.push('"');
    for character in element.chars() {
        if character == '"' || character == '\\' {
            literal.push('\\');
        }
        literal.push(character);
    }
    literal.push('"');
}

/// Observations per COPY batch (about 1 MB of text).
const OBSERVATIONS_PER_COPY_BATCH: usize = 2_000;

/// The observations in COPY text, `OBSERVATIONS_PER_COPY_BATCH` at a time, each batch encoded
/// when asked for (a type, not a closure: a closure borrowing the observations makes the
/// evaluation's future not provably `Send`).
struct EncodedObservationBatches<'a> {
    observations: &'a [&'a Observation],
    next_position: usize,
}

impl Iterator for EncodedObservationBatches<'_> {
    type Item = Result<Vec<u8>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.next_position;
        if start >= self.observations.len() {
            return None;
        }
        let end = (start + OBSERVATIONS_PER_COPY_BATCH).min(self.observations.len());
        self.next_position = end;
        Some(encode_observations(&self.observations[start..end], start))
    }
}

/// The observations in COPY text format for `evaluation_observations`, each with its position
/// (the first is at `first_position`).
fn encode_observations(
    observations: &[&Observation],
    first_position: usize,
) -> Result<Vec<u8>, Error> {
    let mut buffer = Vec::with_capacity(observations.len() * 512);
    for (offset, observation) in observations.iter().enumerate() {
        let position = first_position + offset;
        let mut categories = String::from("{");
        for (index, category) in observation.categories.iter().enumerate() {
            if index > 0 {
                categories.push(',');
            }
            push_array_element(&mut categories, category);
        }
        categories.push('}');
        let evidence = serde_json::to_string(&observation.evidence)
            .map_err(|error| Error::Invalid(format!("evidence does not serialise: {error}")))?;
        super::reconcile::push_row(
            &mut buffer,
            &[
                &observation.rule_id,
                &observation.rule_version.to_string(),
                &observation.node_id,
                &observation.node_type,
                &observation.region,
                observation.severity.as_str(),
                &categories,
                &observation.reason,
                &evidence,
                &position.to_string(),
            ],
        );
    }
    Ok(buffer)
}

/// Multi-row INSERTs of the observations into the tenant's `staged_observations` rows (Citus).
async fn insert_observations(
    connection: &mut PgConnection,
    tenant_id: &str,
    observations: &[&Observation],
) -> Result<(), Error> {
    let numbered: Vec<(i64, &Observation)> = observations
        .iter()
        .enumerate()
        .map(|(position, observation)| (position as i64, *observation))
        .collect();
    for chunk in numbered.chunks(STAGED_ROWS_PER_STATEMENT) {
        let mut builder: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO staged_observations (tenant_id, rule_id, rule_version, node_id, node_type, region,
                severity, categories, reason, evidence, position) ",
        );
        builder.push_values(chunk, |mut row, (position, observation)| {
            row.push_bind(tenant_id)
                .push_bind(&observation.rule_id)
                .push_bind(observation.rule_version)
                .push_bind(&observation.node_id)
                .push_bind(&observation.node_type)
                .push_bind(&observation.region)
                .push_bind(observation.severity.as_str())
                .push_bind(&observation.categories)
                .push_bind(&observation.reason)
                .push_bind(sqlx::types::Json(&observation.evidence))
                .push_bind(*position);
        });
        builder.build().execute(&mut *connection).await?;
    }
    Ok(())
}

/// The second parameter a merge statement takes, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MergeParameter {
    None,
    /// `$2`: the rules that errored (their findings are not resolved).
    ErroredRules,
    /// `$2`: whether new findings are recorded in `finding_changes`, i.e. whether an enabled
    /// webhook subscribes to `finding.created`. The first evaluation of a large estate creates
    /// hundreds of thousands; recording them for no subscriber cost seconds.
    RecordCreated,
}

/// One merge statement: what it does (for errors and timings), its SQL and its parameter.
struct MergeStatement {
    what: &'static str,
    sql: &'static str,
    parameter: MergeParameter,
    /// Its single row is the number of findings it created (the count of new findings).
    counts_created: bool,
}

/// The merge, one set-based statement per lifecycle move. Each statement that changes a finding's
/// status records it in `finding_changes` (in SQL, never returned to the application), from
/// which the webhook outbox and the counts are written (new findings only when a webhook
/// subscribes to them: `MergeParameter::RecordCreated`). Those that record are `SELECT`s over
/// modifying CTEs, not `INSERT … SELECT` from one: Citus runs the latter through the coordinator
/// (with COPY, which row-level security refuses), the former on the tenant's worker as it is.
/// Order matters: expired acceptances reopen first (so a still-detected one is refreshed, a gone
/// one resolved); refresh runs before reopen so a reopened row is written once; inserts come after
/// both so new rows are written once, and after the resolve, which then reads only the findings
/// that existed before (a new one is always observed; the first evaluation of a large estate
/// spent half a second checking its ~450k new findings against the observations).
const MERGE_STATEMENTS: &[MergeStatement] = &[
    MergeStatement {
        what: "reopening expired acceptances",
        sql: "WITH changed AS (
            UPDATE findings SET status = 'open', reopen_count = reopen_count + 1, updated_at = now()
            WHERE tenant_id = $1 AND status = 'accepted' AND expires_at IS NOT NULL AND expires_at <= now()
            RETURNING id, rule_id, node_id, severity, status, reason, reopen_count),
         recorded AS (INSERT INTO finding_changes SELECT $1, 'expired', * FROM changed RETURNING 1)
         SELECT count(*) FROM recorded",
        parameter: MergeParameter::None,
        counts_created: false,
    },
    MergeStatement {
        what: "refreshing current findings",
        sql: "UPDATE findings f SET last_seen = now(), severity = s.severity, rule_version = s.rule_version,
            reason = s.reason, evidence = s.evidence, categories = s.categories, updated_at = now()
         FROM {observations} s
         WHERE f.tenant_id = $1 AND s.tenant_id = $1 AND f.rule_id = s.rule_id AND f.node_id = s.node_id
           AND f.status IN ('open', 'accepted')",
        parameter: MergeParameter::None,
        counts_created: false,
    },
    MergeStatement {
        what: "reopening resolved findings detected again",
        sql: "WITH changed AS (
            UPDATE findings f SET status = 'open', reopen_count = f.reopen_count + 1, resolved_at = NULL,
                resolution_reason = NULL, last_seen = now(), severity = s.severity, rule_version = s.rule_version,
                reason = s.reason, evidence = s.evidence, categories = s.categories, updated_at = now()
            FROM {observations} s
            WHERE f.tenant_id = $1 AND s.tenant_id = $1 AND f.rule_id = s.rule_id AND f.node_id = s.node_id
              AND f.status = 'resolved'
            RETURNING f.id, f.rule_id, f.node_id, f.severity, f.status, f.reason, f.reopen_count),
         recorded AS (INSERT INTO finding_changes SELECT $1, 'reopened', * FROM changed RETURNING 1)
         SELECT count(*) FROM recorded",
        parameter: MergeParameter::None,
        counts_created: false,
    },
    MergeStatement {
        what: "resolving findings no longer detected",
        sql: "WITH changed AS (
            UPDATE findings f SET status = 'resolved', resolved_at = now(), updated_at = now()
            WHERE f.tenant_id = $1 AND f.status IN ('open', 'accepted') AND NOT (f.rule_id = ANY($2))
              AND NOT EXISTS (SELECT 1 FROM {observations} s
                              WHERE s.tenant_id = $1 AND s.rule_id = f.rule_id AND s.node_id = f.node_id)
            RETURNING f.id, f.rule_id, f.node_id, f.severity, f.status, f.reason, f.reopen_count),
         recorded AS (INSERT INTO finding_changes SELECT $1, 'resolved', * FROM changed RETURNING 1)
         SELECT count(*) FROM recorded",
        parameter: MergeParameter::ErroredRules,
        counts_created: false,
    },
    MergeStatement {
        what: "inserting new findings",
        sql: "WITH changed AS (
            INSERT INTO findings (tenant_id, id, rule_id, node_id, node_type, region, severity, categories, status,
                                  rule_version, reason, evidence)
            SELECT $1,
                   -- A time-ordered id (UUID version 7: the evaluation's millisecond, then the
                   -- row's position, then random bits), so every index ending in `id` (and the
                   -- key) takes the new rows at its right edge instead of at random pages.
                   (lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0') || '7'
                    || substr(lpad(to_hex(n.position), 11, '0'), 1, 3) || '8'
                    || substr(lpad(to_hex(n.position), 11, '0'), 4, 8)
                    || lpad(to_hex((random() * 268435455)::bigint), 7, '0'))::uuid,
                   n.rule_id, n.node_id, n.node_type, n.region, n.severity, n.categories,
                   'open', n.rule_version, n.reason, n.evidence
            -- Staged in identity order and numbered (`ObservationStaging::stage`): read in that
            -- order, the rows reach the identity index at its right edge too, with no sort here.
            FROM {observations} n
            WHERE n.tenant_id = $1 {not_yet_found}
            RETURNING id, rule_id, node_id, severity, status, reason, reopen_count),
         recorded AS (INSERT INTO finding_changes SELECT $1, 'created', * FROM changed WHERE $2 RETURNING 1)
         SELECT count(*) FROM changed",
        parameter: MergeParameter::RecordCreated,
        counts_created: true,
    },
];

/// The new findings' condition in `inserting new findings` (`{not_yet_found}` there): no finding
/// has the observation's identity. Left out when the tenant had no findings at all: that check
/// found nothing, and on a first evaluation of a 100k-instance estate it still hashed 448k staged
/// identities for 0.7 s (a hash anti join probes every outer row, even against an empty table).
const NOT_YET_FOUND: &str = "AND NOT EXISTS (SELECT 1 FROM findings f
    WHERE f.tenant_id = $1 AND f.rule_id = n.rule_id AND f.node_id = n.node_id)";

/// The webhook outbox for the changes, in one statement: one event per changed finding (created,
/// then reopened, then resolved, each by rule and resource) of a type some enabled webhook
/// subscribes to, and one pending delivery per subscribed webhook. An event no webhook takes is
/// not written: nothing reads it (deliveries are made when the event is), and the first
/// evaluation of a large estate would write hundreds of thousands. An expired acceptance that is
/// also no longer detected is reported resolved, not reopened.
const ENQUEUE_CHANGES: &str = "
    WITH reported AS (
        SELECT CASE change WHEN 'created' THEN 'finding.created' WHEN 'resolved' THEN 'finding.resolved'
                           ELSE 'finding.reopened' END AS event_type,
               CASE change WHEN 'created' THEN 0 WHEN 'resolved' THEN 2 ELSE 1 END AS position,
               c.*
        FROM finding_changes c
        WHERE c.tenant_id = $1
          AND (c.change <> 'expired'
               OR NOT EXISTS (SELECT 1 FROM finding_changes r
                              WHERE r.tenant_id = $1 AND r.change = 'resolved' AND r.id = c.id))),
    events AS (
        INSERT INTO webhook_events (tenant_id, id, event_type, payload)
        SELECT $1, gen_random_uuid(), event_type,
               jsonb_build_object('finding_id', id, 'rule_id', rule_id, 'node_id', node_id, 'severity', severity,
                                  'status', status, 'reason', reason, 'reopen_count', reopen_count)
        FROM reported
        WHERE EXISTS (SELECT 1 FROM webhooks w
                      WHERE w.tenant_id = $1 AND w.enabled AND reported.event_type = ANY(w.events))
        ORDER BY position, rule_id, node_id
        RETURNING id, event_type),
    deliveries AS (
        INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, status)
        SELECT $1, gen_random_uuid(), w.id, e.id, 'pending'
        FROM events e JOIN webhooks w ON w.tenant_id = $1 AND w.enabled AND e.event_type = ANY(w.events)
        ON CONFLICT (tenant_id, webhook_id, event_id) DO NOTHING
        RETURNING 1)
    SELECT count(*) FROM deliveries";

/// Applies an evaluation's failing results to the tenant's findings (see the module comment).
///
/// Bulk by construction: the observations are staged (COPY on plain PostgreSQL) and merged by one
/// statement per lifecycle move; nothing is returned row by row (the first evaluation of a
/// 100k-instance estate writes ~383k findings this way).
pub async fn apply_evaluation(
    pool: &PgPool,
    tenant_id: &str,
    job_id: Option<Uuid>,
    graph_generation: i64,
    observations: &[Observation],
    errored_rules: &[String],
) -> Result<EvaluationDelta, Error> {
    let evaluation = EvaluationWrite {
        job_id,
        graph_generation,
        observations,
        errored_rules,
        compliance: None,
    };
    apply_evaluation_unless(pool, tenant_id, &evaluation, std::future::pending()).await
}

/// Everything one evaluation writes in its transaction.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationWrite<'a> {
    /// The job that ran the evaluation, when one did.
    pub job_id: Option<Uuid>,
    /// The graph generation the evaluation read.
    pub graph_generation: i64,
    /// The failing results.
    pub observations: &'a [Observation],
    /// Rules that errored: their findings are neither resolved nor refreshed.
    pub errored_rules: &'a [String],
    /// The compliance result the evaluation implies, stored in the same transaction (replacing
    /// the previous one), so findings and scores commit together or not at all.
    pub compliance: Option<&'a [super::compliance::NewFrameworkResult]>,
}

/// `apply_evaluation`, stopped as soon as `stop` resolves: it is raced against every step (the
/// staging COPY, each merge statement, the outbox, the compliance result), the statement running
/// then is cancelled in PostgreSQL (`pg_cancel_backend`, so it does not run on after we left),
/// and the transaction rolls back: the previous findings and result stay as they were. A stop
/// that arrives before a step begins prevents it. Answers `Error::Unavailable` when stopped.
pub async fn apply_evaluation_unless(
    pool: &PgPool,
    tenant_id: &str,
    evaluation: &EvaluationWrite<'_>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<EvaluationDelta, Error> {
    let mut stop = std::pin::pin!(stop);
    let observations = evaluation.observations;
    let errored_rules = evaluation.errored_rules;
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *transaction)
        .await?;
    let mut step = Interruptible {
        pool,
        backend,
        stop: stop.as_mut(),
    };
    // One evaluation of a tenant at a time.
    step.run(
        "waiting for the tenant's previous evaluation",
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('findings:' || $1))")
            .bind(tenant_id)
            .execute(&mut *transaction),
    )
    .await?;
    // On Citus the staging tables are tenant tables (migration `…_findings_staging_tables.sql`),
    // so every merge statement stays on the tenant's worker. Rows left by a merge that failed
    // before its delete were rolled back with it; this clears anything else all the same.
    step.run_store(
        "clearing the staging tables",
        clear_staging(&mut transaction, tenant_id),
    )
    .await?;
    let staging = step
        .run_store(
            "opening the staging table",
            ObservationStaging::open(&mut transaction, tenant_id),
        )
        .await?;
    step.run_store(
        "staging the observations",
        staging.stage(&mut transaction, tenant_id, observations),
    )
    .await?;
    // As in `reconcile`: a tenant whose statistics predate its rows must not get nested loops
    // running every staged row against every finding. The new findings are inserted in identity
    // order; sorting a first evaluation's rows (hundreds of MB with their evidence) in the default
    // 4 MB spilled to disk for seconds.
    for setting in [
        "SET LOCAL enable_nestloop = off",
        "SET LOCAL work_mem = '256MB'",
    ] {
        step.run(
            "setting the planner",
            sqlx::query(setting).execute(&mut *transaction),
        )
        .await?;
    }
    let record_created: bool = step
        .run(
            "reading the webhook subscriptions",
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM webhooks
                                WHERE tenant_id = $1 AND enabled AND 'finding.created' = ANY(events))",
            )
            .bind(tenant_id)
            .fetch_one(&mut *transaction),
        )
        .await?;
    // Read under the lock above: no other merge writes the tenant's findings meanwhile.
    let first_findings: bool = step
        .run(
            "looking for the tenant's findings",
            sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM findings WHERE tenant_id = $1)")
                .bind(tenant_id)
                .fetch_one(&mut *transaction),
        )
        .await?;
    let not_yet_found = if first_findings { "" } else { NOT_YET_FOUND };
    let mut new: i64 = 0;
    for statement in MERGE_STATEMENTS {
        let sql = staging
            .statement(statement.sql)
            .replace("{not_yet_found}", not_yet_found);
        let query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql)).bind(tenant_id);
        let query = match statement.parameter {
            MergeParameter::None => query,
            MergeParameter::ErroredRules => query.bind(errored_rules),
            MergeParameter::RecordCreated => query.bind(record_created),
        };
        let count = step
            .run(statement.what, query.fetch_optional(&mut *transaction))
            .await
            .inspect_err(|error| {
                tracing::warn!(
                    tenant = tenant_id,
                    "findings merge failed {}: {error}",
                    statement.what
                );
            })?;
        if statement.counts_created {
            new = count.unwrap_or(0);
        }
    }
    for setting in [
        "SET LOCAL enable_nestloop TO DEFAULT",
        "SET LOCAL work_mem TO DEFAULT",
    ] {
        step.run(
            "restoring the planner settings",
            sqlx::query(setting).execute(&mut *transaction),
        )
        .await?;
    }
    let (reopened, resolved): (i64, i64) = step
        .run(
            "counting the changes",
            sqlx::query_as(
                "SELECT count(*) FILTER (WHERE change = 'reopened'
                                            OR (change = 'expired' AND NOT EXISTS
                                                (SELECT 1 FROM finding_changes r
                                                 WHERE r.tenant_id = $1 AND r.change = 'resolved' AND r.id = c.id))),
                        count(*) FILTER (WHERE change = 'resolved')
                 FROM finding_changes c WHERE c.tenant_id = $1",
            )
            .bind(tenant_id)
            .fetch_one(&mut *transaction),
        )
        .await?;
    step.run(
        "writing the webhook outbox",
        sqlx::query(ENQUEUE_CHANGES)
            .bind(tenant_id)
            .execute(&mut *transaction),
    )
    .await?;
    // A tenant's first findings are all open and all new: counting them again read every one
    // (the index alone cannot answer for rows this transaction wrote), 0.2 s for 448k.
    let open: i64 = if first_findings {
        new
    } else {
        step.run(
            "counting open findings",
            sqlx::query_scalar(
                "SELECT count(*) FROM findings WHERE tenant_id = $1 AND status = 'open'",
            )
            .bind(tenant_id)
            .fetch_one(&mut *transaction),
        )
        .await?
    };
    let evaluation_id = Uuid::new_v4();
    // After the findings, always: `findings` has no foreign key to `tenants` (migration
    // `…_findings_without_tenant_foreign_key.sql`), this row's key is what locks the tenant until
    // commit, or fails, rolling the findings back, when the tenant was deleted meanwhile.
    step.run(
        "recording the evaluation",
        sqlx::query(
            "INSERT INTO evaluations (tenant_id, evaluation_id, job_id, graph_generation, counts) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id)
        .bind(evaluation_id)
        .bind(evaluation.job_id)
        .bind(evaluation.graph_generation)
        .bind(sqlx::types::Json(serde_json::json!({
            "failing_results": observations.len(),
            "new": new,
            "reopened": reopened,
            "resolved": resolved,
            "open": open,
            "errored_rules": errored_rules,
        })))
        .execute(&mut *transaction),
    )
    .await?;
    if let Some(results) = evaluation.compliance {
        let stored = super::compliance::EvaluationRef {
            evaluation_id,
            job_id: evaluation.job_id,
            graph_generation: evaluation.graph_generation,
            evaluated_at: Utc::now(),
            counts: None,
        };
        step.run_store(
            "storing the compliance result",
            super::compliance::replace_in(&mut transaction, tenant_id, &stored, results),
        )
        .await?;
    }
    step.run_store(
        "moving the findings generation",
        super::tenants::bump_findings_generation(&mut transaction, tenant_id),
    )
    .await?;
    step.run_store(
        "clearing the staging tables",
        clear_staging(&mut transaction, tenant_id),
    )
    .await?;
    // Not raced: once the commit is sent it completes (it takes milliseconds).
    transaction.commit().await?;
    let count = |value: i64| u64::try_from(value).unwrap_or(0);
    Ok(EvaluationDelta {
        evaluation_id,
        new: count(new),
        reopened: count(reopened),
        resolved: count(resolved),
        open,
    })
}

/// Runs the steps of one transaction unless `stop` resolves first (checked before each step and
/// raced against it); then the backend's running statement is cancelled.
struct Interruptible<'a, Stop> {
    pool: &'a PgPool,
    backend: i32,
    stop: std::pin::Pin<&'a mut Stop>,
}

impl<Stop: std::future::Future<Output = ()>> Interruptible<'_, Stop> {
    async fn run<T>(
        &mut self,
        what: &str,
        step: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, Error> {
        self.run_store(what, async { step.await.map_err(Error::from) })
            .await
    }

    async fn run_store<T>(
        &mut self,
        what: &str,
        step: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let started = std::time::Instant::now();
        tokio::select! {
            biased;
            () = self.stop.as_mut() => {}
            result = step => {
                // The load benchmark (`benches/load.rs`) reads these at debug level.
                tracing::debug!(ms = started.elapsed().as_millis() as u64, step = what, "findings write step");
                return result;
            }
        }
        // The step's future is dropped; its statement may still be running in the backend.
        let cancel = sqlx::query("SELECT pg_cancel_backend($1)")
            .bind(self.backend)
            .execute(self.pool);
        if let Err(error) = tokio::time::timeout(std::time::Duration::from_secs(1), cancel)
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut))
        {
            tracing::warn!(backend = self.backend, %error, "could not cancel the interrupted statement");
        }
        Err(Error::Unavailable(format!(
            "evaluation stopped while {what}: the process is shutting down"
        )))
    }
}

/// Deletes the tenant's rows of the merge's staging tables (they never outlive a merge).
async fn clear_staging(connection: &mut PgConnection, tenant_id: &str) -> Result<(), Error> {
    for statement in [
        "DELETE FROM staged_observations WHERE tenant_id = $1",
        "DELETE FROM finding_changes WHERE tenant_id = $1",
    ] {
        sqlx::query(statement)
            .bind(tenant_id)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
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
    let mut count =
        super::totals::count_query("findings", super::totals::Generation::Findings, tenant_id);
    push_filters(&mut count, tenant_id, filter);
    let total = super::totals::total(
        &mut transaction,
        "findings",
        super::totals::Generation::Findings,
        tenant_id,
        format!("{filter:?}"),
        count,
    )
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
    if row.is_some() {
        super::tenants::bump_findings_generation(&mut transaction, tenant_id).await?;
    }
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
    if row.is_some() {
        super::tenants::bump_findings_generation(&mut transaction, tenant_id).await?;
    }
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
