//! A rescan's evaluation through the job pipeline: a tenant's second discovery (or an evaluation
//! after API writes, from a snapshot loaded back from the store) evaluates only what its changes
//! may affect (the worker keeps the previous snapshot's results in memory), and its findings and
//! compliance scores are those of another tenant evaluated in full on the same final estate.

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

/// An app whose fixture directory holds `estates` (file name, inventory), with the tenants acme
/// (whose evaluations start from its previous ones) and fresh (evaluated in full); answers the
/// app, the directory (kept for the test's life) and the two tenants' keys.
async fn fixture_app(
    estates: &[(&str, &Inventory)],
) -> (TestApp, tempfile::TempDir, String, String) {
    let directory = tempfile::tempdir().unwrap();
    for (file, inventory) in estates {
        std::fs::write(
            directory.path().join(file),
            serde_json::to_string(inventory).unwrap(),
        )
        .unwrap();
    }
    let app = spawn_app_with_policy(DiscoveryPolicy {
        fixture_dir: Some(directory.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let acme = app.tenant_with_key("acme", "enterprise", "admin").await;
    let fresh = app.tenant_with_key("fresh", "enterprise", "admin").await;
    (app, directory, acme, fresh)
}

/// Checks the work of an incremental evaluation (`evaluated_nodes`, `carried_over_nodes` in
/// `incremental`) against a full one of the same estate (`full`): every node judged once, fewer
/// than half of them again. Answers how many nodes the full one judged.
fn assert_incremental_work(incremental: &Value, full: &Value) -> u64 {
    let count = |work: &Value, field: &str| {
        work[field]
            .as_u64()
            .unwrap_or_else(|| panic!("no {field} in {work}"))
    };
    let judged = count(full, "evaluated_nodes");
    assert_eq!(count(full, "carried_over_nodes"), 0, "{full}");
    let evaluated = count(incremental, "evaluated_nodes");
    assert_eq!(
        evaluated + count(incremental, "carried_over_nodes"),
        judged,
        "every node judged once"
    );
    assert!(
        evaluated > 0 && evaluated * 2 < judged,
        "the incremental evaluation evaluated {evaluated} of {judged} nodes"
    );
    judged
}

/// Requires acme's open findings and compliance scores to be fresh's (more than `at_least`
/// findings); answers acme's findings.
async fn assert_same_findings_and_scores(
    app: &TestApp,
    (acme, fresh): (&str, &str),
    at_least: usize,
) -> BTreeMap<(String, String), Value> {
    let incremental_findings = open_findings(app, "acme", acme).await;
    let full_findings = open_findings(app, "fresh", fresh).await;
    assert!(
        full_findings.len() > at_least,
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
    for framework in ["cis-aws-foundations", "nist-800-53"] {
        let incremental_scores = scores(app, "acme", acme, framework).await;
        assert_eq!(
            incremental_scores,
            scores(app, "fresh", fresh, framework).await,
            "{framework}"
        );
        let controls = incremental_scores["controls"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(controls > 10, "{framework}: {controls} controls");
    }
    incremental_findings
}

#[tokio::test]
async fn a_rescan_evaluates_only_what_changed_and_finds_what_a_full_evaluation_finds() {
    let first = infracast::discovery::generate::generate_estate(400, 13);
    let second = rescanned(first.clone());
    let (app, _directory, acme, fresh) =
        fixture_app(&[("first.json", &first), ("second.json", &second)]).await;

    // One worker, one snapshot cache: acme's second evaluation starts from its first.
    let runtime = app.runtime();
    let initial = discover(&app, &runtime, "acme", &acme, "first.json").await;
    let rescan = discover(&app, &runtime, "acme", &acme, "second.json").await;
    // fresh has no snapshot in the cache the workers share: a full evaluation.
    let full = discover(&app, &app.runtime(), "fresh", &fresh, "second.json").await;

    let work = |job: &Value| job["progress"]["evaluation_work"].clone();
    let judged = assert_incremental_work(&work(&rescan), &work(&full));
    assert!(judged > 500, "{judged} nodes judged");
    // The rescan removed one instance.
    assert_eq!(work(&initial)["evaluated_nodes"], judged + 1);

    assert_same_findings_and_scores(&app, (&acme, &fresh), 500).await;
    // The changes changed findings: the rescan resolved some.
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
}

/// Creates an unencrypted volume, writes `changed_volume` anew and deletes an instance of
/// `tenant` through the API, then runs an on-demand evaluation; answers its counts.
async fn write_through_the_api_and_evaluate(
    app: &TestApp,
    runtime: &jobs::JobRuntime,
    tenant: &str,
    key: &str,
    changed_volume: &Value,
    gone_instance: &str,
) -> Value {
    // No update in the API: the volume is deleted (with its edges) and created again.
    let changed_id = changed_volume["id"].as_str().unwrap();
    let removed = app
        .delete(&format!("/api/v1/tenants/{tenant}/nodes/{changed_id}"), key)
        .await;
    assert!(removed.status.is_success(), "{}", removed.body);
    let rewritten = app
        .post(
            &format!("/api/v1/tenants/{tenant}/nodes"),
            key,
            changed_volume.clone(),
        )
        .await;
    assert_eq!(rewritten.status, StatusCode::CREATED, "{}", rewritten.body);
    let created = app
        .post(
            &format!("/api/v1/tenants/{tenant}/nodes"),
            key,
            json!({"id": "aws:us-east-1:aws.ec2.volume:vol-api", "properties": {"volume_id": "vol-api", "encrypted": false, "state": "available"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let deleted = app
        .delete(
            &format!("/api/v1/tenants/{tenant}/nodes/{gone_instance}"),
            key,
        )
        .await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    let queued = app
        .post(
            &format!("/api/v1/tenants/{tenant}/evaluations"),
            key,
            json!({}),
        )
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    let finished = jobs::run_next(runtime).await.unwrap().unwrap();
    assert_eq!(finished.status, "succeeded", "{:?}", finished.counts);
    finished.counts
}

#[tokio::test]
async fn an_evaluation_after_api_writes_starts_from_the_discoverys_results_and_finds_the_same() {
    let estate = infracast::discovery::generate::generate_estate(300, 29);
    let gone_instance = estate
        .nodes
        .iter()
        .find(|node| node.node_type == infracast::model::NodeType::Instance)
        .unwrap()
        .id
        .to_string();
    // An encrypted volume the API writes again unencrypted (under the same id, a row whose
    // stored content hash the write clears: the snapshot hashes it itself). Detached from the
    // start, so that only its content says it changed.
    let mut estate = estate;
    let volume = estate
        .nodes
        .iter()
        .find(|node| {
            node.node_type == infracast::model::NodeType::Volume
                && node.properties["encrypted"] == json!(true)
        })
        .unwrap()
        .clone();
    estate
        .edges
        .retain(|edge| edge.src != volume.id && edge.dst != volume.id);
    let mut changed_volume = serde_json::to_value(&volume).unwrap();
    changed_volume["properties"]["encrypted"] = json!(false);
    let changed_volume_id = volume.id.to_string();
    let (app, _directory, acme, fresh) = fixture_app(&[("estate.json", &estate)]).await;
    let runtime = app.runtime();
    discover(&app, &runtime, "acme", &acme, "estate.json").await;
    // The writes move the graph on: the evaluation loads the snapshot back from the store (with
    // the content hashes stored with the rows, and none for the node the API wrote).
    let incremental = write_through_the_api_and_evaluate(
        &app,
        &runtime,
        "acme",
        &acme,
        &changed_volume,
        &gone_instance,
    )
    .await;

    discover(&app, &runtime, "fresh", &fresh, "estate.json").await;
    // Forget fresh's snapshot, so that its evaluation is a full one.
    let full = write_through_the_api_and_evaluate(
        &app,
        &jobs::JobRuntime::new(
            app.pool.clone(),
            std::sync::Arc::new(infracast::snapshots::GraphSnapshots::default()),
            infracast::compliance::Catalog::builtin().unwrap(),
        ),
        "fresh",
        &fresh,
        &changed_volume,
        &gone_instance,
    )
    .await;

    let judged = assert_incremental_work(&incremental, &full);
    assert!(judged > 400, "{judged} nodes judged");
    assert_eq!(incremental["failing"], full["failing"]);
    let incremental_findings = assert_same_findings_and_scores(&app, (&acme, &fresh), 300).await;
    let api_volume = (
        "aws.ec2.volume_unencrypted".to_string(),
        "aws:us-east-1:aws.ec2.volume:vol-api".to_string(),
    );
    assert!(incremental_findings.contains_key(&api_volume));
    assert!(
        incremental_findings
            .contains_key(&("aws.ec2.volume_unencrypted".to_string(), changed_volume_id))
    );
    assert!(
        !incremental_findings
            .keys()
            .any(|(_, node)| *node == gone_instance)
    );
}
