//! The finding lifecycle over successive evaluations, and triage through the API.

use infracast::model::{EvidenceResource, FindingEvidence, Severity};
use infracast::store::findings::{self, Observation};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

const SSH_RULE: &str = "aws.ec2.sg_ssh_open_to_internet";
const EBS_RULE: &str = "aws.ec2.volume_unencrypted";

fn observation(rule_id: &str, node: &str, severity: &str) -> Observation {
    Observation {
        rule_id: rule_id.into(),
        rule_version: 1,
        node_id: format!("aws:us-east-1:{node}"),
        node_type: node.split(':').next().unwrap().into(),
        region: "us-east-1".into(),
        severity: Severity::parse(severity).unwrap(),
        categories: vec!["internet-exposed".into()],
        reason: format!("{node} violates {rule_id}"),
        evidence: FindingEvidence {
            rule_version: Some(1),
            condition: Some("ingress.exists(rule, rule.cidr == \"0.0.0.0/0\")".into()),
            resource: Some(EvidenceResource {
                id: format!("aws:us-east-1:{node}"),
                name: node.into(),
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

/// The id of the finding of `(rule_id, node)`, read from the table (the identity is stable).
async fn finding_id(app: &TestApp, rule_id: &str, node: &str) -> uuid::Uuid {
    sqlx::query_scalar(
        "SELECT id FROM findings WHERE tenant_id = 'acme' AND rule_id = $1 AND node_id = $2",
    )
    .bind(rule_id)
    .bind(format!("aws:us-east-1:{node}"))
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn findings_open_resolve_when_fixed_and_reopen_when_they_recur() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "analyst").await;
    let ssh = observation(SSH_RULE, "aws.ec2.security_group:sg-1", "high");
    let ebs = observation(EBS_RULE, "aws.ec2.volume:vol-1", "medium");

    let first = evaluate(&app, &[ssh.clone(), ebs.clone()]).await;
    assert_eq!(
        (first.new, first.resolved, first.reopened, first.open),
        (2, 0, 0, 2)
    );
    let ssh_id = finding_id(&app, SSH_RULE, "aws.ec2.security_group:sg-1").await;

    // The same results again change nothing but last_seen; identity is stable.
    let again = evaluate(&app, &[ssh.clone(), ebs.clone()]).await;
    assert_eq!((again.new, again.resolved, again.reopened), (0, 0, 0));
    assert_eq!(
        finding_id(&app, SSH_RULE, "aws.ec2.security_group:sg-1").await,
        ssh_id
    );

    // The SSH rule is fixed: its finding resolves.
    let fixed = evaluate(&app, std::slice::from_ref(&ebs)).await;
    assert_eq!((fixed.resolved, fixed.new, fixed.reopened), (1, 0, 0));
    let resolved = app
        .get(&format!("/api/v1/tenants/acme/findings/{ssh_id}"), &key)
        .await;
    assert_eq!(resolved.body["data"]["status"], "resolved");
    assert!(resolved.body["data"]["resolved_at"].is_string());

    // It recurs: same finding, reopened, counted.
    let recurred = evaluate(&app, &[ssh.clone(), ebs.clone()]).await;
    assert_eq!((recurred.reopened, recurred.new), (1, 0));
    let reopened = app
        .get(&format!("/api/v1/tenants/acme/findings/{ssh_id}"), &key)
        .await;
    assert_eq!(reopened.body["data"]["status"], "open");
    assert_eq!(reopened.body["data"]["reopen_count"], 1);
    assert!(reopened.body["data"]["resolved_at"].is_null());

    // Rules that errored resolve nothing.
    let errored = findings::apply_evaluation(
        &app.pool,
        "acme",
        None,
        0,
        std::slice::from_ref(&ebs),
        &[SSH_RULE.to_string()],
    )
    .await
    .unwrap();
    assert_eq!(errored.resolved, 0, "no evidence is not a pass");
}

#[tokio::test]
async fn acceptance_survives_rescans_and_reopens_when_it_expires() {
    let app = spawn_app().await;
    let analyst = app.tenant_with_key("acme", "enterprise", "analyst").await;
    let viewer = app.key_for("acme", "viewer").await;
    let ssh = observation(SSH_RULE, "aws.ec2.security_group:sg-1", "high");
    let delta = evaluate(&app, std::slice::from_ref(&ssh)).await;
    assert_eq!(delta.new, 1);
    let id = finding_id(&app, SSH_RULE, "aws.ec2.security_group:sg-1").await;

    app.post(
        &format!("/api/v1/tenants/acme/findings/{id}/accept"),
        &viewer,
        json!({"reason": "no"}),
    )
    .await
    .assert_error(403, "FORBIDDEN");
    app.post(
        &format!("/api/v1/tenants/acme/findings/{id}/accept"),
        &analyst,
        json!({"reason": " "}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    app.post(
        &format!("/api/v1/tenants/acme/findings/{id}/accept"),
        &analyst,
        json!({"reason": "x", "expires_at": "2001-01-01T00:00:00Z"}),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
    let expires_at = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let accepted = app
        .post(
            &format!("/api/v1/tenants/acme/findings/{id}/accept"),
            &analyst,
            json!({"reason": "bastion by design", "kind": "risk_accepted", "expires_at": expires_at}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body["data"]["status"], "accepted");
    assert_eq!(
        accepted.body["data"]["acceptance"]["reason"],
        "bastion by design"
    );
    assert!(
        accepted.body["data"]["acceptance"]["by"]
            .as_str()
            .unwrap()
            .starts_with("key:")
    );

    // A rescan that still detects it keeps the acceptance.
    let rescan = evaluate(&app, std::slice::from_ref(&ssh)).await;
    assert_eq!((rescan.reopened, rescan.new), (0, 0));
    assert_eq!(
        app.get(&format!("/api/v1/tenants/acme/findings/{id}"), &analyst)
            .await
            .body["data"]["status"],
        "accepted"
    );

    // The acceptance expires (moved into the past rather than waited for): the next evaluation reopens it.
    sqlx::query("UPDATE findings SET expires_at = now() - interval '1 minute'")
        .execute(&app.pool)
        .await
        .unwrap();
    let expired = evaluate(&app, std::slice::from_ref(&ssh)).await;
    assert_eq!(expired.reopened, 1);
    assert_eq!(
        app.get(&format!("/api/v1/tenants/acme/findings/{id}"), &analyst)
            .await
            .body["data"]["status"],
        "open"
    );

    // Manual resolve, then detection again reopens it.
    let resolved = app
        .post(
            &format!("/api/v1/tenants/acme/findings/{id}/resolve"),
            &analyst,
            json!({"reason": "rule removed"}),
        )
        .await;
    assert_eq!(resolved.body["data"]["status"], "resolved");
    assert_eq!(resolved.body["data"]["resolution_reason"], "rule removed");
    app.post(
        &format!("/api/v1/tenants/acme/findings/{id}/resolve"),
        &analyst,
        json!({"reason": "again"}),
    )
    .await
    .assert_error(409, "CONFLICT");
    app.post(
        &format!("/api/v1/tenants/acme/findings/{id}/accept"),
        &analyst,
        json!({"reason": "late"}),
    )
    .await
    .assert_error(409, "CONFLICT");
    let detected = evaluate(&app, std::slice::from_ref(&ssh)).await;
    assert_eq!(detected.reopened, 1);
}

#[tokio::test]
async fn findings_list_filters_and_sorts() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "viewer").await;
    let mut ebs = observation(EBS_RULE, "aws.ec2.volume:vol-1", "medium");
    ebs.categories = vec!["encryption".into()];
    evaluate(
        &app,
        &[
            observation(SSH_RULE, "aws.ec2.security_group:sg-1", "high"),
            observation(
                "aws.ec2.sg_all_ports_open",
                "aws.ec2.security_group:sg-2",
                "critical",
            ),
            ebs,
        ],
    )
    .await;
    let rules = |path: &str| {
        let app = &app;
        let key = key.clone();
        let path = path.to_string();
        async move {
            let answer = app.get(&path, &key).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            answer.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|finding| finding["rule_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        rules("/api/v1/tenants/acme/findings").await,
        vec!["aws.ec2.sg_all_ports_open", SSH_RULE, EBS_RULE]
    );
    assert_eq!(
        rules("/api/v1/tenants/acme/findings?sort=severity").await[0],
        EBS_RULE
    );
    assert_eq!(
        rules("/api/v1/tenants/acme/findings?severity=HIGH,CRITICAL")
            .await
            .len(),
        2
    );
    assert_eq!(
        rules("/api/v1/tenants/acme/findings?category=encryption").await,
        vec![EBS_RULE]
    );
    assert_eq!(
        rules("/api/v1/tenants/acme/findings?type=aws.ec2.volume").await,
        vec![EBS_RULE]
    );
    assert_eq!(
        rules(&format!("/api/v1/tenants/acme/findings?rule_id={SSH_RULE}")).await,
        vec![SSH_RULE]
    );
    assert_eq!(
        rules("/api/v1/tenants/acme/findings?node_id=aws:us-east-1:aws.ec2.volume:vol-1").await,
        vec![EBS_RULE]
    );
    assert_eq!(
        rules("/api/v1/tenants/acme/findings?status=resolved")
            .await
            .len(),
        0
    );
    app.get("/api/v1/tenants/acme/findings?severity=urgent", &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get("/api/v1/tenants/acme/findings?status=done", &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get("/api/v1/tenants/acme/findings?sort=colour", &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get(
        &format!("/api/v1/tenants/acme/findings/{}", uuid::Uuid::new_v4()),
        &key,
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

/// The store parses its rows at the boundary: a finding whose stored evidence is not the
/// evidence shape is a corrupt row (an error naming it), never a finding with guessed evidence;
/// the column's default `{}` reads as empty evidence.
#[tokio::test]
async fn a_stored_finding_is_parsed_at_the_store_boundary() {
    let app = spawn_app().await;
    let key = app.tenant_with_key("acme", "enterprise", "analyst").await;
    let delta = evaluate(
        &app,
        &[observation(SSH_RULE, "aws.ec2.security_group:sg-1", "high")],
    )
    .await;
    assert_eq!(delta.new, 1);
    let id = finding_id(&app, SSH_RULE, "aws.ec2.security_group:sg-1").await;
    let stored = findings::get(&app.pool, "acme", id).await.unwrap();
    assert_eq!(
        stored.evidence.resource.unwrap().id,
        "aws:us-east-1:aws.ec2.security_group:sg-1"
    );

    let set_evidence = |evidence: &'static str| {
        let pool = app.pool.clone();
        async move {
            let mut transaction = pool.begin().await.unwrap();
            sqlx::query("SELECT set_config('app.tenant_id', 'acme', true)")
                .execute(&mut *transaction)
                .await
                .unwrap();
            sqlx::query(
                "UPDATE findings SET evidence = $2::jsonb WHERE tenant_id = 'acme' AND id = $1",
            )
            .bind(id)
            .bind(evidence)
            .execute(&mut *transaction)
            .await
            .unwrap();
            transaction.commit().await.unwrap();
        }
    };

    set_evidence(r#"{"exposed_members": 3}"#).await;
    let error = findings::get(&app.pool, "acme", id).await.unwrap_err();
    assert!(
        matches!(&error, infracast::store::Error::Corrupt(message) if message.contains("evidence") && message.contains(&id.to_string())),
        "{error}"
    );

    set_evidence("{}").await;
    let answer = app
        .get(&format!("/api/v1/tenants/acme/findings/{id}"), &key)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["data"]["evidence"], json!({}));
    assert_eq!(answer.body["data"]["severity"], "high");
}
