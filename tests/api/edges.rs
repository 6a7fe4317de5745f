use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

const VPC: &str = "aws:us-east-1:aws.ec2.vpc:vpc-1";
const SUBNET_A: &str = "aws:us-east-1:aws.ec2.subnet:subnet-a";
const SUBNET_B: &str = "aws:us-east-1:aws.ec2.subnet:subnet-b";
const INSTANCE: &str = "aws:us-east-1:aws.ec2.instance:i-1";

#[tokio::test]
async fn edges_are_created_listed_filtered_and_deleted() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    for id in [VPC, SUBNET_A, SUBNET_B, INSTANCE] {
        app.post("/api/v1/tenants/acme/nodes", &key, json!({"id": id}))
            .await;
    }
    let mut edge_ids = Vec::new();
    for (kind, src, dst) in [
        ("contains", VPC, SUBNET_A),
        ("contains", VPC, SUBNET_B),
        ("in_subnet", INSTANCE, SUBNET_A),
    ] {
        let created = app
            .post(
                "/api/v1/tenants/acme/edges",
                &key,
                json!({"kind": kind, "src": src, "dst": dst}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.body["data"]["src"], src);
        edge_ids.push(created.body["data"]["id"].as_str().unwrap().to_string());
    }
    // Ids are deterministic: the same (kind, src, dst) again is a conflict.
    app.post(
        "/api/v1/tenants/acme/edges",
        &key,
        json!({"kind": "contains", "src": VPC, "dst": SUBNET_A}),
    )
    .await
    .assert_error(409, "CONFLICT");

    let total = |path: String| {
        let app = &app;
        let key = key.clone();
        async move {
            let answer = app.get(&path, &key).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            answer.body["meta"]["total"].as_i64().unwrap()
        }
    };
    assert_eq!(total("/api/v1/tenants/acme/edges".into()).await, 3);
    assert_eq!(
        total("/api/v1/tenants/acme/edges?kind=contains".into()).await,
        2
    );
    assert_eq!(
        total("/api/v1/tenants/acme/edges?kind=in_subnet".into()).await,
        1
    );
    assert_eq!(
        total(format!("/api/v1/tenants/acme/edges?src={VPC}")).await,
        2
    );
    assert_eq!(
        total(format!("/api/v1/tenants/acme/edges?dst={SUBNET_A}")).await,
        2
    );
    assert_eq!(
        total(format!("/api/v1/tenants/acme/edges?node={SUBNET_A}")).await,
        2
    );
    assert_eq!(
        total(format!(
            "/api/v1/tenants/acme/edges?node={INSTANCE}&kind=contains"
        ))
        .await,
        0
    );
    let sorted = app.get("/api/v1/tenants/acme/edges?sort=-kind", &key).await;
    assert_eq!(sorted.body["data"][0]["kind"], "in_subnet");

    let fetched = app
        .get(&format!("/api/v1/tenants/acme/edges/{}", edge_ids[2]), &key)
        .await;
    assert_eq!(fetched.body["data"]["kind"], "in_subnet");
    assert_eq!(
        app.delete(&format!("/api/v1/tenants/acme/edges/{}", edge_ids[2]), &key)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    app.get(&format!("/api/v1/tenants/acme/edges/{}", edge_ids[2]), &key)
        .await
        .assert_error(404, "NOT_FOUND");
    app.delete(&format!("/api/v1/tenants/acme/edges/{}", edge_ids[2]), &key)
        .await
        .assert_error(404, "NOT_FOUND");
    assert_eq!(total("/api/v1/tenants/acme/edges".into()).await, 2);
}

#[tokio::test]
async fn edge_creation_requires_existing_ends_and_valid_fields() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    app.post("/api/v1/tenants/acme/nodes", &key, json!({"id": VPC}))
        .await;
    let missing_end = app
        .post(
            "/api/v1/tenants/acme/edges",
            &key,
            json!({"kind": "contains", "src": VPC, "dst": SUBNET_A}),
        )
        .await;
    assert!(
        missing_end
            .assert_error(400, "VALIDATION_ERROR")
            .contains(SUBNET_A)
    );
    let bad_kind = app
        .post(
            "/api/v1/tenants/acme/edges",
            &key,
            json!({"kind": "likes", "src": VPC, "dst": VPC}),
        )
        .await;
    assert!(
        bad_kind
            .assert_error(400, "VALIDATION_ERROR")
            .contains("likes")
    );
    let bad_id = app
        .post(
            "/api/v1/tenants/acme/edges",
            &key,
            json!({"kind": "contains", "src": "x", "dst": VPC}),
        )
        .await;
    assert!(bad_id.assert_error(400, "VALIDATION_ERROR").contains("src"));
    let self_loop = app
        .post(
            "/api/v1/tenants/acme/edges",
            &key,
            json!({"kind": "contains", "src": VPC, "dst": VPC}),
        )
        .await;
    self_loop.assert_error(400, "VALIDATION_ERROR");
    let unknown_filter = app.get("/api/v1/tenants/acme/edges?kind=likes", &key).await;
    unknown_filter.assert_error(400, "VALIDATION_ERROR");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM edges")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}
