//! Compliance scores over the sample estate, and how accepting a finding moves them.

use std::sync::Arc;

use infracast::jobs::{self, JobRuntime};
use infracast::snapshots::GraphSnapshots;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn control<'a>(controls: &'a Value, id: &str) -> &'a Value {
    controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|control| control["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn compliance_endpoints_score_the_sample_estate_with_formulas() {
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

    let summary = app
        .get("/api/v1/tenants/acme/compliance/summary", &key)
        .await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
    assert_eq!(
        summary.body["data"]["frameworks"].as_array().unwrap().len(),
        4
    );
    assert!(summary.body["data"]["last_evaluation"]["at"].is_string());
    let frameworks = app
        .get("/api/v1/tenants/acme/compliance/frameworks", &key)
        .await;
    assert!(
        frameworks.body["data"][0]["formula"]
            .as_str()
            .unwrap()
            .contains("PASS")
    );

    let cis = app
        .get(
            "/api/v1/tenants/acme/compliance/controls?framework=cis-aws-foundations",
            &key,
        )
        .await;
    assert_eq!(cis.status, StatusCode::OK, "{}", cis.body);
    let data = &cis.body["data"];
    // 5.2: the prod web groups (SSH) and sg-legacy-rdp (RDP) fail.
    let ssh = control(data, "5.2");
    assert_eq!(ssh["status"], "FAIL");
    let failing: Vec<&str> = ssh["failing_resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|resource| resource["node_id"].as_str().unwrap())
        .collect();
    assert!(
        failing.contains(&"aws:us-east-1:aws.ec2.security_group:sg-vpc-0prod-web")
            && failing.contains(&"aws:us-east-1:aws.ec2.security_group:sg-legacy-rdp"),
        "{failing:?}"
    );
    // 3.7: 2 VPCs evaluated, the shared one has no flow logs.
    let flow_logs = control(data, "3.7");
    assert_eq!(
        (
            flow_logs["resources_evaluated"].as_u64(),
            flow_logs["resources_failing"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(flow_logs["score"], 0.5);
    assert!(flow_logs["formula"].as_str().unwrap().contains("1 / 2"));
    // 5.3: no ::/0 admin rules anywhere.
    assert_eq!(control(data, "5.3")["status"], "PASS");

    // Accepting the shared VPC's flow-log finding: accepted, not passing.
    let finding = app
        .get(
            "/api/v1/tenants/acme/findings?rule_id=aws.vpc.flow_logs_disabled",
            &key,
        )
        .await;
    let finding_id = finding.body["data"][0]["id"].as_str().unwrap().to_string();
    let accepted = app
        .post(
            &format!("/api/v1/tenants/acme/findings/{finding_id}/accept"),
            &key,
            json!({"reason": "lab VPC"}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK);
    let after = app
        .get(
            "/api/v1/tenants/acme/compliance/controls?framework=cis-aws-foundations",
            &key,
        )
        .await;
    let flow_logs = control(&after.body["data"], "3.7");
    assert_eq!(
        (
            flow_logs["resources_accepted"].as_u64(),
            flow_logs["resources_failing"].as_u64(),
            flow_logs["resources_passing"].as_u64()
        ),
        (Some(1), Some(0), Some(1))
    );
    assert_eq!(flow_logs["score"], 0.5, "accepted is not passing");

    app.get("/api/v1/tenants/acme/compliance/controls", &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get(
        "/api/v1/tenants/acme/compliance/controls?framework=iso27001",
        &key,
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
}
