//! The audit trail: every write through the API leaves exactly one event naming its actor,
//! action and target; the trail is filtered and paged like the other lists, is visible to tenant
//! admins of the same tenant incarnation only, and cannot be changed, not even by the owner.

use std::collections::HashSet;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, encode, spawn_app, spawn_app_allowing_internal_webhooks};
use infracast::store;

const VPC: &str = "aws:us-east-1:aws.ec2.vpc:vpc-audit";
const INSTANCE: &str = "aws:us-east-1:aws.ec2.instance:i-audit";

async fn key_id(app: &TestApp, key: &str) -> String {
    let me = app.get("/api/v1/auth/me", key).await;
    me.body["data"]["key_id"].as_str().unwrap().to_string()
}

/// Every event of a listing, walking `next_cursor` from the first page.
async fn all_events(app: &TestApp, path: &str, key: &str) -> Vec<Value> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut events = Vec::new();
    let mut url = format!("{path}{separator}per_page=500");
    loop {
        let page = app.get(&url, key).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.body);
        events.extend(page.body["data"].as_array().unwrap().iter().cloned());
        match page.body["meta"]["next_cursor"].as_str() {
            Some(cursor) => url = format!("{path}{separator}per_page=500&cursor={cursor}"),
            None => return events,
        }
    }
}

/// An open finding on `node`, written as the evaluator would (the owner connection).
async fn insert_finding(app: &TestApp, tenant: &str, rule: &str) -> String {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO findings (tenant_id, id, rule_id, node_id, node_type, region, severity, status,
                               rule_version, reason)
         VALUES ($1, $2, $3, $4, 'aws.ec2.vpc', 'us-east-1', 'high', 'open', 1, 'why')",
    )
    .bind(tenant)
    .bind(id)
    .bind(rule)
    .bind(VPC)
    .execute(&app.pool)
    .await
    .unwrap();
    id.to_string()
}

fn id_of(answer: &crate::helpers::Answer) -> String {
    let data = &answer.body["data"];
    data["id"]
        .as_str()
        .or_else(|| data["job_id"].as_str())
        .unwrap_or_else(|| panic!("no id in {}", answer.body))
        .to_string()
}

#[tokio::test]
async fn every_write_records_one_event_with_its_actor_action_and_target() {
    let app = spawn_app_allowing_internal_webhooks().await;
    let key = app.tenant_with_key("audit-a", "enterprise", "admin").await;
    let admin_id = key_id(&app, &key).await;
    let platform_id = key_id(&app, &app.platform_key).await;
    let base = "/api/v1/tenants/audit-a";
    let mut expected: Vec<(String, String, String, u16)> = Vec::new();
    let mut expect =
        |action: &str, target_type: &str, target: &str, answer: &crate::helpers::Answer| {
            assert!(answer.status.is_success(), "{action}: {}", answer.body);
            expected.push((
                action.to_string(),
                target_type.to_string(),
                target.to_string(),
                answer.status.as_u16(),
            ));
        };

    let answer = app
        .post(&format!("{base}/nodes"), &key, json!({"id": VPC}))
        .await;
    expect("nodes.create", "node", VPC, &answer);
    let answer = app
        .post(&format!("{base}/nodes"), &key, json!({"id": INSTANCE}))
        .await;
    expect("nodes.create", "node", INSTANCE, &answer);
    let answer = app
        .post(
            &format!("{base}/edges"),
            &key,
            json!({"kind": "contains", "src": VPC, "dst": INSTANCE}),
        )
        .await;
    let edge_id = id_of(&answer);
    expect("edges.create", "edge", &edge_id, &answer);
    let answer = app
        .delete(&format!("{base}/edges/{}", encode(&edge_id)), &key)
        .await;
    expect("edges.delete", "edge", &edge_id, &answer);
    let answer = app
        .delete(&format!("{base}/nodes/{}", encode(INSTANCE)), &key)
        .await;
    expect("nodes.delete", "node", INSTANCE, &answer);

    let answer = app
        .post(
            &format!("{base}/jobs"),
            &key,
            json!({"provider": "fixture", "config": {"sample": true}}),
        )
        .await;
    let job_id = id_of(&answer);
    expect("jobs.create", "job", &job_id, &answer);
    let answer = app
        .post(&format!("{base}/jobs/{job_id}/start"), &key, json!({}))
        .await;
    expect("jobs.start", "job", &job_id, &answer);
    let answer = app
        .post(&format!("{base}/jobs/{job_id}/cancel"), &key, json!({}))
        .await;
    expect("jobs.cancel", "job", &job_id, &answer);

    let answer = app
        .post(
            &format!("{base}/schedules"),
            &key,
            json!({"name": "nightly", "cron": "0 3 * * *", "job": {"provider": "fixture", "config": {"sample": true}}}),
        )
        .await;
    let schedule_id = id_of(&answer);
    expect("schedules.create", "schedule", &schedule_id, &answer);
    for verb in ["disable", "enable"] {
        let answer = app
            .post(
                &format!("{base}/schedules/{schedule_id}/{verb}"),
                &key,
                json!({}),
            )
            .await;
        expect(
            &format!("schedules.{verb}"),
            "schedule",
            &schedule_id,
            &answer,
        );
    }
    let answer = app
        .delete(&format!("{base}/schedules/{schedule_id}"), &key)
        .await;
    expect("schedules.delete", "schedule", &schedule_id, &answer);

    let answer = app
        .post(
            &format!("{base}/webhooks"),
            &key,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["job.completed"], "secret": "s3cret-s3cret-s3cret"}),
        )
        .await;
    let webhook_id = id_of(&answer);
    expect("webhooks.create", "webhook", &webhook_id, &answer);
    let answer = app
        .delete(&format!("{base}/webhooks/{webhook_id}"), &key)
        .await;
    expect("webhooks.delete", "webhook", &webhook_id, &answer);

    let answer = app
        .post(&format!("{base}/api-keys"), &key, json!({"role": "viewer"}))
        .await;
    let new_key_id = id_of(&answer);
    expect("api_keys.create", "api_key", &new_key_id, &answer);
    let answer = app
        .delete(&format!("{base}/api-keys/{new_key_id}"), &key)
        .await;
    expect("api_keys.delete", "api_key", &new_key_id, &answer);

    let answer = app
        .post(
            &format!("{base}/reports/generate"),
            &key,
            json!({"format": "csv"}),
        )
        .await;
    let report_id = id_of(&answer);
    expect("reports.generate", "report", &report_id, &answer);
    let answer = app
        .post(&format!("{base}/evaluations"), &key, json!({}))
        .await;
    let evaluation_job = id_of(&answer);
    expect("evaluations.create", "job", &evaluation_job, &answer);

    let accepted = insert_finding(&app, "audit-a", "rule.accepted").await;
    let resolved = insert_finding(&app, "audit-a", "rule.resolved").await;
    let answer = app
        .post(
            &format!("{base}/findings/{accepted}/accept"),
            &key,
            json!({"kind": "risk_accepted", "reason": "compensating control"}),
        )
        .await;
    expect("findings.accept", "finding", &accepted, &answer);
    let answer = app
        .post(
            &format!("{base}/findings/{resolved}/resolve"),
            &key,
            json!({"reason": "fixed by hand"}),
        )
        .await;
    expect("findings.resolve", "finding", &resolved, &answer);

    // Reads (including a POST that only reads) leave no trace.
    app.get(&format!("{base}/nodes"), &key).await;
    app.get(&format!("{base}/findings"), &key).await;
    app.post(
        &format!("{base}/pathtracer/trace"),
        &key,
        json!({"source_node_id": VPC, "destination_cidr": "0.0.0.0/0", "port": 443, "protocol": "tcp"}),
    )
    .await;

    let events = all_events(
        &app,
        &format!("{base}/audit-events?sort=occurred_at&actor_key_id={admin_id}"),
        &key,
    )
    .await;
    let recorded: Vec<(String, String, String, u16)> = events
        .iter()
        .map(|event| {
            (
                event["action"].as_str().unwrap().to_string(),
                event["target_type"].as_str().unwrap().to_string(),
                event["target_id"].as_str().unwrap_or("<none>").to_string(),
                event["status"].as_u64().unwrap() as u16,
            )
        })
        .collect();
    assert_eq!(recorded, expected);
    for event in &events {
        assert_eq!(event["actor_key_id"], admin_id.as_str());
        assert_eq!(event["actor_role"], "admin");
        assert_eq!(event["client_ip"], "127.0.0.1");
        assert!(event["path"].as_str().unwrap().starts_with(base), "{event}");
        assert!(
            event.get("tenant_id").is_none(),
            "tenant listings omit the tenant"
        );
    }
    assert_eq!(events[0]["method"], "POST");

    // Platform writes on the tenant: its creation, its first key, a rename.
    let renamed = app
        .put(base, &app.platform_key, json!({"name": "Audit A"}))
        .await;
    assert_eq!(renamed.status.as_u16(), 200, "{}", renamed.body);
    let platform_events = all_events(
        &app,
        &format!("{base}/audit-events?sort=occurred_at&actor_key_id={platform_id}"),
        &key,
    )
    .await;
    let actions: Vec<(&str, &str)> = platform_events
        .iter()
        .map(|event| {
            (
                event["action"].as_str().unwrap(),
                event["target_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("tenants.create", "audit-a"),
            ("api_keys.create", admin_id.as_str()),
            ("tenants.update", "audit-a"),
        ]
    );
    assert!(
        platform_events
            .iter()
            .all(|event| event["actor_role"] == "platform_admin")
    );
}

#[tokio::test]
async fn refused_writes_are_recorded_and_only_admins_read_the_trail() {
    let app = spawn_app().await;
    let admin = app.tenant_with_key("audit-r", "enterprise", "admin").await;
    let viewer = app.key_for("audit-r", "viewer").await;
    let analyst = app.key_for("audit-r", "analyst").await;
    let viewer_id = key_id(&app, &viewer).await;

    let refused = app
        .post("/api/v1/tenants/audit-r/nodes", &viewer, json!({"id": VPC}))
        .await;
    refused.assert_error(403, "FORBIDDEN");
    // A write that fails validation changes nothing and is not an event.
    app.post(
        "/api/v1/tenants/audit-r/nodes",
        &admin,
        json!({"id": "nonsense"}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");

    let events = all_events(
        &app,
        &format!("/api/v1/tenants/audit-r/audit-events?actor_key_id={viewer_id}"),
        &admin,
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "nodes.create");
    assert_eq!(events[0]["status"], 403);
    assert_eq!(events[0]["actor_role"], "viewer");
    let node_creates = all_events(
        &app,
        "/api/v1/tenants/audit-r/audit-events?action=nodes.create",
        &admin,
    )
    .await;
    assert_eq!(
        node_creates.len(),
        1,
        "the 400 left no event: {node_creates:?}"
    );

    for key in [&viewer, &analyst] {
        app.get("/api/v1/tenants/audit-r/audit-events", key)
            .await
            .assert_error(403, "FORBIDDEN");
        app.get("/api/v1/audit-events", key)
            .await
            .assert_error(403, "FORBIDDEN");
    }
    app.get("/api/v1/audit-events", &admin)
        .await
        .assert_error(403, "FORBIDDEN");

    // Another tenant's admin does not learn the tenant exists.
    let other = app
        .tenant_with_key("audit-other", "enterprise", "admin")
        .await;
    app.get("/api/v1/tenants/audit-r/audit-events", &other)
        .await
        .assert_error(404, "NOT_FOUND");
    let others = all_events(&app, "/api/v1/tenants/audit-other/audit-events", &other).await;
    assert!(!others.is_empty());
    assert!(
        others.iter().all(
            |event| event["path"].as_str().unwrap().contains("audit-other")
                || event["action"] == "tenants.create"
        ),
        "{others:?}"
    );
}

#[tokio::test]
async fn filters_and_deep_paging_walk_every_event_once() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("audit-p", "enterprise", "admin").await;
    let admin_id = key_id(&app, &key).await;
    let mut node_ids = Vec::new();
    for index in 0..60 {
        let id = format!("aws:us-east-1:aws.ec2.vpc:vpc-{index:03}");
        let answer = app
            .post("/api/v1/tenants/audit-p/nodes", &key, json!({"id": id}))
            .await;
        assert_eq!(answer.status.as_u16(), 201, "{}", answer.body);
        node_ids.push(id);
    }
    for id in node_ids.iter().take(5) {
        app.delete(
            &format!("/api/v1/tenants/audit-p/nodes/{}", encode(id)),
            &key,
        )
        .await;
    }
    let base = "/api/v1/tenants/audit-p/audit-events";

    // Keyset: small pages, newest first by default, each event once.
    let mut seen = Vec::new();
    let mut url = format!("{base}?per_page=7");
    let mut pages = 0;
    loop {
        let page = app.get(&url, &key).await;
        assert_eq!(page.status.as_u16(), 200, "{}", page.body);
        seen.extend(page.body["data"].as_array().unwrap().iter().cloned());
        pages += 1;
        match page.body["meta"]["next_cursor"].as_str() {
            Some(cursor) => url = format!("{base}?per_page=7&cursor={cursor}"),
            None => break,
        }
    }
    // 60 creates, 5 deletes, plus the tenant's creation and its key by the platform admin.
    assert_eq!(seen.len(), 67);
    assert_eq!(pages, 10);
    let ids: HashSet<&str> = seen
        .iter()
        .map(|event| event["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), seen.len(), "an event appeared twice");
    let times: Vec<&str> = seen
        .iter()
        .map(|event| event["occurred_at"].as_str().unwrap())
        .collect();
    let parsed: Vec<chrono::DateTime<chrono::FixedOffset>> = times
        .iter()
        .map(|time| chrono::DateTime::parse_from_rfc3339(time).unwrap())
        .collect();
    assert!(
        parsed.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest first"
    );

    // Offset pages agree with the keyset walk, ascending is its reverse.
    let second = app.get(&format!("{base}?per_page=7&page=2"), &key).await;
    let second_ids: Vec<&str> = second.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["id"].as_str().unwrap())
        .collect();
    let walked: Vec<&str> = seen
        .iter()
        .map(|event| event["id"].as_str().unwrap())
        .collect();
    assert_eq!(second_ids, walked[7..14]);
    assert_eq!(second.body["meta"]["total"], 67);
    let ascending = all_events(&app, &format!("{base}?sort=occurred_at"), &key).await;
    let mut reversed = walked.clone();
    reversed.reverse();
    let ascending_ids: Vec<&str> = ascending
        .iter()
        .map(|event| event["id"].as_str().unwrap())
        .collect();
    assert_eq!(ascending_ids, reversed);

    // Filters.
    let deletes = all_events(&app, &format!("{base}?action=nodes.delete"), &key).await;
    assert_eq!(deletes.len(), 5);
    let both = all_events(
        &app,
        &format!("{base}?action=nodes.delete,tenants.create"),
        &key,
    )
    .await;
    assert_eq!(both.len(), 6);
    let one = all_events(
        &app,
        &format!("{base}?target_type=node&target_id={}", encode(&node_ids[0])),
        &key,
    )
    .await;
    let actions: Vec<&str> = one
        .iter()
        .map(|event| event["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["nodes.delete", "nodes.create"]);
    let by_admin = all_events(&app, &format!("{base}?actor_key_id={admin_id}"), &key).await;
    assert_eq!(by_admin.len(), 65);
    let tenants = all_events(&app, &format!("{base}?target_type=tenant"), &key).await;
    assert_eq!(tenants.len(), 1);
    // since is inclusive, until exclusive: split at the 20th newest event.
    let split = times[19];
    let since = all_events(&app, &format!("{base}?since={}", encode(split)), &key).await;
    let until = all_events(&app, &format!("{base}?until={}", encode(split)), &key).await;
    let at_or_after = parsed.iter().filter(|time| **time >= parsed[19]).count();
    assert_eq!(since.len(), at_or_after);
    assert_eq!(since.len() + until.len(), 67);

    // The platform listing spans tenants and names them.
    let other = app.tenant_with_key("audit-q", "free", "admin").await;
    app.post("/api/v1/tenants/audit-q/nodes", &other, json!({"id": VPC}))
        .await;
    let platform = all_events(
        &app,
        "/api/v1/audit-events?tenant=audit-q",
        &app.platform_key,
    )
    .await;
    assert_eq!(platform.len(), 3, "{platform:?}");
    assert!(platform.iter().all(|event| event["tenant_id"] == "audit-q"));
    let everything = all_events(&app, "/api/v1/audit-events", &app.platform_key).await;
    assert_eq!(everything.len(), 70);

    // Bad filters are 400s in the error shape.
    for query in [
        "since=yesterday",
        "until=2026-13-01T00:00:00Z",
        "until=",
        "since=",
        "actor_key_id=",
        "actor_key_id=not-a-uuid",
        "sort=action",
        "cursor=%21%21%21",
        "colour=blue",
        "per_page=0",
        "since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z",
        "tenant=audit-q",
    ] {
        app.get(&format!("{base}?{query}"), &key)
            .await
            .assert_error(400, "VALIDATION_ERROR");
    }
    app.get("/api/v1/audit-events?since=never", &app.platform_key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn audit_rows_cannot_be_changed_or_removed() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("audit-w", "enterprise", "admin").await;
    app.post("/api/v1/tenants/audit-w/nodes", &key, json!({"id": VPC}))
        .await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(before, 3);

    // As the tenant-facing role, scoped to the tenant whose events they are.
    for statement in [
        "UPDATE audit_events SET action = 'nothing.happened'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let mut transaction = store::tenant_transaction(&app.pool, "audit-w")
            .await
            .unwrap();
        let error = sqlx::query(statement)
            .execute(&mut *transaction)
            .await
            .expect_err(statement);
        let code = error
            .as_database_error()
            .and_then(|database| database.code())
            .map(|code| code.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{statement}: {error}");
    }
    // Even the owner (a superuser here) is stopped by the trigger.
    for statement in [
        "UPDATE audit_events SET action = 'nothing.happened'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let error = sqlx::query(statement)
            .execute(&app.pool)
            .await
            .expect_err(statement);
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action <> 'nothing.happened'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(after, before);
}

#[tokio::test]
async fn a_recreated_tenant_does_not_see_the_deleted_tenants_events() {
    let app = spawn_app().await;
    let old_key = app.tenant_with_key("reuse", "free", "admin").await;
    let created = app
        .post("/api/v1/tenants/reuse/nodes", &old_key, json!({"id": VPC}))
        .await;
    assert_eq!(created.status.as_u16(), 201);
    let old_events = all_events(&app, "/api/v1/tenants/reuse/audit-events", &old_key).await;
    assert_eq!(old_events.len(), 3);
    let deleted = app.delete("/api/v1/tenants/reuse", &app.platform_key).await;
    assert_eq!(deleted.status.as_u16(), 204, "{}", deleted.body);

    let new_key = app.tenant_with_key("reuse", "free", "admin").await;
    let new_events = all_events(&app, "/api/v1/tenants/reuse/audit-events", &new_key).await;
    let actions: Vec<&str> = new_events
        .iter()
        .map(|event| event["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["api_keys.create", "tenants.create"]);
    let old_ids: HashSet<&str> = old_events
        .iter()
        .map(|event| event["id"].as_str().unwrap())
        .collect();
    assert!(
        new_events
            .iter()
            .all(|event| !old_ids.contains(event["id"].as_str().unwrap()))
    );

    // The platform keeps the whole history of the slug, the deletion included.
    let history = all_events(
        &app,
        "/api/v1/audit-events?tenant=reuse&sort=occurred_at",
        &app.platform_key,
    )
    .await;
    let actions: Vec<&str> = history
        .iter()
        .map(|event| event["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "tenants.create",
            "api_keys.create",
            "nodes.create",
            "tenants.delete",
            "tenants.create",
            "api_keys.create"
        ]
    );
}
