use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, encode, spawn_app};

fn ids(answer: &Value) -> Vec<String> {
    answer["data"]
        .as_array()
        .expect("data is a list")
        .iter()
        .map(|node| node["id"].as_str().unwrap().to_string())
        .collect()
}

/// Five nodes over two regions, two types, two accounts, with tags.
async fn seed(app: &TestApp, key: &str) {
    let nodes = [
        json!({"id": "aws:us-east-1:aws.ec2.instance:i-web1", "name": "web-01", "account": "111", "tags": {"env": "prod", "team": "web"}}),
        json!({"id": "aws:us-east-1:aws.ec2.instance:i-web2", "name": "web-02", "account": "111", "tags": {"env": "dev"}}),
        json!({"id": "aws:eu-west-1:aws.ec2.instance:i-db1", "name": "db-primary", "account": "222", "tags": {"env": "prod"}}),
        json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "name": "core-vpc", "account": "111"}),
        json!({"id": "aws:eu-west-1:aws.ec2.security_group:sg-1", "name": "Web_SG 100%", "account": "222"}),
    ];
    for node in nodes {
        let created = app.post("/api/v1/tenants/acme/nodes", key, node).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
}

#[tokio::test]
async fn create_get_and_delete_a_node() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    let id = "aws:us-east-1:aws.ec2.instance:i-0abc123";
    let created = app
        .post(
            "/api/v1/tenants/acme/nodes",
            &key,
            json!({"id": id, "type": "aws.ec2.instance", "name": "web-01", "account": "111",
                   "tags": {"env": "prod"}, "properties": {"state": "running"}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let node = &created.body["data"];
    assert_eq!(node["region"], "us-east-1");
    assert_eq!(node["provider"], "aws");
    assert_eq!(node["type"], "aws.ec2.instance");
    assert!(node["first_seen"].is_string());

    let fetched = app
        .get(&format!("/api/v1/tenants/acme/nodes/{}", encode(id)), &key)
        .await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body["data"]["properties"]["state"], "running");
    assert_eq!(fetched.body["data"]["tags"]["env"], "prod");

    app.post("/api/v1/tenants/acme/nodes", &key, json!({"id": id}))
        .await
        .assert_error(409, "CONFLICT");

    let deleted = app
        .delete(&format!("/api/v1/tenants/acme/nodes/{}", encode(id)), &key)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&format!("/api/v1/tenants/acme/nodes/{}", encode(id)), &key)
        .await
        .assert_error(404, "NOT_FOUND");
    app.delete(&format!("/api/v1/tenants/acme/nodes/{}", encode(id)), &key)
        .await
        .assert_error(404, "NOT_FOUND");
    // Deleted ids can be created again.
    let again = app
        .post("/api/v1/tenants/acme/nodes", &key, json!({"id": id}))
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
}

#[tokio::test]
async fn node_creation_validates_id_type_and_fields() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    let cases = [
        (
            json!({"id": "not-an-id"}),
            "provider:region:type:resource-id",
        ),
        (
            json!({"id": "aws:us-east-1:aws.nosuch.thing:b"}),
            "aws.nosuch.thing",
        ),
        (
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "type": "aws.ec2.subnet"}),
            "aws.ec2.subnet",
        ),
        (
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "type": "aws.nope"}),
            "aws.nope",
        ),
        (
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "region": "eu-west-1"}),
            "eu-west-1",
        ),
        (
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "properties": [1, 2]}),
            "properties",
        ),
        (
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "tags": {"env": 5}}),
            "tags",
        ),
        (
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "colour": "red"}),
            "colour",
        ),
    ];
    for (body, mentioned) in cases {
        let answer = app
            .post("/api/v1/tenants/acme/nodes", &key, body.clone())
            .await;
        let message = answer.assert_error(400, "VALIDATION_ERROR");
        assert!(
            message.contains(mentioned),
            "message for {body} should mention `{mentioned}`: {message}"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM nodes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "rejected bodies must not create anything");
}

#[tokio::test]
async fn list_filters_by_every_documented_parameter() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    seed(&app, &key).await;
    let list = |query: &str| {
        let app = &app;
        let key = key.clone();
        let path = format!("/api/v1/tenants/acme/nodes?sort=name&{query}");
        async move {
            let answer = app.get(&path, &key).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            ids(&answer.body)
        }
    };
    let web1 = "aws:us-east-1:aws.ec2.instance:i-web1";
    let web2 = "aws:us-east-1:aws.ec2.instance:i-web2";
    let db1 = "aws:eu-west-1:aws.ec2.instance:i-db1";
    let vpc = "aws:us-east-1:aws.ec2.vpc:vpc-1";
    let sg = "aws:eu-west-1:aws.ec2.security_group:sg-1";

    assert_eq!(list("types=aws.ec2.instance").await, vec![db1, web1, web2]);
    assert_eq!(
        list("types=aws.ec2.vpc,aws.ec2.security_group").await,
        vec![sg, vpc]
    );
    assert_eq!(list("region=eu-west-1").await, vec![sg, db1]);
    assert_eq!(list("provider=aws").await.len(), 5);
    assert!(list("provider=gcp").await.is_empty());
    assert_eq!(list("account=222").await, vec![sg, db1]);
    assert_eq!(list("q=WEB").await, vec![sg, web1, web2]);
    // LIKE wildcards in `q` are literal characters.
    assert_eq!(list("q=100%25").await, vec![sg]);
    assert_eq!(list("q=b_0").await, Vec::<String>::new());
    assert_eq!(list("tag=env:prod").await, vec![db1, web1]);
    assert_eq!(list("tag=env:prod&tag=team:web").await, vec![web1]);
    assert_eq!(
        list("types=aws.ec2.instance&region=us-east-1&tag=env:dev").await,
        vec![web2]
    );
}

#[tokio::test]
async fn list_sorts_ascending_and_descending_by_each_field() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    seed(&app, &key).await;
    let names = |answer: &Value| -> Vec<String> {
        answer["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| node["name"].as_str().unwrap().to_string())
            .collect()
    };
    let by_name = app.get("/api/v1/tenants/acme/nodes?sort=name", &key).await;
    assert_eq!(
        names(&by_name.body),
        vec!["Web_SG 100%", "core-vpc", "db-primary", "web-01", "web-02"]
    );
    let by_name_desc = app.get("/api/v1/tenants/acme/nodes?sort=-name", &key).await;
    assert_eq!(
        names(&by_name_desc.body),
        vec!["web-02", "web-01", "db-primary", "core-vpc", "Web_SG 100%"]
    );
    let by_type = app.get("/api/v1/tenants/acme/nodes?sort=-type", &key).await;
    assert_eq!(by_type.body["data"][0]["type"], "aws.ec2.vpc");
    assert_eq!(by_type.body["data"][4]["type"], "aws.ec2.instance");
    // Created in seed order, so created_at (and first_seen) order is the seed order.
    for field in ["created_at", "first_seen", "last_seen"] {
        let ascending = app
            .get(&format!("/api/v1/tenants/acme/nodes?sort={field}"), &key)
            .await;
        assert_eq!(
            names(&ascending.body),
            vec!["web-01", "web-02", "db-primary", "core-vpc", "Web_SG 100%"],
            "{field}"
        );
        let descending = app
            .get(&format!("/api/v1/tenants/acme/nodes?sort=-{field}"), &key)
            .await;
        assert_eq!(names(&descending.body)[0], "Web_SG 100%", "-{field}");
    }
}

#[tokio::test]
async fn pages_and_cursors_walk_every_node_exactly_once() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    for index in 0..23 {
        let id = format!("aws:us-east-1:aws.ec2.instance:i-{index:03}");
        app.post(
            "/api/v1/tenants/acme/nodes",
            &key,
            json!({"id": id, "name": format!("node-{:03}", 22 - index)}),
        )
        .await;
    }
    let page_three = app
        .get(
            "/api/v1/tenants/acme/nodes?sort=name&per_page=10&page=3",
            &key,
        )
        .await;
    assert_eq!(page_three.body["meta"]["total"], 23);
    assert_eq!(page_three.body["meta"]["total_pages"], 3);
    assert_eq!(page_three.body["meta"]["page"], 3);
    assert_eq!(page_three.body["meta"]["per_page"], 10);
    assert_eq!(page_three.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(page_three.body["data"][0]["name"], "node-020");

    for sort in ["name", "-name", "created_at", "-last_seen", "type"] {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/tenants/acme/nodes?sort={sort}&per_page=7");
            if let Some(cursor) = &cursor {
                path.push_str(&format!("&cursor={cursor}"));
            }
            let page = app.get(&path, &key).await;
            assert_eq!(page.status, StatusCode::OK, "{}", page.body);
            seen.extend(ids(&page.body));
            match page.body["meta"]["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), 23, "sort {sort} returned {} rows", seen.len());
        assert_eq!(unique.len(), 23, "sort {sort} repeated rows");
        if sort == "name" {
            assert_eq!(
                seen.first().unwrap(),
                "aws:us-east-1:aws.ec2.instance:i-022"
            );
        }
    }
    // A cursor made for one sort cannot be used with another.
    let first = app
        .get("/api/v1/tenants/acme/nodes?sort=name&per_page=5", &key)
        .await;
    let cursor = first.body["meta"]["next_cursor"].as_str().unwrap();
    let mismatched = app
        .get(
            &format!("/api/v1/tenants/acme/nodes?sort=type&cursor={cursor}"),
            &key,
        )
        .await;
    assert!(
        mismatched
            .assert_error(400, "VALIDATION_ERROR")
            .contains("cursor")
    );
}

#[tokio::test]
async fn deleting_a_node_removes_its_edges() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "admin").await;
    seed(&app, &key).await;
    let vpc = "aws:us-east-1:aws.ec2.vpc:vpc-1";
    for instance in [
        "aws:us-east-1:aws.ec2.instance:i-web1",
        "aws:us-east-1:aws.ec2.instance:i-web2",
    ] {
        let edge = app
            .post(
                "/api/v1/tenants/acme/edges",
                &key,
                json!({"kind": "contains", "src": vpc, "dst": instance}),
            )
            .await;
        assert_eq!(edge.status, StatusCode::CREATED, "{}", edge.body);
    }
    let untouched = app
        .post(
            "/api/v1/tenants/acme/edges",
            &key,
            json!({"kind": "member_of", "src": "aws:us-east-1:aws.ec2.instance:i-web1", "dst": "aws:eu-west-1:aws.ec2.security_group:sg-1"}),
        )
        .await;
    assert_eq!(untouched.status, StatusCode::CREATED);
    assert_eq!(
        app.delete(&format!("/api/v1/tenants/acme/nodes/{}", encode(vpc)), &key)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let remaining = app.get("/api/v1/tenants/acme/edges", &key).await;
    assert_eq!(remaining.body["meta"]["total"], 1);
    assert_eq!(remaining.body["data"][0]["kind"], "member_of");
}

#[tokio::test]
async fn viewers_and_analysts_read_but_may_not_write() {
    let app = spawn_app().await;
    let admin = app.tenant_with_key("acme", "pro", "admin").await;
    seed(&app, &admin).await;
    for role in ["viewer", "analyst"] {
        let key = app.key_for("acme", role).await;
        assert_eq!(
            app.get("/api/v1/tenants/acme/nodes", &key).await.body["meta"]["total"],
            5
        );
        app.post(
            "/api/v1/tenants/acme/nodes",
            &key,
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-9"}),
        )
        .await
        .assert_error(403, "FORBIDDEN");
        app.delete(
            &format!(
                "/api/v1/tenants/acme/nodes/{}",
                encode("aws:us-east-1:aws.ec2.vpc:vpc-1")
            ),
            &key,
        )
        .await
        .assert_error(403, "FORBIDDEN");
        app.post(
            "/api/v1/tenants/acme/api-keys",
            &key,
            json!({"role": "admin"}),
        )
        .await
        .assert_error(403, "FORBIDDEN");
    }
    assert_eq!(
        app.get("/api/v1/tenants/acme/nodes", &admin).await.body["meta"]["total"],
        5
    );
}

/// `?sort=last_seen` over scopes scanned at different times, each node's `last_seen` set by hand
/// (as the owner) against its scope's scan: the computed times and their order are written out
/// here, not derived.
#[tokio::test]
async fn last_seen_order_merges_scopes_scanned_at_different_times() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "viewer").await;
    // (raw id, region, account, own last_seen, deleted) — scans: us-east-1/111 at 10:00,
    // eu-west-1/111 at 09:45, us-east-1/222 never.
    let rows = [
        ("a1", "us-east-1", "111", "09:00", false),
        ("a2", "us-east-1", "111", "09:30", false),
        ("a3", "us-east-1", "111", "10:30", false),
        ("a4", "us-east-1", "111", "10:00", false),
        ("a5", "us-east-1", "111", "12:00", true),
        ("b1", "eu-west-1", "111", "09:00", false),
        ("b2", "eu-west-1", "111", "11:00", false),
        ("c1", "us-east-1", "222", "08:00", false),
        ("c2", "us-east-1", "222", "10:00", false),
    ];
    for (raw, region, account, seen, deleted) in rows {
        sqlx::query(
            "INSERT INTO nodes (tenant_id, id, type, provider, region, account, name, last_seen, deleted_at)
             VALUES ('acme', $1, 'aws.ec2.vpc', 'aws', $2, $3, $4, ('2026-01-01 ' || $5 || 'Z')::timestamptz,
                     CASE WHEN $6 THEN now() END)",
        )
        .bind(format!("aws:{region}:aws.ec2.vpc:{raw}"))
        .bind(region)
        .bind(account)
        .bind(raw)
        .bind(seen)
        .bind(deleted)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    for (region, seen_at) in [("us-east-1", "10:00"), ("eu-west-1", "09:45")] {
        sqlx::query(
            "INSERT INTO scope_scans (tenant_id, provider, account, region, seen_at)
             VALUES ('acme', 'aws', '111', $1, ('2026-01-01 ' || $2 || 'Z')::timestamptz)",
        )
        .bind(region)
        .bind(seen_at)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    // Computed: a1, a2, a4 at their scope's 10:00; b1 at 09:45; the rest their own. Ties by id
    // ("aws:eu-west-1:…" < "aws:us-east-1:…").
    let ascending = [
        ("c1", "08:00"),
        ("b1", "09:45"),
        ("a1", "10:00"),
        ("a2", "10:00"),
        ("a4", "10:00"),
        ("c2", "10:00"),
        ("a3", "10:30"),
        ("b2", "11:00"),
    ];
    let expected = |sort: &str, region: Option<&str>| -> Vec<(String, String)> {
        let mut order: Vec<(String, String)> = ascending
            .iter()
            .filter(|(raw, _)| match region {
                Some("eu-west-1") => raw.starts_with('b'),
                Some(_) => !raw.starts_with('b'),
                None => true,
            })
            .map(|(raw, time)| (raw.to_string(), format!("2026-01-01T{time}:00Z")))
            .collect();
        if sort.starts_with('-') {
            order.reverse();
        }
        order
    };
    let listed = |answer: &Value| -> Vec<(String, String)> {
        answer["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|node| {
                let seen =
                    chrono::DateTime::parse_from_rfc3339(node["last_seen"].as_str().unwrap())
                        .unwrap()
                        .with_timezone(&chrono::Utc)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                (node["name"].as_str().unwrap().to_string(), seen)
            })
            .collect()
    };
    for sort in ["last_seen", "-last_seen"] {
        for region in [None, Some("us-east-1"), Some("eu-west-1")] {
            let filter = region.map_or(String::new(), |region| format!("&region={region}"));
            // One page of everything, then pages of three by cursor and by number.
            let whole = app
                .get(
                    &format!("/api/v1/tenants/acme/nodes?sort={sort}{filter}&per_page=100"),
                    &key,
                )
                .await;
            assert_eq!(whole.status, 200, "{}", whole.body);
            assert_eq!(
                listed(&whole.body),
                expected(sort, region),
                "{sort} {filter}"
            );
            let mut walked = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let url = match &cursor {
                    Some(cursor) => format!(
                        "/api/v1/tenants/acme/nodes?sort={sort}{filter}&per_page=3&cursor={cursor}"
                    ),
                    None => format!("/api/v1/tenants/acme/nodes?sort={sort}{filter}&per_page=3"),
                };
                let page = app.get(&url, &key).await;
                assert_eq!(page.status, 200, "{}", page.body);
                walked.extend(listed(&page.body));
                cursor = page.body["meta"]["next_cursor"]
                    .as_str()
                    .map(str::to_string);
                if cursor.is_none() {
                    break;
                }
            }
            assert_eq!(
                walked,
                expected(sort, region),
                "cursor walk {sort} {filter}"
            );
            let second = app
                .get(
                    &format!("/api/v1/tenants/acme/nodes?sort={sort}{filter}&per_page=3&page=2"),
                    &key,
                )
                .await;
            let wanted: Vec<_> = expected(sort, region).into_iter().skip(3).take(3).collect();
            assert_eq!(listed(&second.body), wanted, "page 2 {sort} {filter}");
        }
    }
    // Type filters, one type or several (one part per type): every VPC, in the same order.
    for types in ["aws.ec2.vpc", "aws.ec2.instance,aws.ec2.vpc,aws.ec2.subnet"] {
        let answer = app
            .get(
                &format!("/api/v1/tenants/acme/nodes?sort=last_seen&types={types}&per_page=100"),
                &key,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(listed(&answer.body), expected("last_seen", None), "{types}");
    }
    // A type filter applies inside every scope: none of these VPCs is an instance.
    let instances = app
        .get(
            "/api/v1/tenants/acme/nodes?sort=-last_seen&types=aws.ec2.instance",
            &key,
        )
        .await;
    assert_eq!(instances.status, 200, "{}", instances.body);
    assert_eq!(instances.body["data"], json!([]));
}

/// Past 64 scopes the list sorts the matching rows instead of merging per-scope ranges; the order
/// is the same. 70 regions, one node each, every other one scanned after its node's own time.
#[tokio::test]
async fn last_seen_order_over_more_scopes_than_one_query_merges_is_the_same_order() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "pro", "viewer").await;
    for index in 0..70 {
        let region = format!("region-{index:02}");
        // Own times count down; even regions' scans lift their node to 12:00 + index minutes.
        sqlx::query(
            "INSERT INTO nodes (tenant_id, id, type, provider, region, account, name, last_seen)
             VALUES ('acme', $1, 'aws.ec2.vpc', 'aws', $2, '111', $2,
                     '2026-01-01 11:00Z'::timestamptz - make_interval(mins => $3))",
        )
        .bind(format!("aws:{region}:aws.ec2.vpc:vpc-{index:02}"))
        .bind(&region)
        .bind(index)
        .execute(&app.pool)
        .await
        .unwrap();
        if index % 2 == 0 {
            sqlx::query(
                "INSERT INTO scope_scans (tenant_id, provider, account, region, seen_at)
                 VALUES ('acme', 'aws', '111', $1, '2026-01-01 12:00Z'::timestamptz + make_interval(mins => $2))",
            )
            .bind(&region)
            .bind(index)
            .execute(&app.pool)
            .await
            .unwrap();
        }
    }
    // Newest first: the scanned (even) regions from 68 down to 0, then the others from 1 up to 69
    // (their own times count down with the index).
    let mut expected: Vec<String> = (0..70)
        .rev()
        .filter(|index| index % 2 == 0)
        .map(|index| format!("region-{index:02}"))
        .collect();
    expected.extend(
        (0..70)
            .filter(|index| index % 2 == 1)
            .map(|index| format!("region-{index:02}")),
    );
    let answer = app
        .get(
            "/api/v1/tenants/acme/nodes?sort=-last_seen&per_page=100",
            &key,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let names: Vec<String> = answer.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, expected);
}
