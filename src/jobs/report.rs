//! Report jobs: gather what a report shows (framework scores on the current snapshot, current
//! findings with their evidence, exceptions, rule versions, data freshness), render it with
//! `reports` on a blocking thread, and store the file with the job's outcome in one transaction
//! under the fencing token. A report that cannot be rendered is marked failed with the reason.

use anyhow::Context;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::JobRuntime;
use super::pipeline::{FinishedJob, finish_without_scopes, timed_out_message};
use crate::model::{FindingEvidence, JobStatus, NodeId, PathProof, Report};
use crate::pathtrace::ExposureReport;
use crate::reports::{self, Acceptance, ReportFinding, ReportInput, RuleVersion};
use crate::store::{self, jobs::Job, reports::RenderedReport};

fn report_id(job: &Job) -> anyhow::Result<Uuid> {
    job.config
        .get("report_id")
        .and_then(Value::as_str)
        .and_then(|raw| Uuid::parse_str(raw).ok())
        .context("report job without a report_id")
}

/// The finding's own path proof, or for a security group whose members are reachable, the
/// proof of its first exposed member (and that member's id) on the current snapshot.
fn path_proof_of(
    evidence: &FindingEvidence,
    exposure: &ExposureReport,
) -> anyhow::Result<(Option<PathProof>, Option<String>)> {
    if let Some(proof) = &evidence.path_proof {
        return Ok((Some(proof.clone()), None));
    }
    let member = evidence
        .exposed_members
        .as_ref()
        .and_then(|members| members.first());
    let Some(member) = member else {
        return Ok((None, None));
    };
    let entry = exposure
        .entries()
        .iter()
        .find(|entry| &entry.node_id == member);
    match entry {
        Some(entry) => Ok((
            Some(super::evaluation::path_proof(entry)?),
            Some(member.clone()),
        )),
        None => Ok((None, None)),
    }
}

/// Everything the report needs, read from the store and the tenant's snapshot.
async fn gather(
    runtime: &JobRuntime,
    tenant_id: &str,
    report: &Report,
) -> anyhow::Result<ReportInput> {
    let tenant = store::tenants::get(&runtime.pool, tenant_id).await?;
    let snapshot = runtime
        .snapshots
        .current(&runtime.pool, tenant_id)
        .await
        .context("loading the graph snapshot")?;
    let framework = match &report.framework {
        None => None,
        Some(id) => Some(
            runtime
                .frameworks
                .iter()
                .find(|framework| &framework.id == id)
                .cloned()
                .with_context(|| format!("unknown framework `{id}`"))?,
        ),
    };
    let rule_ids: Option<Vec<String>> = framework.as_ref().map(|framework| {
        let mut ids: Vec<String> = framework
            .controls
            .iter()
            .flat_map(|control| control.rules.iter().cloned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    });
    let stored_findings =
        store::findings::current_for_report(&runtime.pool, tenant_id, rule_ids.as_deref()).await?;
    let accepted = store::findings::accepted_pairs(&runtime.pool, tenant_id).await?;
    let freshness = store::reports::scope_freshness(&runtime.pool, tenant_id).await?;
    let last_evaluation_at = store::findings::latest_evaluation(&runtime.pool, tenant_id)
        .await?
        .map(|(at, _)| at);

    let rule_set = runtime.rules.clone();
    let input = tokio::task::spawn_blocking(move || {
        let framework_score = framework.as_ref().map(|framework| {
            crate::compliance::score(framework, snapshot.evaluation(&rule_set), &accepted)
        });
        let findings = stored_findings
            .into_iter()
            .map(|finding| {
                let rule = rule_set.get(&finding.rule_id);
                let account = NodeId::parse(&finding.node_id)
                    .ok()
                    .and_then(|id| snapshot.graph.node(&id).map(|node| node.account.clone()))
                    .unwrap_or_default();
                let (path_proof, proof_subject) =
                    path_proof_of(&finding.evidence, snapshot.exposure())?;
                let acceptance = finding.current_acceptance().map(|acceptance| Acceptance {
                    kind: acceptance.kind,
                    reason: acceptance.reason.clone().unwrap_or_default(),
                    accepted_by: acceptance.accepted_by.clone().unwrap_or_default(),
                    accepted_at: acceptance.accepted_at,
                    expires_at: acceptance.expires_at,
                });
                anyhow::Ok(ReportFinding {
                    id: finding.id.to_string(),
                    rule_title: rule.map(|rule| rule.title.clone()).unwrap_or_default(),
                    remediation: rule
                        .map(|rule| rule.remediation.text.clone())
                        .unwrap_or_default(),
                    rule_version: i64::from(finding.rule_version),
                    path_proof,
                    proof_subject,
                    exposure_note: finding.evidence.exposure,
                    rule_id: finding.rule_id,
                    node_id: finding.node_id,
                    node_type: finding.node_type,
                    account,
                    region: finding.region,
                    severity: finding.severity,
                    status: finding.status,
                    reason: finding.reason,
                    first_seen: finding.first_seen,
                    last_seen: finding.last_seen,
                    acceptance,
                })
            })
            .collect::<anyhow::Result<Vec<ReportFinding>>>()?;
        let mut rule_ids: Vec<String> = match &rule_ids {
            Some(ids) => ids.clone(),
            None => findings
                .iter()
                .map(|finding| finding.rule_id.clone())
                .collect(),
        };
        rule_ids.sort();
        rule_ids.dedup();
        let rules = rule_ids
            .iter()
            .filter_map(|id| rule_set.get(id))
            .map(|rule| RuleVersion {
                id: rule.id.clone(),
                version: rule.version,
                title: rule.title.clone(),
                severity: rule.severity,
            })
            .collect();
        anyhow::Ok((framework_score, findings, rules))
    })
    .await
    .context("gathering the report's results")??;
    let (framework, findings, rules) = input;
    Ok(ReportInput {
        report_id: report.id.to_string(),
        title: report.title.clone(),
        tenant_id: tenant.id,
        tenant_name: tenant.name,
        generated_at: chrono::Utc::now(),
        framework,
        findings,
        rules,
        freshness: freshness
            .into_iter()
            .map(|scope| reports::ScopeFreshness {
                provider: scope.provider,
                account: scope.account,
                region: scope.region,
                discovered_at: scope.discovered_at,
            })
            .collect(),
        last_evaluation_at,
    })
}

/// Gathers and renders one report.
async fn generate(
    runtime: &JobRuntime,
    tenant_id: &str,
    report: &Report,
) -> anyhow::Result<RenderedReport> {
    let format = report.format;
    let input = gather(runtime, tenant_id, report).await?;
    let (content, filename) = tokio::task::spawn_blocking(move || {
        reports::render(format, &input).map(|bytes| (bytes, reports::filename(&input, format)))
    })
    .await
    .context("rendering task failed")??;
    Ok(RenderedReport {
        sha256: hex::encode(Sha256::digest(&content)),
        content,
        content_type: format.content_type().to_string(),
        filename,
    })
}

/// Runs a report job and records the report and the job's outcome together.
pub async fn run_report_job(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
) -> anyhow::Result<FinishedJob> {
    let report_id = report_id(job)?;
    let report = store::reports::mark_generating(&runtime.pool, &job.tenant_id, report_id).await?;
    let generated = generate(runtime, &job.tenant_id, &report).await;

    let mut transaction = runtime.pool.begin().await?;
    let cancelled =
        store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    let (status, counts, errors) = match &generated {
        // A cancel that arrived while the report rendered wins: nothing is kept.
        _ if cancelled => {
            store::reports::mark_failed(&mut transaction, &job.tenant_id, report_id, "cancelled")
                .await?;
            (
                JobStatus::Cancelled,
                json!({"report_id": report_id}),
                json!([]),
            )
        }
        Ok(rendered) => {
            store::reports::mark_ready(&mut transaction, &job.tenant_id, report_id, rendered)
                .await?;
            (
                JobStatus::Succeeded,
                json!({"report_id": report_id, "bytes": rendered.content.len()}),
                json!([]),
            )
        }
        Err(error) => {
            let message = format!("{error:#}");
            tracing::warn!(job = %job.job_id, report = %report_id, error = %message, "report generation failed");
            store::reports::mark_failed(&mut transaction, &job.tenant_id, report_id, &message)
                .await?;
            (
                JobStatus::Failed,
                json!({"report_id": report_id}),
                json!([message]),
            )
        }
    };
    let finished = finish_without_scopes(&mut transaction, job, status, counts, errors).await?;
    transaction.commit().await?;
    Ok(finished)
}

/// A report job under the evaluation deadline: on timeout the report and the job fail together.
pub(super) async fn run(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
) -> anyhow::Result<FinishedJob> {
    let limit = runtime.config.evaluation_timeout;
    let report = run_report_job(runtime, job, token);
    if let Ok(finished) = tokio::time::timeout(limit, report).await {
        return finished;
    }
    let message = timed_out_message(limit);
    tracing::warn!(job = %job.job_id, limit_seconds = limit.as_secs(), "report timed out");
    let mut transaction = runtime.pool.begin().await?;
    store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    store::reports::fail_for_job(&mut transaction, &job.tenant_id, job.job_id, &message).await?;
    let finished = finish_without_scopes(
        &mut transaction,
        job,
        JobStatus::Failed,
        json!({}),
        json!([message]),
    )
    .await?;
    transaction.commit().await?;
    Ok(finished)
}
