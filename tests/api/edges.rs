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

/// `?sort=last_seen` on edges: an edge takes its source node's scope when it is created through
/// the API, and its `last_seen` follows that scope's scans. Scans and row times are set by hand
/// (as the owner); the computed times and their order are written out here.
#[tokio::test]
async fn edge_last_seen_order_follows_the_source_nodes_scope() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    let east_vpc = "aws:us-east-1:aws.ec2.vpc:vpc-e";
    let west_vpc = "aws:eu-west-1:aws.ec2.vpc:vpc-w";
    let east_subnets = ["subnet-e1", "subnet-e2", "subnet-e3"]
        .map(|raw| format!("aws:us-east-1:aws.ec2.subnet:{raw}"));
    let west_subnet = "aws:eu-west-1:aws.ec2.subnet:subnet-w1".to_string();
    for id in [east_vpc, west_vpc]
        .into_iter()
        .map(str::to_string)
        .chain(east_subnets.iter().cloned())
        .chain([west_subnet.clone()])
    {
        let created = app
            .post(
                "/api/v1/tenants/acme/nodes",
                &key,
                json!({"id": id, "account": "111"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    // (name, src, dst, own last_seen)
    let edges = [
        ("e1", east_vpc, east_subnets[0].as_str(), "09:00"),
        ("e2", east_vpc, east_subnets[1].as_str(), "10:30"),
        ("e3", east_vpc, east_subnets[2].as_str(), "09:30"),
        // From the west VPC into… the west subnet; its scope is eu-west-1's.
        ("w1", west_vpc, west_subnet.as_str(), "09:00"),
    ];
    let mut id_of = std::collections::HashMap::new();
    for (name, src, dst, seen) in edges {
        let created = app
            .post(
                "/api/v1/tenants/acme/edges",
                &key,
                json!({"kind": "contains", "src": src, "dst": dst}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.body["data"]["id"].as_str().unwrap().to_string();
        sqlx::query(
            "UPDATE edges SET last_seen = ('2026-01-01 ' || $2 || 'Z')::timestamptz
             WHERE tenant_id = 'acme' AND id = $1",
        )
        .bind(&id)
        .bind(seen)
        .execute(&app.pool)
        .await
        .unwrap();
        id_of.insert(id, name);
    }
    let scopes: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT scope_provider, scope_account, scope_region FROM edges WHERE tenant_id = 'acme'
         ORDER BY scope_region, id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let region_of = |region: &str| ("aws".to_string(), "111".to_string(), region.to_string());
    assert_eq!(
        scopes,
        vec![
            region_of("eu-west-1"),
            region_of("us-east-1"),
            region_of("us-east-1"),
            region_of("us-east-1")
        ],
        "every edge carries its source node's scope"
    );
    // us-east-1 scanned at 10:00: e1 and e3 sit there, e2 (10:30) is its own; eu-west-1 never.
    sqlx::query(
        "INSERT INTO scope_scans (tenant_id, provider, account, region, seen_at)
         VALUES ('acme', 'aws', '111', 'us-east-1', '2026-01-01 10:00Z')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut tied = [
        (id_of_name(&id_of, "e1"), "e1"),
        (id_of_name(&id_of, "e3"), "e3"),
    ];
    tied.sort();
    let mut ascending = vec![("w1", "2026-01-01T09:00:00Z")];
    ascending.extend(tied.iter().map(|(_, name)| (*name, "2026-01-01T10:00:00Z")));
    ascending.push(("e2", "2026-01-01T10:30:00Z"));
    for sort in ["last_seen", "-last_seen"] {
        let mut expected: Vec<(String, String)> = ascending
            .iter()
            .map(|(name, time)| (name.to_string(), time.to_string()))
            .collect();
        if sort.starts_with('-') {
            expected.reverse();
        }
        let mut walked = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(cursor) => {
                    format!("/api/v1/tenants/acme/edges?sort={sort}&per_page=1&cursor={cursor}")
                }
                None => format!("/api/v1/tenants/acme/edges?sort={sort}&per_page=1"),
            };
            let page = app.get(&url, &key).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            for edge in page.body["data"].as_array().unwrap() {
                let seen =
                    chrono::DateTime::parse_from_rfc3339(edge["last_seen"].as_str().unwrap())
                        .unwrap()
                        .with_timezone(&chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                let name = id_of[edge["id"].as_str().unwrap()];
                walked.push((name.to_string(), seen));
            }
            cursor = page.body["meta"]["next_cursor"]
                .as_str()
                .map(str::to_string);
            if cursor.is_none() {
                break;
            }
        }
        assert_eq!(walked, expected, "{sort}");
    }
}

fn id_of_name(ids: &std::collections::HashMap<String, &str>, name: &str) -> String {
    ids.iter()
        .find(|(_, found)| **found == name)
        .map(|(id, _)| id.clone())
        .unwrap()
}
