//! Report rendering benchmark: a generated estate (default 20k instances) evaluated with the full
//! rule pack, every failing result as a finding, then each format rendered for the CIS framework.
//! Measures the render step only (gathering from the store is a few indexed queries).
//!
//! Run: `cargo bench --bench reports` (env `INSTANCES`).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use infracast::compliance;
use infracast::discovery::generate::generate_estate;
use infracast::graph::TenantGraph;
use infracast::pathtrace;
use infracast::reports::{self, ReportFinding, ReportFormat, ReportInput, ScopeFreshness};
use infracast::rules::{self, RuleSet, RuleStatus};

mod support;

fn main() {
    infracast::allocator::keep_freed_memory_between_stages();
    let instances: usize = std::env::var("INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(20_000);
    let inventory = generate_estate(instances, 42);
    let graph = TenantGraph::build(inventory.nodes, inventory.edges);
    let rule_set = RuleSet::builtin().expect("rules");
    let frameworks = compliance::builtin(&rule_set).expect("frameworks");
    let cis = frameworks
        .iter()
        .find(|framework| framework.id == "cis-aws-foundations")
        .expect("cis");
    let exposure = Arc::new(support::Exposure(pathtrace::analyse_internet_exposure(
        &graph,
    )));
    let evaluation = rules::evaluate(&rule_set, &graph, exposure);
    let now = Utc::now();
    let findings: Vec<ReportFinding> = evaluation
        .results
        .iter()
        .filter(|result| result.status == RuleStatus::Fail)
        .map(|result| ReportFinding {
            id: format!("{}|{}", result.rule_id, result.node_id),
            rule_id: result.rule_id.to_string(),
            rule_title: rule_set
                .get(&result.rule_id)
                .map(|rule| rule.title.clone())
                .unwrap_or_default(),
            rule_version: result.rule_version,
            node_id: result.node_id.to_string(),
            node_type: result.node_id.node_type().as_str().to_string(),
            account: "111122223333".to_string(),
            region: result.node_id.region().to_string(),
            severity: result.severity,
            status: infracast::model::FindingStatus::Open,
            reason: result.reason.to_string(),
            remediation: String::new(),
            first_seen: now,
            last_seen: now,
            acceptance: None,
            path_proof: None,
            proof_subject: None,
            exposure_note: None,
        })
        .collect();
    let input = ReportInput {
        report_id: "bench".to_string(),
        title: "Bench report".to_string(),
        tenant_id: "bench".to_string(),
        tenant_name: "Bench".to_string(),
        generated_at: now,
        framework: Some(compliance::score(cis, &evaluation, &HashSet::new())),
        findings,
        rules: Vec::new(),
        freshness: vec![ScopeFreshness {
            provider: "aws".to_string(),
            account: "111122223333".to_string(),
            region: "us-east-1".to_string(),
            discovered_at: now,
        }],
        last_evaluation_at: Some(now),
    };
    println!(
        "{instances} instances, {} nodes, {} findings, {} CIS failing resources",
        graph.node_count(),
        input.findings.len(),
        input.framework.as_ref().map_or(0, |framework| framework
            .controls
            .iter()
            .map(|control| control.failing_resources.len())
            .sum::<usize>())
    );
    for format in ReportFormat::ALL {
        let mut timings = Vec::new();
        let mut size = 0;
        for _ in 0..5 {
            let started = Instant::now();
            size = reports::render(format, &input).expect("renders").len();
            timings.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        timings.sort_by(f64::total_cmp);
        println!(
            "{:>5}: median {:8.1} ms, min {:8.1} ms, {:>10} bytes",
            format.as_str(),
            timings[2],
            timings[0],
            size
        );
    }
}
