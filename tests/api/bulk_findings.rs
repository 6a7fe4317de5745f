//! The bulk findings merge (COPY into staging, one statement per lifecycle move) on a changing
//! estate: the findings, their statuses and the webhook outbox it writes, checked against the
//! lifecycle written out by hand here; and list totals that stay exact while they are reused.

use std::collections::BTreeSet;

use infracast::model::{EvidenceResource, FindingEvidence, Severity};
use infracast::store::findings::{self, Observation};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// A failing result of `rule_id` on the volume `resource` (also used by `tenant_boundary`).
pub(crate) fn observation(rule_id: &str, resource: &str, reason: &str) -> Observation {
    let node_id = format!("aws:us-east-1:aws.ec2.volume:{resource}");
    Observation {
        rule_id: rule_id.into(),
        rule_version: 1,
        node_id: node_id.clone(),
        node_type: "aws.ec2.volume".into(),
        region: "us-east-1".into(),
        severity: Severity::High,
        // Characters COPY and array literals must escape survive the staging.
        categories: vec!["encryption".into(), "quote\"and\\slash\tand tab".into()],
        reason: reason.into(),
        evidence: FindingEvidence {
            rule_version: Some(1),
            resource: Some(EvidenceResource {
                id: node_id,
                name: format!("{resource}\nsecond line"),
            }),
            ..FindingEvidence::default()
        },
    }
}

async fn evaluate(app: &TestApp, observations: &[Observation]) -> findings::EvaluationDelta {
    findings::apply_evaluation(&app.pool, "acme", None, 0, observations, &[])
        .await
        .unwrap()
}

/// (rule, resource) → status of every finding of the tenant.
async fn statuses(app: &TestApp) -> BTreeSet<(String, String, String)> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT rule_id, node_id, status FROM findings WHERE tenant_id = 'acme'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(rule, node, status)| (rule, node.rsplit(':').next().unwrap().to_string(), status))
        .collect()
}

/// The events written since `after` events, as (type, rule, resource, status, reopen_count).
async fn events_since(app: &TestApp, after: usize) -> Vec<(String, String, String, String, i64)> {
    let rows: Vec<(String, sqlx::types::Json<Value>)> = sqlx::query_as(
        "SELECT event_type, payload FROM webhook_events WHERE tenant_id = 'acme' AND event_type LIKE 'finding.%'
         ORDER BY created_at, event_type, payload->>'rule_id', payload->>'node_id'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut events: Vec<_> = rows
        .into_iter()
        .map(|(event_type, payload)| {
            let payload = payload.0;
            for field in ["finding_id", "severity", "reason"] {
                assert!(payload[field].is_string(), "{field} in {payload}");
            }
            (
                event_type,
                payload["rule_id"].as_str().unwrap().to_string(),
                payload["node_id"]
                    .as_str()
                    .unwrap()
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .to_string(),
                payload["status"].as_str().unwrap().to_string(),
                payload["reopen_count"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut since = events.split_off(after.min(events.len()));
    since.sort();
    since
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

fn event(
    kind: &str,
    rule: &str,
    resource: &str,
    status: &str,
    reopens: i64,
) -> (String, String, String, String, i64) {
    (
        kind.into(),
        rule.into(),
        resource.into(),
        status.into(),
        reopens,
    )
}

#[tokio::test]
async fn the_bulk_merge_moves_findings_and_writes_one_event_per_change() {
    let app = spawn_app().await;
    let analyst = app.tenant_with_key("acme", "enterprise", "analyst").await;
    // A subscriber to created and resolved, another to reopened: deliveries follow each one's
    // subscription.
    sqlx::query(
        "INSERT INTO webhooks (tenant_id, id, url, events, secret)
         VALUES ('acme', gen_random_uuid(), 'https://hooks.example/x', '{finding.created,finding.resolved}', 's'),
                ('acme', gen_random_uuid(), 'https://hooks.example/y', '{finding.reopened}', 's')",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (a, b) = ("aws.ec2.volume_unencrypted", "aws.ec2.volume_unattached");

    // Evaluation 1: five findings are new.
    let first = [
        observation(a, "vol-1", "one"),
        observation(a, "vol-2", "two"),
        observation(a, "vol-3", "three"),
        observation(b, "vol-1", "four"),
        observation(b, "vol-4", "five"),
        // A duplicate identity in one evaluation counts once.
        observation(b, "vol-4", "five again"),
    ];
    let delta = evaluate(&app, &first).await;
    assert_eq!(
        (delta.new, delta.reopened, delta.resolved, delta.open),
        (5, 0, 0, 5)
    );
    assert_eq!(
        events_since(&app, 0).await,
        sorted(vec![
            event("finding.created", a, "vol-1", "open", 0),
            event("finding.created", a, "vol-2", "open", 0),
            event("finding.created", a, "vol-3", "open", 0),
            event("finding.created", b, "vol-1", "open", 0),
            event("finding.created", b, "vol-4", "open", 0),
        ])
    );
    // New findings get time-ordered ids (version 7), ascending in identity order, so the indexes
    // ending in `id` take them at their right edge.
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT id FROM findings WHERE tenant_id = 'acme' ORDER BY rule_id, node_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(ids.len(), 5);
    assert!(ids.iter().all(|id| id.get_version_num() == 7), "{ids:?}");
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
    let stored = findings::get(
        &app.pool,
        "acme",
        sqlx::query_scalar("SELECT id FROM findings WHERE rule_id = $1 AND node_id LIKE '%vol-1'")
            .bind(a)
            .fetch_one(&app.pool)
            .await
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(stored.categories[1], "quote\"and\\slash\tand tab");
    assert_eq!(stored.evidence.resource.unwrap().name, "vol-1\nsecond line");

    // Accept (a, vol-2) for good and (b, vol-1) with an expiry that will have passed.
    let id_of = |rule: &'static str, resource: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>(
                "SELECT id FROM findings WHERE rule_id = $1 AND node_id LIKE '%:' || $2",
            )
            .bind(rule)
            .bind(resource)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    for (rule, resource) in [(a, "vol-2"), (b, "vol-1")] {
        let id = id_of(rule, resource).await;
        let answer = app
            .post(
                &format!("/api/v1/tenants/acme/findings/{id}/accept"),
                &analyst,
                json!({"reason": "known"}),
            )
            .await;
        assert_eq!(answer.body["data"]["status"], "accepted", "{}", answer.body);
    }
    sqlx::query("UPDATE findings SET expires_at = now() - interval '1 minute' WHERE rule_id = $1 AND node_id LIKE '%vol-1'")
        .bind(b)
        .execute(&app.pool)
        .await
        .unwrap();

    // Evaluation 2: vol-3 fixed (resolves), the expired acceptance no longer detected (resolved,
    // not reopened), the lasting acceptance still detected (stays accepted), one new.
    let before = events_since(&app, 0).await.len();
    let second = [
        observation(a, "vol-1", "one"),
        observation(a, "vol-2", "two, reworded"),
        observation(b, "vol-4", "five"),
        observation(b, "vol-5", "six"),
    ];
    let delta = evaluate(&app, &second).await;
    assert_eq!(
        (delta.new, delta.reopened, delta.resolved, delta.open),
        (1, 0, 2, 3)
    );
    assert_eq!(
        events_since(&app, before).await,
        sorted(vec![
            event("finding.created", b, "vol-5", "open", 0),
            event("finding.resolved", a, "vol-3", "resolved", 0),
            event("finding.resolved", b, "vol-1", "resolved", 1),
        ])
    );
    let expected: BTreeSet<(String, String, String)> = [
        (a, "vol-1", "open"),
        (a, "vol-2", "accepted"),
        (a, "vol-3", "resolved"),
        (b, "vol-1", "resolved"),
        (b, "vol-4", "open"),
        (b, "vol-5", "open"),
    ]
    .into_iter()
    .map(|(rule, resource, status)| (rule.to_string(), resource.to_string(), status.to_string()))
    .collect();
    assert_eq!(statuses(&app).await, expected);
    let accepted = findings::get(&app.pool, "acme", id_of(a, "vol-2").await)
        .await
        .unwrap();
    assert_eq!(
        accepted.reason, "two, reworded",
        "a kept acceptance is still refreshed"
    );

    // Evaluation 3: vol-3 recurs (reopened, counted), everything else as before.
    let before = events_since(&app, 0).await.len();
    let mut third = second.to_vec();
    third.push(observation(a, "vol-3", "three again"));
    let delta = evaluate(&app, &third).await;
    assert_eq!(
        (delta.new, delta.reopened, delta.resolved, delta.open),
        (0, 1, 0, 4)
    );
    assert_eq!(
        events_since(&app, before).await,
        vec![event("finding.reopened", a, "vol-3", "open", 1)]
    );

    // Deliveries: one per created or resolved event to the first webhook (6 created, 2
    // resolved), the one reopen to the second.
    let deliveries: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT w.url, e.event_type, count(*) FROM webhook_deliveries d
         JOIN webhook_events e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
         JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
         WHERE d.tenant_id = 'acme' GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let expected: Vec<(String, String, i64)> = [
        ("https://hooks.example/x", "finding.created", 6),
        ("https://hooks.example/x", "finding.resolved", 2),
        ("https://hooks.example/y", "finding.reopened", 1),
    ]
    .into_iter()
    .map(|(url, event, count)| (url.to_string(), event.to_string(), count))
    .collect();
    assert_eq!(deliveries, expected);
}

/// How many `finding.*` events the tenant's outbox holds.
async fn finding_events(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM webhook_events WHERE tenant_id = 'acme' AND event_type LIKE 'finding.%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn events_no_enabled_webhook_takes_are_not_written_and_the_counts_stay_exact() {
    let app = spawn_app().await;
    app.tenant_with_key("acme", "enterprise", "analyst").await;
    let (a, b) = ("aws.ec2.volume_unencrypted", "aws.ec2.volume_unattached");
    // A disabled webhook that would take every finding event.
    sqlx::query(
        "INSERT INTO webhooks (tenant_id, id, url, events, secret, enabled)
         VALUES ('acme', gen_random_uuid(), 'https://hooks.example/off',
                 '{finding.created,finding.resolved,finding.reopened}', 's', false)",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let delta = evaluate(
        &app,
        &[
            observation(a, "vol-1", "one"),
            observation(a, "vol-2", "two"),
            observation(b, "vol-1", "three"),
        ],
    )
    .await;
    assert_eq!(
        (delta.new, delta.reopened, delta.resolved, delta.open),
        (3, 0, 0, 3)
    );
    let delta = evaluate(&app, &[observation(a, "vol-1", "one")]).await;
    assert_eq!(
        (delta.new, delta.reopened, delta.resolved, delta.open),
        (0, 0, 2, 1)
    );
    assert_eq!(
        finding_events(&app).await,
        0,
        "no enabled webhook takes them"
    );

    // Enabled, the webhook gets the next evaluation's changes: vol-2 again (reopened), vol-3
    // new, vol-1 gone (resolved).
    sqlx::query("UPDATE webhooks SET enabled = true WHERE tenant_id = 'acme'")
        .execute(&app.pool)
        .await
        .unwrap();
    let delta = evaluate(
        &app,
        &[
            observation(a, "vol-2", "two"),
            observation(a, "vol-3", "four"),
        ],
    )
    .await;
    assert_eq!(
        (delta.new, delta.reopened, delta.resolved, delta.open),
        (1, 1, 1, 2)
    );
    assert_eq!(
        events_since(&app, 0).await,
        sorted(vec![
            event("finding.created", a, "vol-3", "open", 0),
            event("finding.reopened", a, "vol-2", "open", 1),
            event("finding.resolved", a, "vol-1", "resolved", 0),
        ])
    );
}

/// `meta.total` of a list of tenant `acme`.
async fn total_of(app: &TestApp, key: &str, list: &str) -> i64 {
    let answer = app.get(&format!("/api/v1/tenants/acme/{list}"), key).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["meta"]["total"].as_i64().unwrap()
}

#[tokio::test]
async fn list_totals_are_reused_only_while_the_data_is_unchanged() {
    let app = spawn_app().await;
    let analyst = app.tenant_with_key("acme", "enterprise", "analyst").await;
    let (a, b) = ("aws.ec2.volume_unencrypted", "aws.ec2.volume_unattached");
    evaluate(
        &app,
        &[
            observation(a, "vol-1", "x"),
            observation(a, "vol-2", "y"),
            observation(b, "vol-1", "z"),
        ],
    )
    .await;
    assert_eq!(
        total_of(&app, &analyst, "findings?status=open&per_page=1").await,
        3
    );
    assert_eq!(
        total_of(&app, &analyst, "findings?status=open&per_page=1").await,
        3,
        "the reused total"
    );

    // An acceptance moves the total at once.
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM findings WHERE rule_id = $1")
        .bind(b)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    app.post(
        &format!("/api/v1/tenants/acme/findings/{id}/accept"),
        &analyst,
        json!({"reason": "known"}),
    )
    .await;
    assert_eq!(
        total_of(&app, &analyst, "findings?status=open&per_page=1").await,
        2
    );
    // So does an evaluation.
    evaluate(&app, &[observation(a, "vol-1", "x")]).await;
    assert_eq!(
        total_of(&app, &analyst, "findings?status=open&per_page=1").await,
        1
    );

    // Nodes: a created node moves the node list's total.
    assert_eq!(total_of(&app, &analyst, "nodes?per_page=1").await, 0);
    let admin = app.key_for("acme", "admin").await;
    let created = app
        .post(
            "/api/v1/tenants/acme/nodes",
            &admin,
            json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-1"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(total_of(&app, &analyst, "nodes?per_page=1").await, 1);
}

#[tokio::test]
async fn a_re_created_tenant_never_sees_the_deleted_ones_totals() {
    let app = spawn_app().await;
    let analyst = app.tenant_with_key("acme", "enterprise", "analyst").await;
    evaluate(
        &app,
        &[
            observation("aws.ec2.volume_unencrypted", "vol-1", "x"),
            observation("aws.ec2.volume_unencrypted", "vol-2", "y"),
        ],
    )
    .await;
    let total = app
        .get("/api/v1/tenants/acme/findings?per_page=1", &analyst)
        .await;
    assert_eq!(total.body["meta"]["total"], 2);

    infracast::store::tenants::delete(&app.pool, "acme")
        .await
        .unwrap();
    let analyst = app.tenant_with_key("acme", "enterprise", "analyst").await;
    let total = app
        .get("/api/v1/tenants/acme/findings?per_page=1", &analyst)
        .await;
    assert_eq!(total.status, 200, "{}", total.body);
    assert_eq!(total.body["meta"]["total"], 0);
    assert_eq!(total.body["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_large_evidence_is_staged_compressed_with_lz4_where_the_server_has_it_and_reads_back_whole()
 {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "analyst").await;
    // A security group's evidence listing 400 exposed members: ~25 KB of JSON, far past the
    // 2 KB at which PostgreSQL compresses a value.
    let members: Vec<String> = (0..400)
        .map(|index| format!("aws:us-east-1:aws.ec2.network_interface:eni-{index:08}"))
        .collect();
    let mut large = observation("aws.ec2.volume_unencrypted", "vol-1", "large");
    large.evidence.members = Some(members.len());
    large.evidence.exposed_members = Some(members.clone());
    let small = observation("aws.ec2.volume_unencrypted", "vol-2", "small");
    let delta = evaluate(&app, &[large, small]).await;
    assert_eq!((delta.new, delta.open), (2, 2));

    let stored: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT node_id, pg_column_compression(evidence)::text FROM findings
         WHERE tenant_id = 'acme' ORDER BY node_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let server_has_lz4: bool = sqlx::query_scalar(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // Citus stages in a distributed table, whose column keeps the server's default.
    let staged_in_a_temporary_table = !infracast::store::citus::is_citus(&app.pool).await.unwrap();
    let expected_large = if server_has_lz4 && staged_in_a_temporary_table {
        "lz4"
    } else {
        "pglz"
    };
    assert_eq!(
        stored,
        vec![
            (
                "aws:us-east-1:aws.ec2.volume:vol-1".to_string(),
                Some(expected_large.to_string())
            ),
            ("aws:us-east-1:aws.ec2.volume:vol-2".to_string(), None),
        ]
    );

    let listed = app
        .get(
            "/api/v1/tenants/acme/findings?node_id=aws:us-east-1:aws.ec2.volume:vol-1",
            &key,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let evidence = &listed.body["data"][0]["evidence"];
    assert_eq!(evidence["members"], 400);
    assert_eq!(evidence["exposed_members"], json!(members));
}
