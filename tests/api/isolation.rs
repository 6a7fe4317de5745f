//! A key of tenant A on any of tenant B's routes gets 404, and B's data is unchanged.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{encode, spawn_app};

const NODE: &str = "aws:us-east-1:aws.ec2.instance:i-b1";
const VPC: &str = "aws:us-east-1:aws.ec2.vpc:vpc-b";

#[tokio::test]
async fn a_tenant_key_cannot_see_or_touch_another_tenant() {
    let app = spawn_app().await;
    let key_a = app.tenant_with_key("tenant-a", "enterprise", "admin").await;
    let key_b = app.tenant_with_key("tenant-b", "enterprise", "admin").await;
    app.post(
        "/api/v1/tenants/tenant-b/nodes",
        &key_b,
        json!({"id": NODE}),
    )
    .await;
    app.post("/api/v1/tenants/tenant-b/nodes", &key_b, json!({"id": VPC}))
        .await;
    let edge = app
        .post(
            "/api/v1/tenants/tenant-b/edges",
            &key_b,
            json!({"kind": "contains", "src": VPC, "dst": NODE}),
        )
        .await;
    let edge_id = edge.body["data"]["id"].as_str().unwrap().to_string();
    let token_a = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"api_key": key_a})),
        )
        .await
        .body["data"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();

    for credential in [&key_a, &token_a] {
        let attempts = [
            app.get("/api/v1/tenants/tenant-b/nodes", credential).await,
            app.get(
                &format!("/api/v1/tenants/tenant-b/nodes/{}", encode(NODE)),
                credential,
            )
            .await,
            app.post(
                "/api/v1/tenants/tenant-b/nodes",
                credential,
                json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-evil"}),
            )
            .await,
            app.delete(
                &format!("/api/v1/tenants/tenant-b/nodes/{}", encode(NODE)),
                credential,
            )
            .await,
            app.get("/api/v1/tenants/tenant-b/edges", credential).await,
            app.get(
                &format!("/api/v1/tenants/tenant-b/edges/{edge_id}"),
                credential,
            )
            .await,
            app.post(
                "/api/v1/tenants/tenant-b/edges",
                credential,
                json!({"kind": "contains", "src": NODE, "dst": VPC}),
            )
            .await,
            app.delete(
                &format!("/api/v1/tenants/tenant-b/edges/{edge_id}"),
                credential,
            )
            .await,
            app.get("/api/v1/tenants/tenant-b/api-keys", credential)
                .await,
            app.post(
                "/api/v1/tenants/tenant-b/api-keys",
                credential,
                json!({"role": "admin"}),
            )
            .await,
        ];
        for answer in &attempts {
            answer.assert_error(404, "NOT_FOUND");
        }
        // The same 404 as for a tenant that does not exist: no hint that tenant-b exists.
        let missing = app
            .get("/api/v1/tenants/no-such-tenant/nodes", credential)
            .await;
        assert_eq!(missing.body["error"], attempts[0].body["error"]);
    }

    let nodes = app.get("/api/v1/tenants/tenant-b/nodes", &key_b).await;
    assert_eq!(nodes.body["meta"]["total"], 2);
    let edges = app.get("/api/v1/tenants/tenant-b/edges", &key_b).await;
    assert_eq!(edges.body["meta"]["total"], 1);
    assert_eq!(
        app.get("/api/v1/tenants/tenant-b/api-keys", &key_b)
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Tenant A saw nothing of B's and gained nothing.
    assert_eq!(
        app.get("/api/v1/tenants/tenant-a/nodes", &key_a).await.body["meta"]["total"],
        0
    );
    assert_eq!(
        app.get("/api/v1/tenants/tenant-b/nodes", &app.platform_key)
            .await
            .status,
        StatusCode::OK
    );
}
