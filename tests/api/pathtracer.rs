//! The path tracer and exposure endpoints over the sample estate, discovered by a fixture job.

use std::sync::Arc;

use infracast::jobs::{self, JobRuntime};
use infracast::snapshots::GraphSnapshots;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

const PROD_WEB: &str = "aws:us-east-1:aws.ec2.instance:i-0a0000";
const LEGACY_RDP: &str = "aws:us-east-1:aws.ec2.instance:i-0a0030";
const PROD_APP: &str = "aws:us-east-1:aws.ec2.instance:i-0a0008";
const SHARED_DB: &str = "aws:us-east-1:aws.ec2.instance:i-0b0020";

async fn sample_tenant(app: &TestApp) -> String {
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
    key
}

#[tokio::test]
async fn traces_answer_with_hops_and_dispositions() {
    let app = spawn_app().await;
    let key = sample_tenant(&app).await;
    let trace = |body: serde_json::Value| {
        let app = &app;
        let key = key.clone();
        async move {
            app.post("/api/v1/tenants/acme/pathtracer/trace", &key, body)
                .await
        }
    };
    let out = trace(json!({"source_node_id": PROD_WEB, "destination_cidr": "0.0.0.0/0", "port": 443, "protocol": "tcp"})).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert_eq!(out.body["data"]["reachable"], true);
    assert_eq!(out.body["data"]["disposition"], "EXITS_NETWORK");
    let components: Vec<&str> = out.body["data"]["forward_hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hop| hop["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        components,
        vec![
            "security_group_egress",
            "network_acl_outbound",
            "route_table",
            "internet_gateway"
        ]
    );

    // App tier to the shared database over the peering: the db group only admits the shared app tier.
    let peer = trace(json!({"source_node_id": PROD_APP, "destination_node_id": SHARED_DB, "port": 5432, "protocol": "tcp"})).await;
    assert_eq!(peer.status, StatusCode::OK, "{}", peer.body);
    assert_eq!(
        peer.body["data"]["disposition"], "ACCEPTED",
        "shared-db-open allows 5432 from anywhere: {}",
        peer.body
    );
    assert!(
        peer.body["data"]["forward_hops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|hop| hop["reason_code"] == "PEERING_FORWARDS")
    );

    let denied = trace(json!({"source_node_id": PROD_WEB, "destination_node_id": PROD_APP, "port": 5432, "protocol": "tcp"})).await;
    assert_eq!(denied.body["data"]["disposition"], "DENIED_IN");
    assert_eq!(
        denied.body["data"]["explanations"][0]["reason_code"],
        "SG_NO_MATCHING_INGRESS_RULE"
    );
    assert_eq!(
        denied.body["data"]["blocked_at"]["component"],
        "security_group_ingress"
    );
}

#[tokio::test]
async fn bad_trace_requests_and_unknown_nodes_get_400_and_other_tenants_404() {
    let app = spawn_app().await;
    let key = sample_tenant(&app).await;
    for (body, mentioned) in [
        (
            json!({"source_node_id": PROD_WEB, "destination_cidr": "0.0.0.0/33", "port": 443}),
            "destination_cidr",
        ),
        (
            json!({"source_node_id": PROD_WEB, "destination_cidr": "not-a-cidr", "port": 443}),
            "destination_cidr",
        ),
        (
            json!({"source_node_id": PROD_WEB, "destination_cidr": "0.0.0.0/0", "port": 70000}),
            "port",
        ),
        (
            json!({"source_node_id": PROD_WEB, "destination_cidr": "0.0.0.0/0"}),
            "port",
        ),
        (
            json!({"source_node_id": PROD_WEB, "destination_cidr": "0.0.0.0/0", "port": 1, "protocol": "gre"}),
            "protocol",
        ),
        (
            json!({"source_node_id": PROD_WEB, "port": 1}),
            "destination",
        ),
        (
            json!({"source_node_id": "nope", "destination_cidr": "0.0.0.0/0", "port": 1}),
            "source_node_id",
        ),
        (
            json!({"source_node_id": "aws:us-east-1:aws.ec2.vpc:vpc-0prod", "destination_cidr": "0.0.0.0/0", "port": 1}),
            "a network interface or the internet",
        ),
        (
            json!({"source_node_id": PROD_WEB, "destination_cidr": "0.0.0.0/0", "port": 1, "ttl": 3}),
            "ttl",
        ),
    ] {
        let answer = app
            .post("/api/v1/tenants/acme/pathtracer/trace", &key, body.clone())
            .await;
        let message = answer.assert_error(400, "VALIDATION_ERROR");
        assert!(
            message.contains(mentioned),
            "{body}: `{message}` should mention `{mentioned}`"
        );
    }
    let unknown = app
        .post("/api/v1/tenants/acme/pathtracer/trace", &key, json!({"source_node_id": "aws:us-east-1:aws.ec2.instance:i-ghost", "destination_cidr": "0.0.0.0/0", "port": 443}))
        .await;
    let message = unknown.assert_error(400, "VALIDATION_ERROR");
    assert!(message.contains("i-ghost"), "{message}");
    let other = app.tenant_with_key("other", "enterprise", "admin").await;
    app.post(
        "/api/v1/tenants/acme/pathtracer/trace",
        &other,
        json!({"source_node_id": PROD_WEB, "destination_cidr": "0.0.0.0/0", "port": 443}),
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn exposure_lists_reachable_instances_with_ports_and_proof() {
    let app = spawn_app().await;
    let key = sample_tenant(&app).await;
    let answer = app
        .get("/api/v1/tenants/acme/exposure?per_page=500", &key)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let entries = answer.body["data"].as_array().unwrap();
    let ids: Vec<&str> = entries
        .iter()
        .map(|entry| entry["node_id"].as_str().unwrap())
        .collect();
    // 8 prod web and 10 shared services have public addresses and groups open to the world; the
    // legacy bastion has a public address but admits SSH from 10.0.0.0/8 only. Plus the managed
    // endpoints of misconfigurations 14-16: the public database, the open function URL and the
    // open cluster endpoint (not the private database nor the IAM-only URL); and the load
    // balancers: the internet-facing ALB `prod-web` and the two private app instances behind it,
    // and the NLB `prod-nlb` (its target admits only the web group, so only the NLB itself).
    assert_eq!(answer.body["meta"]["total"], 25, "{ids:?}");
    for through_load_balancer in [
        "aws:us-east-1:aws.ec2.instance:i-0a0008",
        "aws:us-east-1:aws.ec2.instance:i-0a0009",
        "aws:us-east-1:aws.elbv2.load_balancer:arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/prod-web/vpc-0prod",
        "aws:us-east-1:aws.elbv2.load_balancer:arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/prod-nlb/vpc-0prod",
    ] {
        assert!(
            ids.contains(&through_load_balancer),
            "{through_load_balancer}: {ids:?}"
        );
    }
    for managed in [
        "aws:us-east-1:aws.rds.db_instance:shared-orders-db",
        "aws:us-east-1:aws.lambda.function:prod-webhook",
        "aws:us-east-1:aws.eks.cluster:prod-platform",
    ] {
        assert!(ids.contains(&managed), "{managed}: {ids:?}");
    }
    for private in [
        "aws:us-east-1:aws.rds.db_instance:prod-billing-db",
        "aws:us-east-1:aws.lambda.function:prod-resize",
    ] {
        assert!(!ids.contains(&private), "{private}");
    }
    assert!(!ids.contains(&"aws:us-east-1:aws.ec2.instance:i-0a0031"));
    assert!(ids.contains(&PROD_WEB));
    assert!(
        !ids.contains(&LEGACY_RDP),
        "RDP open on a private instance is not exposed"
    );
    let web = entries
        .iter()
        .find(|entry| entry["node_id"] == PROD_WEB)
        .unwrap();
    let ssh_open = web["open"].as_array().unwrap().iter().any(|open| {
        open["protocol"] == "tcp"
            && open["from_port"].as_u64() <= Some(22)
            && open["to_port"].as_u64() >= Some(22)
    });
    assert!(ssh_open, "{web}");
    assert_eq!(web["path"][0]["component"], "internet_gateway");
}
