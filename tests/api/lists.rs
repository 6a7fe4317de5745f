//! Every list pages, sorts and filters the same way (issue 18): jobs sort by creation time and
//! filter by kind, rules page, closed vocabularies in a query may be written in upper case.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn jobs_sort_filter_by_kind_and_take_upper_case_statuses() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let mut created = Vec::new();
    for _ in 0..3 {
        let answer = app
            .post(
                "/api/v1/tenants/acme/jobs",
                &key,
                json!({"provider": "fixture", "config": {"sample": true}}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        created.push(answer.body["data"]["id"].as_str().unwrap().to_string());
    }
    let evaluation = app
        .post("/api/v1/tenants/acme/evaluations", &key, json!({}))
        .await;
    assert_eq!(
        evaluation.status,
        StatusCode::ACCEPTED,
        "{}",
        evaluation.body
    );
    let ids = |answer: &crate::helpers::Answer| -> Vec<String> {
        answer.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|job| job["id"].as_str().unwrap().to_string())
            .collect()
    };
    let oldest_first = app
        .get(
            "/api/v1/tenants/acme/jobs?kind=discovery&sort=created_at",
            &key,
        )
        .await;
    assert_eq!(oldest_first.status, StatusCode::OK, "{}", oldest_first.body);
    assert_eq!(ids(&oldest_first), created);
    let newest_first = app
        .get(
            "/api/v1/tenants/acme/jobs?kind=DISCOVERY&sort=-created_at",
            &key,
        )
        .await;
    let mut reversed = created.clone();
    reversed.reverse();
    assert_eq!(ids(&newest_first), reversed);
    let evaluations = app
        .get("/api/v1/tenants/acme/jobs?kind=evaluation", &key)
        .await;
    assert_eq!(evaluations.body["meta"]["total"], 1, "{}", evaluations.body);
    let created_only = app
        .get("/api/v1/tenants/acme/jobs?status=CREATED", &key)
        .await;
    assert_eq!(
        created_only.body["meta"]["total"], 3,
        "{}",
        created_only.body
    );
    for bad in ["sort=status", "kind=backup", "status=Created"] {
        let answer = app
            .get(&format!("/api/v1/tenants/acme/jobs?{bad}"), &key)
            .await;
        answer.assert_error(400, "VALIDATION_ERROR");
    }
}

#[tokio::test]
async fn rules_page_and_filter() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "viewer").await;
    let all = app
        .get("/api/v1/tenants/acme/rules?per_page=500", &key)
        .await;
    let total = all.body["meta"]["total"].as_i64().unwrap();
    assert!(total > 2, "{}", all.body);
    let mut walked = Vec::new();
    let mut page = 1;
    loop {
        let answer = app
            .get(
                &format!("/api/v1/tenants/acme/rules?per_page=2&page={page}"),
                &key,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let rows = answer.body["data"].as_array().unwrap().clone();
        assert!(rows.len() <= 2);
        if rows.is_empty() {
            break;
        }
        assert_eq!(answer.body["meta"]["per_page"], 2);
        walked.extend(
            rows.into_iter()
                .map(|rule| rule["id"].as_str().unwrap().to_string()),
        );
        page += 1;
    }
    let expected: Vec<String> = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(walked, expected);
    let critical = app
        .get(
            "/api/v1/tenants/acme/rules?severity=CRITICAL&per_page=500",
            &key,
        )
        .await;
    let critical_rows = critical.body["data"].as_array().unwrap();
    assert!(!critical_rows.is_empty());
    assert!(critical_rows.iter().all(|rule| {
        rule["severity"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("critical")
    }));
    let instances = app
        .get(
            "/api/v1/tenants/acme/rules?resource=aws.ec2.instance&per_page=500",
            &key,
        )
        .await;
    let instance_rows = instances.body["data"].as_array().unwrap();
    assert!(!instance_rows.is_empty() && (instance_rows.len() as i64) < total);
    assert!(
        instance_rows
            .iter()
            .all(|rule| rule["resource"] == "aws.ec2.instance")
    );
    app.get("/api/v1/tenants/acme/rules?limit=2", &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn finding_statuses_may_be_written_in_upper_case() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "viewer").await;
    for query in [
        "status=OPEN",
        "status=open,ACCEPTED",
        "severity=HIGH,critical",
    ] {
        let answer = app
            .get(&format!("/api/v1/tenants/acme/findings?{query}"), &key)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    }
    app.get("/api/v1/tenants/acme/findings?status=Open", &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_frameworks_controls_page_and_filter_by_status() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "viewer").await;
    let base = "/api/v1/tenants/acme/compliance/controls?framework=nist-800-53";
    let all = app.get(base, &key).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let every: Vec<String> = all.body["data"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|control| control["id"].as_str().unwrap().to_string())
        .collect();
    assert!(every.len() > 3);
    assert_eq!(all.body["meta"]["total"], every.len());
    let mut walked = Vec::new();
    for page in 1.. {
        let answer = app
            .get(&format!("{base}&per_page=3&page={page}"), &key)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let rows = answer.body["data"]["controls"].as_array().unwrap().clone();
        if rows.is_empty() {
            break;
        }
        assert!(rows.len() <= 3);
        walked.extend(
            rows.iter()
                .map(|control| control["id"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(walked, every);
    let manual = app.get(&format!("{base}&status=MANUAL"), &key).await;
    let manual_rows = manual.body["data"]["controls"].as_array().unwrap();
    assert!(
        manual_rows
            .iter()
            .all(|control| control["status"] == "MANUAL")
    );
    let lower = app.get(&format!("{base}&status=manual"), &key).await;
    assert_eq!(lower.body["meta"]["total"], manual.body["meta"]["total"]);
    app.get(&format!("{base}&status=Passing"), &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

/// `sort=` with no field is not the default order: the documented enum has no empty name (the
/// fuzzer's `GET …/reports?sort=` was answered 200).
#[tokio::test]
async fn an_empty_sort_is_a_validation_error_on_every_sorted_list() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    for list in [
        "nodes",
        "edges",
        "findings",
        "jobs",
        "reports",
        "audit-events",
    ] {
        let sorted = app
            .get(
                &format!("/api/v1/tenants/acme/{list}?sort=-created_at"),
                &key,
            )
            .await;
        let default_order = app.get(&format!("/api/v1/tenants/acme/{list}"), &key).await;
        assert_eq!(
            default_order.status,
            StatusCode::OK,
            "{list}: {}",
            default_order.body
        );
        for empty in ["sort=", "sort=%20"] {
            let answer = app
                .get(&format!("/api/v1/tenants/acme/{list}?{empty}"), &key)
                .await;
            answer.assert_error(400, "VALIDATION_ERROR");
            assert!(
                answer.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("`sort` is empty"),
                "{list}: {}",
                answer.body
            );
        }
        // A named field still sorts (or is refused for its own reason, never for emptiness).
        assert!(
            !sorted.body.to_string().contains("`sort` is empty"),
            "{list}: {}",
            sorted.body
        );
    }
}
