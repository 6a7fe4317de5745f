//! A rescan's evaluation through the job pipeline: a tenant's second discovery evaluates only what
//! its changes may affect (the worker keeps the first snapshot's results in memory), and its
//! findings and compliance scores are those of another tenant evaluated in full on the same
//! final estate.

use std::collections::BTreeMap;

use infracast::jobs;
use infracast::model::{Inventory, provider_config::DiscoveryPolicy};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with_policy};

/// Runs a fixture discovery of `file` for `tenant` on `runtime`; answers the finished job.
async fn discover(
    app: &TestApp,
    runtime: &jobs::JobRuntime,
    tenant: &str,
    key: &str,
    file: &str,
) -> Value {
    let created = app
        .post(
            &format!("/api/v1/tenants/{tenant}/jobs"),
            key,
            json!({"provider": "fixture", "config": {"file": file}, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let finished = jobs::run_next(runtime).await.unwrap().unwrap();
    assert_eq!(finished.status, "succeeded", "{:?}", finished.counts);
    let job = app
        .get(
            &format!("/api/v1/tenants/{tenant}/jobs/{}", finished.job_id),
            key,
        )
        .await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.body);
    job.body["data"].clone()
}

/// The tenant's open findings by (rule, resource): what a full evaluation decides.
async fn open_findings(
    app: &TestApp,
    tenant: &str,
    key: &str,
) -> BTreeMap<(String, String), Value> {
    let mut found = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/tenants/{tenant}/findings?status=open&per_page=500");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = app.get(&path, key).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for finding in page.body["data"].as_array().unwrap() {
            let identity = (
                finding["rule_id"].as_str().unwrap().to_string(),
                finding["node_id"].as_str().unwrap().to_string(),
            );
            let decided = json!({
                "severity": finding["severity"],
                "reason": finding["reason"],
                "evidence": finding["evidence"],
                "categories": finding["categories"],
            });
            assert!(found.insert(identity, decided).is_none(), "listed twice");
        }
        match page.body["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    found
}

/// The tenant's stored compliance controls of a framework, without what names the evaluation
/// that wrote them.
async fn scores(app: &TestApp, tenant: &str, key: &str, framework: &str) -> Value {
    let answer = app
        .get(
            &format!("/api/v1/tenants/{tenant}/compliance/controls?framework={framework}"),
            key,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut data = answer.body["data"].clone();
    strip_evaluation_references(&mut data);
    data
}

fn strip_evaluation_references(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for field in ["evaluation", "last_evaluation", "evaluated_at"] {
                fields.remove(field);
            }
            fields.values_mut().for_each(strip_evaluation_references);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_evaluation_references),
        _ => {}
    }
}

/// The estate a rescan finds: a volume in twenty encrypted the other way, a group in four given
/// another group's rules (opening or closing it, and so its members' exposure), an instance gone
/// with its edges, a subnet renamed.
fn rescanned(mut inventory: Inventory) -> Inventory {
    let groups: Vec<Value> = inventory
        .nodes
        .iter()
        .filter(|node| node.node_type == infracast::model::NodeType::SecurityGroup)
        .map(|node| node.properties.clone())
        .collect();
    let mut volumes = 0;
    let mut group = 0;
    for node in &mut inventory.nodes {
        match node.node_type {
            infracast::model::NodeType::Volume => {
                volumes += 1;
                if volumes % 20 == 0 {
                    let encrypted = node.properties["encrypted"].as_bool().unwrap_or(false);
                    node.properties["encrypted"] = json!(!encrypted);
                }
            }
            infracast::model::NodeType::SecurityGroup => {
                group += 1;
                if group % 4 == 0 {
                    node.properties = groups[(group * 7) % groups.len()].clone();
                }
            }
            infracast::model::NodeType::Subnet if node.name.ends_with('0') => {
                node.name.push_str("-renamed");
            }
            _ => {}
        }
    }
    let gone = inventory
        .nodes
        .iter()
        .position(|node| node.node_type == infracast::model::NodeType::Instance)
        .unwrap();
    let gone = inventory.nodes.remove(gone).id;
    inventory
        .edges
        .retain(|edge| edge.src != gone && edge.dst != gone);
    inventory
}

#[tokio::test]
async fn a_rescan_evaluates_only_what_changed_and_finds_what_a_full_evaluation_finds() {
    let directory = tempfile::tempdir().unwrap();
    let app = spawn_app_with_policy(DiscoveryPolicy {
        fixture_dir: Some(directory.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let first = infracast::discovery::generate::generate_estate(400, 13);
    let second = rescanned(first.clone());
    for (file, inventory) in [("first.json", &first), ("second.json", &second)] {
        std::fs::write(
            directory.path().join(file),
            serde_json::to_string(inventory).unwrap(),
        )
        .unwrap();
    }
    let acme = app.tenant_with_key("acme", "enterprise", "admin").await;
    let fresh = app.tenant_with_key("fresh", "enterprise", "admin").await;

    // One worker, one snapshot cache: acme's second evaluation starts from its first.
    let runtime = app.runtime();
    let initial = discover(&app, &runtime, "acme", &acme, "first.json").await;
    let rescan = discover(&app, &runtime, "acme", &acme, "second.json").await;
    // Another worker, which never saw acme's or fresh's graph: a full evaluation.
    let full = discover(&app, &app.runtime(), "fresh", &fresh, "second.json").await;

    let work = |job: &Value, field: &str| {
        job["progress"]["evaluation_work"][field]
            .as_u64()
            .unwrap_or_else(|| panic!("no {field} in {}", job["progress"]))
    };
    let judged = work(&full, "evaluated_nodes");
    assert!(judged > 500, "{judged} nodes judged");
    assert_eq!(work(&full, "carried_over_nodes"), 0);
    assert_eq!(
        work(&initial, "evaluated_nodes"),
        work(&full, "evaluated_nodes") + 1
    );
    let evaluated = work(&rescan, "evaluated_nodes");
    let carried = work(&rescan, "carried_over_nodes");
    assert_eq!(evaluated + carried, judged, "every node judged once");
    assert!(
        evaluated > 0 && evaluated * 2 < judged,
        "the rescan evaluated {evaluated} of {judged} nodes"
    );

    let incremental_findings = open_findings(&app, "acme", &acme).await;
    let full_findings = open_findings(&app, "fresh", &fresh).await;
    assert!(
        full_findings.len() > 500,
        "{} findings",
        full_findings.len()
    );
    assert_eq!(incremental_findings.len(), full_findings.len());
    for (identity, decided) in &full_findings {
        assert_eq!(
            incremental_findings.get(identity),
            Some(decided),
            "{identity:?}"
        );
    }
    // The changes changed findings: the rescan resolved some and created others.
    assert!(rescan["counts"].is_object());
    let resolved = app
        .get(
            "/api/v1/tenants/acme/findings?status=resolved&per_page=1",
            &acme,
        )
        .await;
    assert!(
        resolved.body["meta"]["total"].as_u64().unwrap_or(0) > 0,
        "{}",
        resolved.body
    );

    for framework in ["cis-aws-foundations", "nist-800-53"] {
        let incremental_scores = scores(&app, "acme", &acme, framework).await;
        assert_eq!(
            incremental_scores,
            scores(&app, "fresh", &fresh, framework).await,
            "{framework}"
        );
        let controls = incremental_scores["controls"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(controls > 10, "{framework}: {controls} controls");
    }
}
