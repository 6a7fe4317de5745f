//! Evaluation: run the rule pack over the tenant's current snapshot (with the path tracer's
//! exposure analysis behind `exposed_to_internet`) and move the tenant's findings. Network
//! findings (rules in the `network` or `internet-exposed` categories) carry their resource's path
//! proof, and only they: a monitoring or identity finding on an exposed instance is not about the
//! path, and copying a ~4 KB proof into each of them was most of what a first evaluation of a
//! large estate wrote. Security-group findings say which members are really exposed.
//! An evaluation job (`run`) does this on demand; a discovery does it after its graph commit.
//! The evidence is `model::FindingEvidence`, the one type reports and the API read back.

use std::collections::{BTreeSet, HashMap};

use anyhow::Context;
use serde_json::json;
use tokio::sync::watch;
use uuid::Uuid;

use super::JobRuntime;
use super::pipeline::{FinishedJob, finish_without_scopes, timed_out_message};
use crate::compliance;
use crate::model::{
    EdgeKind, EvidenceResource, FindingEvidence, Job, JobStatus, NodeType, PathProof,
};
use crate::pathtrace::ExposureEntry;
use crate::rules::RuleStatus;
use crate::snapshots::ReconciledGraph;
use crate::store::{self, findings::Observation};

/// The path proof of an exposed resource, as the finding records it. The record is the tracer's
/// own JSON answer (the one `…/exposure` shows), read back into the stored type, so the two never
/// differ whatever types the tracer uses inside.
pub fn path_proof(entry: &ExposureEntry) -> anyhow::Result<PathProof> {
    let open = serde_json::to_value(&entry.open)?;
    let hops = serde_json::to_value(&entry.path)?;
    Ok(PathProof {
        open: serde_json::from_value(open).context("recording the open ports")?,
        hops: serde_json::from_value(hops).context("recording the hops")?,
    })
}

/// The rule categories whose findings carry the resource's path proof (network findings).
const PATH_PROOF_CATEGORIES: &[&str] = &["network", "internet-exposed"];

/// What an evaluation changed.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationSummary {
    /// Nodes the rules ran on; the others' results were carried over from the tenant's previous
    /// evaluation (`carried_over_nodes`).
    pub evaluated_nodes: usize,
    pub carried_over_nodes: usize,
    pub results: usize,
    pub failing: usize,
    pub new: usize,
    pub resolved: usize,
    pub reopened: usize,
}

/// An on-demand evaluation job: evaluate, then record the outcome under the fencing token.
pub(super) async fn run(
    runtime: &JobRuntime,
    job: &Job,
    token: i64,
) -> anyhow::Result<FinishedJob> {
    let limit = runtime.config.evaluation_timeout;
    let evaluation = evaluate_tenant(runtime, &job.tenant_id, Some(job.job_id), None);
    let outcome = match tokio::time::timeout(limit, evaluation).await {
        Ok(outcome) => outcome,
        Err(_) => Err(anyhow::anyhow!(timed_out_message(limit))),
    };
    if let Err(error) = &outcome
        && let Some(interrupted) = error.downcast_ref::<Interrupted>()
    {
        // As the worker pool does with any job at shutdown: no outcome is written, the lease
        // lapses and the next process to claim the job runs the evaluation again.
        tracing::info!(job = %job.job_id, "{interrupted}; the job is left for a re-claim");
        return Ok(FinishedJob::abandoned(job));
    }
    let (status, counts, errors) = match &outcome {
        Ok(summary) => (
            JobStatus::Succeeded,
            json!({"results": summary.results, "failing": summary.failing, "new": summary.new, "resolved": summary.resolved, "reopened": summary.reopened, "evaluated_nodes": summary.evaluated_nodes, "carried_over_nodes": summary.carried_over_nodes}),
            json!([]),
        ),
        Err(error) => (JobStatus::Failed, json!({}), json!([format!("{error:#}")])),
    };
    let mut transaction = runtime.pool.begin().await?;
    store::jobs::lock_for_commit(&mut transaction, &job.tenant_id, job.job_id, token).await?;
    let finished = finish_without_scopes(&mut transaction, job, status, counts, errors).await?;
    transaction.commit().await?;
    Ok(finished)
}

/// Evaluates the tenant's current graph; `reconciled` is the inventory a discovery just made the
/// whole live graph, when it did (the snapshot is then built from it, not read back).
pub async fn evaluate_tenant(
    runtime: &JobRuntime,
    tenant_id: &str,
    job_id: Option<Uuid>,
    reconciled: Option<ReconciledGraph>,
) -> anyhow::Result<EvaluationSummary> {
    let started = std::time::Instant::now();
    // The snapshot the tenant's last evaluation in this process read, when it is still cached:
    // the new one's evaluation starts from its results (`Snapshot::evaluation_since`). Held only
    // until the rules and scores have run: two graphs are resident meanwhile.
    let previous = runtime.snapshots.evaluated(tenant_id);
    let snapshot = async {
        match reconciled {
            Some(reconciled) => {
                runtime
                    .snapshots
                    .current_from_reconciled(&runtime.pool, tenant_id, reconciled)
                    .await
            }
            None => runtime.snapshots.current(&runtime.pool, tenant_id).await,
        }
    };
    let snapshot = unless_shutdown(runtime, "loading the graph snapshot", snapshot)
        .await?
        .context("loading the graph snapshot")?;
    let snapshot_source = snapshot.source;
    let snapshot_loaded = std::time::Instant::now();
    let rule_set = runtime.rules.clone();
    let snapshot_for_scores = snapshot.clone();
    let previous_for_scores = previous.clone();
    let rules = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let evaluation = snapshot.evaluation_since(&rule_set, previous.as_deref());
        drop(previous);
        let exposure = snapshot.exposure();
        let rules_pass_ms = started.elapsed().as_millis() as u64;
        // Looked up once per failing result: a scan of every entry each time was quadratic on a
        // large estate (hundreds of thousands of results against tens of thousands of entries).
        let exposed_by_node: HashMap<&str, &ExposureEntry> = exposure
            .entries()
            .iter()
            .map(|entry| (entry.node_id.as_str(), entry))
            .collect();
        // A node's path proof is the same for every rule failing on it: recorded once (the
        // record is a JSON round trip), cloned for the others.
        let mut proofs: HashMap<&str, PathProof> = HashMap::new();
        let mut observations: Vec<Observation> = Vec::new();
        for result in &evaluation.results {
            if result.status != RuleStatus::Fail {
                continue;
            }
            let (Some(rule), Some(node)) = (
                rule_set.get(&result.rule_id),
                snapshot.graph.node(&result.node_id),
            ) else {
                continue;
            };
            let mut evidence = FindingEvidence {
                rule_version: Some(rule.version),
                condition: Some(rule.condition.clone()),
                resource: Some(EvidenceResource {
                    id: node.id.to_string(),
                    name: node.name.clone(),
                }),
                ..FindingEvidence::default()
            };
            let network_rule = rule
                .categories
                .iter()
                .any(|category| PATH_PROOF_CATEGORIES.contains(&category.as_str()));
            if network_rule && let Some(entry) = exposed_by_node.get(node.id.as_str()) {
                let proof = match proofs.entry(entry.node_id.as_str()) {
                    std::collections::hash_map::Entry::Occupied(recorded) => recorded.get().clone(),
                    std::collections::hash_map::Entry::Vacant(vacant) => {
                        vacant.insert(path_proof(entry)?).clone()
                    }
                };
                evidence.path_proof = Some(proof);
            }
            if node.node_type == NodeType::SecurityGroup
                && rule
                    .categories
                    .iter()
                    .any(|category| category == "internet-exposed")
            {
                let members: Vec<String> = snapshot
                    .graph
                    .incoming(&node.id, Some(EdgeKind::MemberOf))
                    .iter()
                    .map(|member| member.node.id.to_string())
                    .collect();
                let exposed: Vec<String> = members
                    .iter()
                    .filter(|member| exposed_by_node.contains_key(member.as_str()))
                    .cloned()
                    .collect();
                evidence.members = Some(members.len());
                evidence.exposure = Some(
                    if exposed.is_empty() {
                        FindingEvidence::NOT_REACHABLE
                    } else {
                        FindingEvidence::REACHABLE
                    }
                    .to_string(),
                );
                evidence.exposed_members = Some(exposed);
            }
            observations.push(Observation {
                rule_id: rule.id.clone(),
                rule_version: rule.version as i32,
                node_id: node.id.to_string(),
                node_type: node.node_type.as_str().to_string(),
                region: node.region.clone(),
                severity: rule.severity,
                categories: rule.categories.clone(),
                reason: result.reason.to_string(),
                evidence,
            });
        }
        // The load benchmark (`benches/load.rs`) reads these figures from the log.
        tracing::info!(
            rules_pass_ms,
            observations_ms = started.elapsed().as_millis() as u64 - rules_pass_ms,
            "evaluation rules timing"
        );
        anyhow::Ok((
            observations,
            evaluation.errored_rules(),
            evaluation.results.len(),
        ))
    });
    // The rules run on the blocking pool and cannot be stopped half-way; a shutdown stops
    // waiting for them (the process exits without joining that thread). The scores are computed
    // alongside: both read the snapshot's one evaluation (the second to ask waits for the first
    // to compute it), then the scores take the other core while the findings are built.
    let (rules, scores) = tokio::join!(
        async {
            let outcome = unless_shutdown(runtime, "evaluating the rules", rules).await;
            (outcome, std::time::Instant::now())
        },
        unless_shutdown(
            runtime,
            "scoring the frameworks",
            compliance_results(runtime, &snapshot_for_scores, previous_for_scores),
        )
    );
    let (rules, rules_evaluated) = rules;
    let (observations, errored, results) = rules?.context("evaluation task failed")??;
    let compliance = scores?.context("scoring the frameworks")?;
    let (evaluated_nodes, carried_over_nodes) =
        snapshot_for_scores.evaluation_work().unwrap_or_default();
    let rules_done = std::time::Instant::now();
    let generation = store::tenants::graph_generation(&runtime.pool, tenant_id).await?;
    let write = store::findings::EvaluationWrite {
        job_id,
        graph_generation: generation,
        observations: &observations,
        errored_rules: &errored,
        compliance: Some(&compliance),
    };
    let delta = store::findings::apply_evaluation_unless(
        &runtime.pool,
        tenant_id,
        &write,
        shutdown_requested(runtime.shutdown.clone()),
    )
    .await
    .map_err(|error| {
        if *runtime.shutdown.borrow() {
            anyhow::Error::new(Interrupted {
                phase: "writing the findings and the compliance result",
            })
        } else {
            anyhow::Error::new(error).context("writing the findings")
        }
    })?;
    // A first evaluation of a large estate leaves the planner believing `findings` is small.
    let changed = delta.new + delta.resolved + delta.reopened;
    if let Err(error) = store::statistics::refresh_after_write(
        &runtime.pool,
        store::statistics::WrittenTable::Findings,
        changed,
    )
    .await
    {
        tracing::warn!(tenant = tenant_id, %error, "could not refresh the findings statistics");
    }
    // The load benchmark (`benches/load.rs`) reads these figures from the log.
    tracing::info!(
        tenant = tenant_id,
        failing = observations.len(),
        new = delta.new,
        evaluated_nodes,
        carried_over_nodes,
        snapshot_ms = (snapshot_loaded - started).as_millis() as u64,
        ?snapshot_source,
        rules_ms = (rules_evaluated - snapshot_loaded).as_millis() as u64,
        scores_ms = (rules_done - rules_evaluated).as_millis() as u64,
        snapshot_and_rules_ms = (rules_done - started).as_millis() as u64,
        findings_write_ms = rules_done.elapsed().as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "evaluation timing"
    );
    Ok(EvaluationSummary {
        evaluated_nodes,
        carried_over_nodes,
        results,
        failing: observations.len(),
        new: delta.new as usize,
        resolved: delta.resolved as usize,
        reopened: delta.reopened as usize,
    })
}

/// The compliance result the evaluation implies (every framework scored as if nothing were
/// accepted; readers apply acceptance), written with the findings in one transaction.
async fn compliance_results(
    runtime: &JobRuntime,
    snapshot: &std::sync::Arc<crate::snapshots::Snapshot>,
    previous: Option<std::sync::Arc<crate::snapshots::Snapshot>>,
) -> anyhow::Result<Vec<store::compliance::NewFrameworkResult>> {
    let (rule_set, frameworks, scored) = (
        runtime.rules.clone(),
        runtime.frameworks.clone(),
        snapshot.clone(),
    );
    tokio::task::spawn_blocking(move || {
        // Whichever of the rules and the scores asks first computes the evaluation; both say
        // where it may start from, so either way it is the same incremental one.
        let evaluation = scored.evaluation_since(&rule_set, previous.as_deref());
        drop(previous);
        let results = compliance::ResultsByRule::new(evaluation);
        frameworks
            .iter()
            .map(|framework| {
                let mut score = compliance::score_unaccepted_by_rule(framework, &results);
                score.limit_failing_resources(compliance::FAILING_RESOURCES_LISTED);
                let result = serde_json::to_value(&score)?;
                score.controls.clear();
                let rule_ids: BTreeSet<String> = framework
                    .controls
                    .iter()
                    .flat_map(|control| control.rules.iter().cloned())
                    .collect();
                Ok(store::compliance::NewFrameworkResult {
                    framework_id: framework.id.clone(),
                    rule_ids: rule_ids.into_iter().collect(),
                    summary: serde_json::to_value(&score)?,
                    result,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })
    .await
    .context("scoring task failed")?
}

/// An evaluation stopped by the process shutting down, before it committed: nothing of it was
/// written (the findings transaction rolled back).
#[derive(Debug, thiserror::Error)]
#[error("evaluation interrupted by shutdown while {phase}")]
pub struct Interrupted {
    pub phase: &'static str,
}

/// Resolves once `shutdown` turns true; never when its sender is gone without having said so
/// (a runtime with no shutdown signal).
async fn shutdown_requested(mut shutdown: watch::Receiver<bool>) {
    if shutdown.wait_for(|stopping| *stopping).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// `phase` unless the process starts shutting down first (checked before it begins, then raced
/// against it): the phase's future is dropped and the evaluation ends as `Interrupted`.
async fn unless_shutdown<T>(
    runtime: &JobRuntime,
    phase: &'static str,
    work: impl std::future::Future<Output = T>,
) -> anyhow::Result<T> {
    tokio::select! {
        biased;
        () = shutdown_requested(runtime.shutdown.clone()) => Err(Interrupted { phase }.into()),
        done = work => Ok(done),
    }
}
