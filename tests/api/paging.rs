//! Deep paging through every list that pages: walking all pages by cursor (every sort, both
//! directions) and by page number yields exactly the rows the database holds, each once.
//!
//! `/findings` and `/reports` answered 500 to their own `next_cursor` (a uuid id compared with
//! a text parameter) until issue 10. Lists that do not page (API keys, schedules, webhooks,
//! deliveries, rules) answer everything at once and are not walked here.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use infracast::jobs::{self, JobRuntime};
use infracast::snapshots::GraphSnapshots;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Answer, TestApp, spawn_app};

/// GET that waits out the tenant's rate limit (this test makes hundreds of requests).
async fn get_patiently(app: &TestApp, path: &str, key: &str) -> Answer {
    loop {
        let answer = app.get(path, key).await;
        if answer.status != StatusCode::TOO_MANY_REQUESTS {
            return answer;
        }
        let wait: u64 = answer
            .headers
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok())
            .unwrap_or(1);
        tokio::time::sleep(Duration::from_secs(wait)).await;
    }
}

fn ids_of(answer: &Answer) -> Vec<String> {
    answer.body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", answer.body))
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_string())
        .collect()
}

/// Appends `ids` to `seen`, failing on any id seen before.
fn collect_once(seen: &mut Vec<String>, ids: Vec<String>, what: &str) {
    for id in ids {
        assert!(!seen.contains(&id), "{what}: `{id}` answered twice");
        seen.push(id);
    }
}

/// Follows `next_cursor` from the first page to the end.
async fn walk_by_cursor(
    app: &TestApp,
    key: &str,
    list: &str,
    sort: &str,
    per_page: usize,
) -> Vec<String> {
    let what = format!("{list} by cursor, sort {sort}");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("{list}?sort={sort}&per_page={per_page}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let answer = get_patiently(app, &path, key).await;
        assert_eq!(answer.status, StatusCode::OK, "{what}: {}", answer.body);
        let ids = ids_of(&answer);
        assert!(ids.len() <= per_page, "{what}: page longer than per_page");
        collect_once(&mut seen, ids, &what);
        pages += 1;
        assert!(pages < 1000, "{what}: the cursor never ends");
        match answer.body["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    seen
}

/// Reads pages 1..=total_pages (and checks the page after the last is empty).
async fn walk_by_page(
    app: &TestApp,
    key: &str,
    list: &str,
    sort: Option<&str>,
    per_page: usize,
) -> Vec<String> {
    let what = format!("{list} by page, sort {sort:?}");
    let sort_parameter = sort.map(|sort| format!("&sort={sort}")).unwrap_or_default();
    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let path = format!("{list}?page={page}&per_page={per_page}{sort_parameter}");
        let answer = get_patiently(app, &path, key).await;
        assert_eq!(answer.status, StatusCode::OK, "{what}: {}", answer.body);
        let total_pages = answer.body["meta"]["total_pages"].as_u64().unwrap();
        let ids = ids_of(&answer);
        if page > total_pages {
            assert!(ids.is_empty(), "{what}: rows after the last page");
            break;
        }
        collect_once(&mut seen, ids, &what);
        page += 1;
    }
    seen
}

/// The ids a list must answer, read from the database.
async fn expected_ids(app: &TestApp, sql: &str) -> BTreeSet<String> {
    let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&app.pool)
        .await
        .unwrap();
    ids.into_iter().collect()
}

#[track_caller]
fn assert_same(walked: Vec<String>, expected: &BTreeSet<String>, what: &str) {
    let walked_count = walked.len();
    let walked: BTreeSet<String> = walked.into_iter().collect();
    assert_eq!(walked_count, walked.len(), "{what}: duplicates");
    assert_eq!(
        &walked, expected,
        "{what}: walked rows differ from the table"
    );
}

/// A page size that makes about `pages` pages of `count` rows (at least 2 rows a page).
fn per_page_for(count: usize, pages: usize) -> usize {
    count.div_ceil(pages).max(2)
}

#[tokio::test]
async fn every_paged_list_walks_to_exactly_its_rows_by_cursor_and_by_page() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let runtime = JobRuntime::new(
        app.pool.clone(),
        Arc::new(GraphSnapshots::default()),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    let finished = jobs::run_next(&runtime).await.unwrap().unwrap();
    assert_eq!(finished.status, "succeeded", "{:?}", finished.counts);
    for _ in 0..9 {
        let job = app
            .post(
                "/api/v1/tenants/acme/jobs",
                &key,
                json!({"provider": "fixture", "config": {"sample": true}}),
            )
            .await;
        assert_eq!(job.status, StatusCode::CREATED, "{}", job.body);
    }
    for format in ["csv", "ocsf", "csv", "ocsf", "csv", "ocsf", "csv"] {
        let report = app
            .post(
                "/api/v1/tenants/acme/reports/generate",
                &key,
                json!({"format": format}),
            )
            .await;
        assert_eq!(report.status, StatusCode::ACCEPTED, "{}", report.body);
    }
    for index in 0..9 {
        let tenant = app
            .post(
                "/api/v1/tenants",
                &app.platform_key,
                json!({"id": format!("tenant-{index}"), "name": "t", "plan": "free"}),
            )
            .await;
        assert_eq!(tenant.status, StatusCode::CREATED, "{}", tenant.body);
    }

    struct List {
        path: &'static str,
        sql: &'static str,
        sorts: &'static [&'static str],
        pages_by_cursor: bool,
    }
    let lists = [
        List {
            path: "/api/v1/tenants/acme/nodes",
            sql: "SELECT id FROM nodes WHERE tenant_id = 'acme' AND deleted_at IS NULL",
            sorts: &["created_at", "name", "type", "first_seen", "last_seen"],
            pages_by_cursor: true,
        },
        List {
            path: "/api/v1/tenants/acme/edges",
            sql: "SELECT id FROM edges WHERE tenant_id = 'acme' AND deleted_at IS NULL",
            sorts: &["created_at", "kind", "first_seen", "last_seen"],
            pages_by_cursor: true,
        },
        List {
            path: "/api/v1/tenants/acme/findings",
            sql: "SELECT id::text FROM findings WHERE tenant_id = 'acme'",
            sorts: &[
                "severity",
                "first_seen",
                "last_seen",
                "rule_id",
                "created_at",
            ],
            pages_by_cursor: true,
        },
        List {
            path: "/api/v1/tenants/acme/reports",
            sql: "SELECT id::text FROM reports WHERE tenant_id = 'acme'",
            sorts: &["created_at"],
            pages_by_cursor: true,
        },
        List {
            path: "/api/v1/tenants/acme/jobs",
            sql: "SELECT job_id::text FROM jobs WHERE tenant_id = 'acme'",
            sorts: &[],
            pages_by_cursor: false,
        },
        List {
            path: "/api/v1/tenants",
            sql: "SELECT tenant_id FROM tenants",
            sorts: &[],
            pages_by_cursor: false,
        },
    ];
    for list in lists {
        let expected = expected_ids(&app, list.sql).await;
        assert!(
            expected.len() >= 7,
            "{}: too few rows ({}) to page through",
            list.path,
            expected.len()
        );
        let per_page = per_page_for(expected.len(), 4);
        let tenant_key = if list.path == "/api/v1/tenants" {
            app.platform_key.clone()
        } else {
            key.clone()
        };
        if list.sorts.is_empty() {
            // Lists with one fixed order page by number only.
            let walked = walk_by_page(&app, &tenant_key, list.path, None, per_page).await;
            assert_same(walked, &expected, &format!("{} pages", list.path));
            continue;
        }
        for sort in list.sorts {
            for direction in ["", "-"] {
                let sort = format!("{direction}{sort}");
                if list.pages_by_cursor {
                    let walked =
                        walk_by_cursor(&app, &tenant_key, list.path, &sort, per_page).await;
                    assert_same(walked, &expected, &format!("{} cursor {sort}", list.path));
                }
                let walked =
                    walk_by_page(&app, &tenant_key, list.path, Some(&sort), per_page).await;
                assert_same(walked, &expected, &format!("{} pages {sort}", list.path));
            }
        }
    }
}

#[tokio::test]
async fn a_cursor_from_one_sort_is_refused_by_another() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    for index in 0..3 {
        let node = app
            .post(
                "/api/v1/tenants/acme/nodes",
                &key,
                json!({"id": format!("aws:us-east-1:aws.ec2.vpc:vpc-{index}")}),
            )
            .await;
        assert_eq!(node.status, StatusCode::CREATED, "{}", node.body);
    }
    let first = app
        .get("/api/v1/tenants/acme/nodes?sort=name&per_page=1", &key)
        .await;
    let cursor = first.body["meta"]["next_cursor"].as_str().unwrap();
    let message = app
        .get(
            &format!("/api/v1/tenants/acme/nodes?sort=-created_at&per_page=1&cursor={cursor}"),
            &key,
        )
        .await
        .assert_error(400, "VALIDATION_ERROR");
    assert!(message.contains("made for sort `name`"), "{message}");
}
