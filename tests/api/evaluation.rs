//! Discovery followed by evaluation on the sample estate: findings with path proofs, exposed versus
//! merely misconfigured, on-demand evaluations, and the rules API.

use std::sync::Arc;

use infracast::jobs::{self, JobRuntime};
use infracast::snapshots::GraphSnapshots;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn findings(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let answer = app
        .get(
            &format!("/api/v1/tenants/acme/findings?per_page=500&{query}"),
            key,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_sample_estate_yields_proven_and_unproven_network_findings() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    app.post(
        "/api/v1/tenants/acme/jobs",
        &key,
        json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
    )
    .await;
    let runtime = JobRuntime::new(
        app.pool.clone(),
        Arc::new(GraphSnapshots::default()),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    assert_eq!(
        jobs::run_next(&runtime).await.unwrap().unwrap().status,
        "succeeded"
    );

    // SSH is proven reachable on the 8 prod web instances, and on nothing else.
    let ssh = findings(
        &app,
        &key,
        "rule_id=aws.ec2.instance_ssh_exposed_to_internet",
    )
    .await;
    assert_eq!(ssh.len(), 8, "{ssh:#?}");
    assert!(
        ssh.iter()
            .all(|finding| finding["node_id"].as_str().unwrap().contains("i-0a000"))
    );
    assert_eq!(ssh[0]["severity"], "critical");
    assert_eq!(
        ssh[0]["evidence"]["path_proof"]["hops"][0]["component"],
        "internet_gateway"
    );

    // RDP open to the world on a group whose only member is private: misconfigured, not exposed.
    let rdp = findings(&app, &key, "rule_id=aws.ec2.sg_rdp_open_to_internet").await;
    assert_eq!(rdp.len(), 1);
    assert_eq!(
        rdp[0]["node_id"],
        "aws:us-east-1:aws.ec2.security_group:sg-legacy-rdp"
    );
    assert_eq!(rdp[0]["evidence"]["exposed_members"], json!([]));
    assert!(
        findings(
            &app,
            &key,
            "rule_id=aws.ec2.instance_rdp_exposed_to_internet"
        )
        .await
        .is_empty()
    );
    let web_ssh = findings(&app, &key, "rule_id=aws.ec2.sg_ssh_open_to_internet").await;
    let prod_web_group = web_ssh
        .iter()
        .find(|finding| {
            finding["node_id"] == "aws:us-east-1:aws.ec2.security_group:sg-vpc-0prod-web"
        })
        .unwrap();
    assert_eq!(
        prod_web_group["evidence"]["members"], 18,
        "8 instances, their 8 ENIs and the two application load balancers (prod-web, prod-internal)"
    );
    assert_eq!(
        prod_web_group["evidence"]["exposed_members"]
            .as_array()
            .unwrap()
            .len(),
        9,
        "the 8 instances and the internet-facing ALB prod-web are reachable (not the internal ALB)"
    );

    assert_eq!(
        findings(&app, &key, "rule_id=aws.ec2.volume_unencrypted")
            .await
            .len(),
        10
    );
    assert_eq!(
        findings(&app, &key, "rule_id=aws.ec2.snapshot_public")
            .await
            .len(),
        1
    );
    assert_eq!(
        findings(&app, &key, "rule_id=aws.ec2.ebs_encryption_by_default_off")
            .await
            .len(),
        1
    );
    let flow_logs = findings(&app, &key, "rule_id=aws.vpc.flow_logs_disabled").await;
    assert_eq!(flow_logs.len(), 1);
    assert_eq!(
        flow_logs[0]["node_id"],
        "aws:us-east-1:aws.ec2.vpc:vpc-0shared"
    );
    assert_eq!(
        findings(&app, &key, "rule_id=aws.vpc.peering_route_too_broad")
            .await
            .len(),
        2,
        "both prod route tables send 10.0.0.0/8"
    );

    // A finding's detail carries its rule.
    let detail = app
        .get(
            &format!(
                "/api/v1/tenants/acme/findings/{}",
                rdp[0]["id"].as_str().unwrap()
            ),
            &key,
        )
        .await;
    assert_eq!(
        detail.body["data"]["rule"]["id"],
        "aws.ec2.sg_rdp_open_to_internet"
    );
    assert!(detail.body["data"]["rule"]["remediation"]["text"].is_string());
}

#[tokio::test]
async fn on_demand_evaluation_and_the_rules_api() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "analyst").await;
    let rules = app.get("/api/v1/tenants/acme/rules", &key).await;
    assert!(rules.body["data"].as_array().unwrap().len() >= 40);
    let rule = app
        .get(
            "/api/v1/tenants/acme/rules/aws.ec2.volume_unencrypted",
            &key,
        )
        .await;
    assert_eq!(rule.body["data"]["severity"], "high");
    app.get("/api/v1/tenants/acme/rules/aws.nope", &key)
        .await
        .assert_error(404, "NOT_FOUND");

    // A hand-made unencrypted volume, then an on-demand evaluation.
    let admin = app.key_for("acme", "admin").await;
    let created = app
        .post("/api/v1/tenants/acme/nodes", &admin, json!({"id": "aws:us-east-1:aws.ec2.volume:vol-9", "properties": {"volume_id": "vol-9", "encrypted": false, "state": "available"}}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let queued = app
        .post("/api/v1/tenants/acme/evaluations", &key, json!({}))
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.body);
    let runtime = JobRuntime::new(
        app.pool.clone(),
        Arc::new(GraphSnapshots::default()),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    let finished = jobs::run_next(&runtime).await.unwrap().unwrap();
    assert_eq!(finished.status, "succeeded");
    assert_eq!(
        finished.job_id.to_string(),
        queued.body["data"]["job_id"].as_str().unwrap()
    );
    let open = findings(&app, &key, "node_id=aws:us-east-1:aws.ec2.volume:vol-9").await;
    let rule_ids: Vec<&str> = open
        .iter()
        .map(|finding| finding["rule_id"].as_str().unwrap())
        .collect();
    assert!(
        rule_ids.contains(&"aws.ec2.volume_unencrypted")
            && rule_ids.contains(&"aws.ec2.volume_unattached"),
        "{rule_ids:?}"
    );

    let viewer = app.key_for("acme", "viewer").await;
    app.post("/api/v1/tenants/acme/evaluations", &viewer, json!({}))
        .await
        .assert_error(403, "FORBIDDEN");
}

/// How many column statistics the planner holds for `table` (none until it is analysed). On
/// Citus they live with the shards on the workers, where a tenant's queries are planned (the
/// coordinator's table is an empty shell), so there they are counted over every shard.
async fn statistics_rows(app: &TestApp, table: &str) -> i64 {
    if infracast::store::citus::is_citus(&app.pool).await.unwrap() {
        let per_shard: Vec<String> = sqlx::query_scalar(
            "SELECT result FROM run_command_on_shards($1,
                 'SELECT count(*) FROM pg_statistic WHERE starelid = ''%s''::regclass')",
        )
        .bind(table)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        return per_shard
            .iter()
            .map(|count| count.parse::<i64>().unwrap_or_else(|_| panic!("{count}")))
            .sum();
    }
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename = $1",
    )
    .bind(table)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_bulk_import_and_its_evaluation_leave_fresh_planner_statistics() {
    // 3,000 instances: ~10.5k nodes, ~21k edges and ~13k findings, each past the bulk threshold.
    let directory = tempfile::tempdir().unwrap();
    let app =
        crate::helpers::spawn_app_with_policy(infracast::model::provider_config::DiscoveryPolicy {
            fixture_dir: Some(directory.path().to_path_buf()),
            ..Default::default()
        })
        .await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let inventory = infracast::discovery::generate::generate_estate(3_000, 7);
    assert!(inventory.nodes.len() as u64 >= infracast::store::statistics::BULK_WRITE_ROWS);
    std::fs::write(
        directory.path().join("estate.json"),
        serde_json::to_string(&inventory).unwrap(),
    )
    .unwrap();
    for table in ["nodes", "edges", "findings"] {
        assert_eq!(
            statistics_rows(&app, table).await,
            0,
            "{table} analysed already"
        );
    }
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"file": "estate.json"}, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let mut runtime = JobRuntime::new(
        app.pool.clone(),
        Arc::new(GraphSnapshots::default()),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    runtime.policy.fixture_dir = Some(directory.path().to_path_buf());
    assert_eq!(
        jobs::run_next(&runtime).await.unwrap().unwrap().status,
        "succeeded"
    );
    // Analysed by the job itself, before autovacuum would have looked.
    for table in ["nodes", "edges", "findings"] {
        assert!(
            statistics_rows(&app, table).await > 0,
            "{table} not analysed"
        );
    }
}
