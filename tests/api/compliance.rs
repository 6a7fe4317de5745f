//! Compliance scores over the sample estate, with their coverage; how accepting a finding moves
//! them; and that they are the result the last evaluation stored (which evaluation, which
//! snapshot), answered unchanged while the next evaluation runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use infracast::jobs::{self, JobRuntime};
use infracast::snapshots::GraphSnapshots;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn control<'a>(controls: &'a Value, id: &str) -> &'a Value {
    controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|control| control["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn compliance_endpoints_score_the_sample_estate_with_formulas() {
    let app = spawn_app().await;
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
    let discovery = jobs::run_next(&runtime).await.unwrap().unwrap();
    assert_eq!(discovery.status, "succeeded");
    let discovery_job = discovery.job_id.to_string();

    let summary = app
        .get("/api/v1/tenants/acme/compliance/summary", &key)
        .await;
    assert_eq!(summary.status, StatusCode::OK, "{}", summary.body);
    assert_eq!(
        summary.body["data"]["frameworks"].as_array().unwrap().len(),
        4
    );
    assert!(summary.body["data"]["last_evaluation"]["at"].is_string());
    // The scores are the result the discovery's evaluation stored.
    assert_eq!(summary.body["data"]["evaluation"]["job_id"], discovery_job);
    assert!(
        summary.body["data"]["evaluation"]["graph_generation"]
            .as_i64()
            .unwrap()
            > 0
    );
    let frameworks = app
        .get("/api/v1/tenants/acme/compliance/frameworks", &key)
        .await;
    assert!(
        frameworks.body["data"][0]["formula"]
            .as_str()
            .unwrap()
            .contains("PASS")
    );
    for framework in frameworks.body["data"].as_array().unwrap() {
        assert_eq!(framework["evaluation"]["job_id"], discovery_job);
    }
    // Coverage beside every score: the sample estate has no IAM, S3 or CloudTrail, so most of
    // CIS is not assessed, whatever the score says.
    let cis_summary = summary.body["data"]["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|framework| framework["framework"] == "cis-aws-foundations")
        .unwrap();
    let counts = &cis_summary["controls"];
    let total = cis_summary["controls_total"].as_u64().unwrap();
    let assessed = cis_summary["controls_assessed"].as_u64().unwrap();
    assert_eq!(
        assessed,
        counts["PASS"].as_u64().unwrap() + counts["FAIL"].as_u64().unwrap()
    );
    assert_eq!(
        total,
        assessed + counts["MANUAL"].as_u64().unwrap() + counts["NOT_APPLICABLE"].as_u64().unwrap()
    );
    assert!(assessed > 0 && total >= 8, "{cis_summary}");
    assert_eq!(
        cis_summary["coverage"].as_f64().unwrap(),
        100.0 * assessed as f64 / total as f64
    );
    assert!(
        cis_summary["coverage_text"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{assessed} of {total} controls assessed (")),
        "{cis_summary}"
    );
    let cis_listed = frameworks.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|framework| framework["id"] == "cis-aws-foundations")
        .unwrap();
    assert_eq!(cis_listed["controls_total"], total);
    assert_eq!(cis_listed["controls_assessed"], assessed);
    assert_eq!(cis_listed["coverage_text"], cis_summary["coverage_text"]);
    // A MANUAL control says what to check by hand; an automated one does not.
    let nist = app
        .get(
            "/api/v1/tenants/acme/compliance/controls?framework=nist-800-53&status=MANUAL",
            &key,
        )
        .await;
    let manual = control(&nist.body["data"], "SC-7(21)");
    assert_eq!(manual["status"], "MANUAL");
    assert!(
        manual["manual_check"]
            .as_str()
            .unwrap()
            .starts_with("Check by hand"),
        "{manual}"
    );

    let cis = app
        .get(
            "/api/v1/tenants/acme/compliance/controls?framework=cis-aws-foundations",
            &key,
        )
        .await;
    assert_eq!(cis.status, StatusCode::OK, "{}", cis.body);
    let data = &cis.body["data"];
    assert_eq!(cis.body["meta"]["evaluation"]["job_id"], discovery_job);
    assert_eq!(data["controls_total"], total);
    assert_eq!(control(data, "5.2")["manual_check"], Value::Null);
    // 5.2: the prod web groups (SSH) and sg-legacy-rdp (RDP) fail.
    let ssh = control(data, "5.2");
    assert_eq!(ssh["status"], "FAIL");
    let failing: Vec<&str> = ssh["failing_resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|resource| resource["node_id"].as_str().unwrap())
        .collect();
    assert!(
        failing.contains(&"aws:us-east-1:aws.ec2.security_group:sg-vpc-0prod-web")
            && failing.contains(&"aws:us-east-1:aws.ec2.security_group:sg-legacy-rdp"),
        "{failing:?}"
    );
    // 3.7: 2 VPCs evaluated, the shared one has no flow logs.
    let flow_logs = control(data, "3.7");
    assert_eq!(
        (
            flow_logs["resources_evaluated"].as_u64(),
            flow_logs["resources_failing"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(flow_logs["score"], 0.5);
    assert!(flow_logs["formula"].as_str().unwrap().contains("1 / 2"));
    // 5.3: no ::/0 admin rules anywhere.
    assert_eq!(control(data, "5.3")["status"], "PASS");

    // Accepting the shared VPC's flow-log finding: accepted, not passing.
    let finding = app
        .get(
            "/api/v1/tenants/acme/findings?rule_id=aws.vpc.flow_logs_disabled",
            &key,
        )
        .await;
    let finding_id = finding.body["data"][0]["id"].as_str().unwrap().to_string();
    let accepted = app
        .post(
            &format!("/api/v1/tenants/acme/findings/{finding_id}/accept"),
            &key,
            json!({"reason": "lab VPC"}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK);
    let after = app
        .get(
            "/api/v1/tenants/acme/compliance/controls?framework=cis-aws-foundations",
            &key,
        )
        .await;
    let flow_logs = control(&after.body["data"], "3.7");
    assert_eq!(
        (
            flow_logs["resources_accepted"].as_u64(),
            flow_logs["resources_failing"].as_u64(),
            flow_logs["resources_passing"].as_u64()
        ),
        (Some(1), Some(0), Some(1))
    );
    assert_eq!(flow_logs["score"], 0.5, "accepted is not passing");
    assert!(
        !flow_logs["failing_resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|resource| resource["rule_id"] == "aws.vpc.flow_logs_disabled"),
        "{flow_logs}"
    );
    // 3.7's only failure is accepted: the control no longer fails, with no new evaluation.
    assert_eq!(flow_logs["status"], "PASS");
    assert_eq!(after.body["meta"]["evaluation"]["job_id"], discovery_job);

    // Resolving it by hand ends the acceptance: the stored failure counts again at once.
    let resolved = app
        .post(
            &format!("/api/v1/tenants/acme/findings/{finding_id}/resolve"),
            &key,
            json!({"reason": "moved"}),
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    let reopened = app
        .get(
            "/api/v1/tenants/acme/compliance/controls?framework=cis-aws-foundations",
            &key,
        )
        .await;
    let flow_logs = control(&reopened.body["data"], "3.7");
    assert_eq!(
        (
            flow_logs["status"].as_str(),
            flow_logs["resources_accepted"].as_u64(),
            flow_logs["resources_failing"].as_u64()
        ),
        (Some("FAIL"), Some(0), Some(1))
    );

    app.get("/api/v1/tenants/acme/compliance/controls", &key)
        .await
        .assert_error(400, "VALIDATION_ERROR");
    app.get(
        "/api/v1/tenants/acme/compliance/controls?framework=iso27001",
        &key,
    )
    .await
    .assert_error(400, "VALIDATION_ERROR");
}

/// A tenant with the sample estate discovered and evaluated once; returns its key and the runtime.
async fn sample_tenant(app: &crate::helpers::TestApp) -> (String, JobRuntime, String) {
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
    let finished = jobs::run_next(&runtime).await.unwrap().unwrap();
    assert_eq!(finished.status, "succeeded");
    (key, runtime, finished.job_id.to_string())
}

#[tokio::test]
async fn while_an_evaluation_runs_the_previous_stored_result_answers() {
    let app = spawn_app().await;
    let (key, runtime, discovery_job) = sample_tenant(&app).await;
    let paths = [
        "/api/v1/tenants/acme/compliance/summary",
        "/api/v1/tenants/acme/compliance/frameworks",
        "/api/v1/tenants/acme/compliance/controls?framework=cis-aws-foundations",
    ];
    let mut before = Vec::new();
    for path in paths {
        let answer = app.get(path, &key).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        before.push(answer.body);
    }
    assert_eq!(before[0]["data"]["evaluation"]["job_id"], discovery_job);

    let requested = app
        .post("/api/v1/tenants/acme/evaluations", &key, json!({}))
        .await;
    assert_eq!(requested.status, StatusCode::ACCEPTED, "{}", requested.body);
    let evaluation_job = requested.body["data"]["job_id"]
        .as_str()
        .or(requested.body["data"]["id"].as_str())
        .expect("the evaluation's job id")
        .to_string();

    // Hold the evaluation where it replaces the stored result: the test owns the rows' locks.
    let mut hold = app.pool.begin().await.unwrap();
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM compliance_results WHERE tenant_id = 'acme' FOR UPDATE) AS locked",
    )
    .fetch_one(&mut *hold)
    .await
    .unwrap();
    assert_eq!(held, 4, "one stored result per framework");
    let worker_runtime = runtime.clone();
    let worker = tokio::spawn(async move { jobs::run_next(&worker_runtime).await });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND state = 'active'
               AND query LIKE 'DELETE FROM compliance_results%'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            !worker.is_finished(),
            "the evaluation finished without waiting"
        );
        assert!(
            Instant::now() < deadline,
            "the evaluation never reached its write"
        );
        tokio::task::yield_now().await;
    }
    // The evaluation is running (its findings are written, its scores not yet): every answer is
    // the previous one, at once.
    for (path, previous) in paths.iter().zip(&before) {
        let answer = app.get(path, &key).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(&answer.body, previous, "{path}");
    }
    let job = app
        .get(&format!("/api/v1/tenants/acme/jobs/{evaluation_job}"), &key)
        .await;
    assert_eq!(job.body["data"]["status"], "running", "{}", job.body);

    hold.rollback().await.unwrap();
    let finished = worker.await.unwrap().unwrap().unwrap();
    assert_eq!(finished.status, "succeeded");
    assert_eq!(finished.job_id.to_string(), evaluation_job);
    let after = app.get(paths[0], &key).await;
    assert_eq!(after.body["data"]["evaluation"]["job_id"], evaluation_job);
    assert_ne!(
        after.body["data"]["evaluation"]["evaluation_id"],
        before[0]["data"]["evaluation"]["evaluation_id"]
    );
    // Same graph, same rules: the same scores, now from the new evaluation.
    assert_eq!(
        after.body["data"]["evaluation"]["graph_generation"],
        before[0]["data"]["evaluation"]["graph_generation"]
    );
    assert_eq!(
        after.body["data"]["frameworks"],
        before[0]["data"]["frameworks"]
    );
    let controls = app.get(paths[2], &key).await;
    assert_eq!(
        controls.body["meta"]["evaluation"]["job_id"],
        evaluation_job
    );
}

#[tokio::test]
async fn a_tenant_without_an_evaluation_sees_no_stored_result_of_another_or_a_deleted_tenant() {
    let app = spawn_app().await;
    let (_, _, _) = sample_tenant(&app).await;
    let beta = app.tenant_with_key("beta", "enterprise", "admin").await;
    let assert_unevaluated = |answer: &crate::helpers::Answer, who: &str| {
        assert_eq!(answer.status, StatusCode::OK, "{who}: {}", answer.body);
        assert_eq!(answer.body["data"]["evaluation"], Value::Null, "{who}");
        assert_eq!(answer.body["data"]["last_evaluation"], Value::Null, "{who}");
        assert_eq!(answer.body["data"]["score"], Value::Null, "{who}");
        let frameworks = answer.body["data"]["frameworks"].as_array().unwrap();
        assert_eq!(frameworks.len(), 4, "{who}");
        for framework in frameworks {
            assert_eq!(framework["score"], Value::Null, "{who}");
            assert_eq!(framework["controls_assessed"], 0, "{who}");
            assert_eq!(framework["controls"]["PASS"], 0, "{who}");
            assert_eq!(framework["controls"]["FAIL"], 0, "{who}");
        }
    };
    let summary = app
        .get("/api/v1/tenants/beta/compliance/summary", &beta)
        .await;
    assert_unevaluated(&summary, "beta");
    let controls = app
        .get(
            "/api/v1/tenants/beta/compliance/controls?framework=cis-aws-foundations",
            &beta,
        )
        .await;
    assert_eq!(controls.status, StatusCode::OK, "{}", controls.body);
    assert_eq!(controls.body["meta"]["evaluation"], Value::Null);
    for control in controls.body["data"]["controls"].as_array().unwrap() {
        assert!(
            control["status"] == "NOT_APPLICABLE" || control["status"] == "MANUAL",
            "{control}"
        );
        assert_eq!(control["failing_resources"], json!([]));
    }

    // acme is deleted and created again: the new acme starts with no stored result.
    let deleted = app.delete("/api/v1/tenants/acme", &app.platform_key).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM compliance_results WHERE tenant_id = 'acme'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, 0, "deleting a tenant deletes its stored results");
    let new_key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let summary = app
        .get("/api/v1/tenants/acme/compliance/summary", &new_key)
        .await;
    assert_unevaluated(&summary, "the new acme");
}
