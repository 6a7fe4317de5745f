//! CloudWatch Logs, metric filters, alarms, SNS and Security Hub end to end: an estate built in
//! moto with the real AWS SDK (a trail's log group with a CIS 4.3 filter, a CIS 4.5 filter, a
//! near-miss filter, an application log group without retention, a subscribed topic and one nobody
//! subscribed to, an alarm on the 4.3 metric notifying the subscribed topic, an alarm on the 4.5
//! metric notifying the silent topic, an alarm without actions, a multi-region trail sending to the
//! log group), discovered by a job through the API, then nodes, edges, findings and CIS section 4
//! controls read back through the API: 4.3 PASS (complete chain), 4.5 FAIL (its alarm notifies
//! nobody), 4.1 FAIL (no filter).
//!
//! aws-sdk-cloudwatch is pinned to 1.99.0, its last release speaking awsQuery: later releases
//! speak Smithy RPC v2 CBOR, which moto (5.2.1 to 5.2.5) does not serve (README, "CloudWatch
//! monitoring").

use std::sync::Once;

use infracast::jobs;
use reqwest::StatusCode;
use serde_json::{Value, json};

use infracast::model::provider_config::DiscoveryPolicy;

use crate::helpers::{TestApp, edge_destinations, encode, spawn_app_with_policy};
use crate::moto::MotoServer;

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";
const TRAIL_GROUP: &str = "cloudtrail/main";
const ROOT_PATTERN: &str = r#"{ ($.userIdentity.type = "Root") && ($.userIdentity.invokedBy NOT EXISTS) && ($.eventType != "AwsServiceEvent") }"#;
const TRAIL_PATTERN: &str = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || \
                             ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || \
                             ($.eventName = StopLogging) }";
/// 4.3 with `!=` on the identity type: matches everything but root.
const NEAR_MISS_PATTERN: &str = r#"{ $.userIdentity.type != "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

fn static_test_credentials() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: set once, before any SDK client reads the environment, and never changed again.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        }
    });
}

async fn sdk_config(moto: &MotoServer) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

fn transformation(metric: &str) -> aws_sdk_cloudwatchlogs::types::MetricTransformation {
    aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
        .metric_namespace("CISBenchmark")
        .metric_name(metric)
        .metric_value("1")
        .build()
        .unwrap()
}

/// Builds the estate; returns the subscribed topic's ARN and the unsubscribed one's.
async fn build_estate(config: &aws_config::SdkConfig) -> (String, String) {
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    for group in [TRAIL_GROUP, "app"] {
        logs.create_log_group()
            .log_group_name(group)
            .send()
            .await
            .unwrap();
    }
    logs.put_retention_policy()
        .log_group_name(TRAIL_GROUP)
        .retention_in_days(365)
        .send()
        .await
        .unwrap();
    for (name, pattern, metric) in [
        ("root-usage", ROOT_PATTERN, "RootUsage"),
        ("trail-changes", TRAIL_PATTERN, "TrailChanges"),
        ("almost-root", NEAR_MISS_PATTERN, "AlmostRoot"),
    ] {
        logs.put_metric_filter()
            .log_group_name(TRAIL_GROUP)
            .filter_name(name)
            .filter_pattern(pattern)
            .metric_transformations(transformation(metric))
            .send()
            .await
            .unwrap();
    }

    let sns = aws_sdk_sns::Client::new(config);
    let alerts = sns
        .create_topic()
        .name("security-alerts")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();
    let silent = sns
        .create_topic()
        .name("nobody-listens")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();
    sns.subscribe()
        .topic_arn(&alerts)
        .protocol("email")
        .endpoint("security@example.com")
        .send()
        .await
        .unwrap();

    // Alarms on the filters' metrics: 4.3's notifies a subscriber, 4.5's a topic nobody reads,
    // and one alarm has no actions at all.
    let cloudwatch = aws_sdk_cloudwatch::Client::new(config);
    for (name, metric, actions) in [
        ("root-usage-alarm", "RootUsage", vec![alerts.clone()]),
        ("trail-changes-alarm", "TrailChanges", vec![silent.clone()]),
        ("muted-alarm", "AlmostRoot", Vec::new()),
    ] {
        cloudwatch
            .put_metric_alarm()
            .alarm_name(name)
            .namespace("CISBenchmark")
            .metric_name(metric)
            .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
            .period(300)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
            )
            .set_alarm_actions(Some(actions))
            .send()
            .await
            .unwrap();
    }

    // The multi-region, logging trail that sends to the log group (discovered by the CloudTrail
    // service once merged).
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("trail-logs")
        .send()
        .await
        .unwrap();
    let cloudtrail = aws_sdk_cloudtrail::Client::new(config);
    cloudtrail
        .create_trail()
        .name("main")
        .s3_bucket_name("trail-logs")
        .is_multi_region_trail(true)
        .cloud_watch_logs_log_group_arn(format!(
            "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{TRAIL_GROUP}:*"
        ))
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/trail-to-logs"))
        .send()
        .await
        .unwrap();
    cloudtrail
        .start_logging()
        .name("main")
        .send()
        .await
        .unwrap();
    (alerts, silent)
}

async fn moto_app(endpoint: &str) -> TestApp {
    let policy = DiscoveryPolicy {
        allow_ambient_credentials: true,
        ..DiscoveryPolicy::default()
    }
    .with_allowed_endpoints(endpoint)
    .unwrap();
    spawn_app_with_policy(policy).await
}

async fn node(app: &TestApp, key: &str, node_type: &str, raw_id: &str) -> Value {
    let id = format!("aws:{REGION}:{node_type}:{raw_id}");
    let answer = app
        .get(&format!("/api/v1/tenants/acme/nodes/{}", encode(&id)), key)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{id}: {}", answer.body);
    answer.body["data"].clone()
}

async fn failing_nodes(app: &TestApp, key: &str, rule_id: &str) -> Vec<String> {
    let answer = app
        .get(
            &format!("/api/v1/tenants/acme/findings?rule_id={rule_id}&per_page=100"),
            key,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut nodes: Vec<String> = answer.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["node_id"].as_str().unwrap().to_string())
        .collect();
    nodes.sort();
    nodes
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|item| item.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn discovers_log_groups_filters_alarms_topics_and_security_hub_and_judges_cis_section_4() {
    static_test_credentials();
    let moto = MotoServer::start();
    let config = sdk_config(&moto).await;
    let (alerts, silent) = build_estate(&config).await;
    let app = moto_app(&moto.endpoint).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;

    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "aws", "config": {"regions": [REGION], "endpoint_url": moto.endpoint}, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let finished = jobs::run_next(&app.runtime())
        .await
        .unwrap()
        .expect("the job");
    let job = app
        .get(
            &format!("/api/v1/tenants/acme/jobs/{}", finished.job_id),
            &key,
        )
        .await
        .body["data"]
        .clone();
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["scopes"][0]["status"], "completed", "{job}");

    // Log groups: retention and the id a trail's edge points at.
    let trail_group = node(&app, &key, "aws.logs.log_group", TRAIL_GROUP).await;
    assert_eq!(trail_group["properties"]["retention_in_days"], 365);
    let app_group = node(&app, &key, "aws.logs.log_group", "app").await;
    assert!(app_group["properties"]["retention_in_days"].is_null());

    // Metric filters: judged on their patterns.
    let root_filter = node(
        &app,
        &key,
        "aws.logs.metric_filter",
        &format!("{TRAIL_GROUP}:root-usage"),
    )
    .await;
    assert_eq!(strings(&root_filter["properties"]["cis_controls"]), ["4.3"]);
    assert_eq!(
        strings(&root_filter["properties"]["cis_checks"]),
        ["root_usage"]
    );
    assert_eq!(
        root_filter["properties"]["metric_transformations"][0]["metric_name"],
        "RootUsage"
    );
    let trail_filter = node(
        &app,
        &key,
        "aws.logs.metric_filter",
        &format!("{TRAIL_GROUP}:trail-changes"),
    )
    .await;
    assert_eq!(
        strings(&trail_filter["properties"]["cis_controls"]),
        ["4.5"]
    );
    let near_miss = node(
        &app,
        &key,
        "aws.logs.metric_filter",
        &format!("{TRAIL_GROUP}:almost-root"),
    )
    .await;
    assert!(
        strings(&near_miss["properties"]["cis_controls"]).is_empty(),
        "{near_miss}"
    );

    // Alarms are listed (no gap): metric, state and SNS actions.
    let regional = job["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|scope| scope["region"] == "us-east-1")
        .expect("the us-east-1 scope");
    let gaps = strings(&regional["gaps"]);
    assert!(
        !gaps.iter().any(|gap| gap.contains("metric alarms")),
        "{gaps:?}"
    );
    let root_alarm = node(&app, &key, "aws.cloudwatch.alarm", "root-usage-alarm").await;
    assert_eq!(root_alarm["properties"]["metric_namespace"], "CISBenchmark");
    assert_eq!(root_alarm["properties"]["metric_name"], "RootUsage");
    assert_eq!(root_alarm["properties"]["actions_enabled"], true);
    assert_eq!(
        strings(&root_alarm["properties"]["sns_topic_arns"]),
        [alerts.as_str()]
    );

    // Topics and subscriptions (moto confirms an email subscription at once).
    let topic = node(&app, &key, "aws.sns.topic", &alerts).await;
    assert_eq!(topic["name"], "security-alerts");
    assert_eq!(topic["properties"]["subscriptions"][0]["protocol"], "email");
    assert_eq!(
        topic["properties"]["subscriptions"][0]["endpoint"],
        "security@example.com"
    );
    assert_eq!(topic["properties"]["subscriptions"][0]["confirmed"], true);
    let silent_topic = node(&app, &key, "aws.sns.topic", &silent).await;
    assert_eq!(
        silent_topic["properties"]["confirmed_subscription_count"],
        0
    );

    // Edges: filter → log group.
    let trail_group_id = format!("aws:{REGION}:aws.logs.log_group:{TRAIL_GROUP}");
    for filter in ["root-usage", "trail-changes", "almost-root"] {
        let filter_id = format!("aws:{REGION}:aws.logs.metric_filter:{TRAIL_GROUP}:{filter}");
        assert_eq!(
            edge_destinations(&app, &key, "acme", "filters_log_group", &filter_id).await,
            vec![trail_group_id.clone()]
        );
    }

    // Edges: alarm → filter (on namespace and metric), alarm → topic.
    let root_alarm_id = format!("aws:{REGION}:aws.cloudwatch.alarm:root-usage-alarm");
    assert_eq!(
        edge_destinations(&app, &key, "acme", "alarms_on", &root_alarm_id).await,
        [format!(
            "aws:{REGION}:aws.logs.metric_filter:{TRAIL_GROUP}:root-usage"
        )]
    );
    assert_eq!(
        edge_destinations(&app, &key, "acme", "notifies", &root_alarm_id).await,
        [format!("aws:{REGION}:aws.sns.topic:{alerts}")]
    );
    let trail_alarm_id = format!("aws:{REGION}:aws.cloudwatch.alarm:trail-changes-alarm");
    assert_eq!(
        edge_destinations(&app, &key, "acme", "notifies", &trail_alarm_id).await,
        [format!("aws:{REGION}:aws.sns.topic:{silent}")]
    );

    // The region's CIS section 4 summary: only 4.3 has the whole chain (trail → log group →
    // filter → alarm → topic with a confirmed subscriber); 4.5's alarm notifies nobody.
    let summary_id = format!("aws:{REGION}:aws.cloudwatch.cis_monitoring:{ACCOUNT}");
    let summary = node(&app, &key, "aws.cloudwatch.cis_monitoring", ACCOUNT).await;
    assert_eq!(
        strings(&summary["properties"]["monitored_controls"]),
        ["4.3"],
        "{summary}"
    );
    assert_eq!(
        strings(&summary["properties"]["trail_log_groups"]),
        [TRAIL_GROUP]
    );
    assert!(
        failing_nodes(&app, &key, "aws.cloudwatch.root_usage_not_monitored")
            .await
            .is_empty()
    );
    for unmonitored in [
        "aws.cloudwatch.cloudtrail_configuration_changes_not_monitored",
        "aws.cloudwatch.unauthorized_api_calls_not_monitored",
    ] {
        assert_eq!(
            failing_nodes(&app, &key, unmonitored).await,
            std::slice::from_ref(&summary_id),
            "{unmonitored}"
        );
    }
    assert_eq!(
        failing_nodes(&app, &key, "aws.cloudwatch.alarm_notifies_nobody").await,
        [format!("aws:{REGION}:aws.cloudwatch.alarm:muted-alarm")]
    );

    // Security Hub: moto answers "not subscribed", which is disabled (not unknown).
    let hub = node(&app, &key, "aws.securityhub.hub", ACCOUNT).await;
    assert_eq!(hub["properties"]["enabled"], false);
    assert_eq!(
        failing_nodes(&app, &key, "aws.securityhub.hub_disabled").await,
        [format!("aws:{REGION}:aws.securityhub.hub:{ACCOUNT}")]
    );

    // Hygiene findings, per resource.
    assert_eq!(
        failing_nodes(&app, &key, "aws.logs.log_group_retention_unset").await,
        [format!("aws:{REGION}:aws.logs.log_group:app")]
    );
    assert_eq!(
        failing_nodes(&app, &key, "aws.sns.topic_without_confirmed_subscribers").await,
        [format!("aws:{REGION}:aws.sns.topic:{silent}")]
    );

    // CIS section 4 controls.
    let cis = app
        .get(
            "/api/v1/tenants/acme/compliance/controls?framework=cis-aws-foundations",
            &key,
        )
        .await;
    assert_eq!(cis.status, StatusCode::OK, "{}", cis.body);
    let status_of = |id: &str| -> String {
        cis.body["data"]["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|control| control["id"] == id)
            .unwrap_or_else(|| panic!("control {id}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status_of("4.16"), "FAIL");
    assert_eq!(status_of("4.3"), "PASS");
    for failing in ["4.1", "4.2", "4.4", "4.5", "4.14", "4.15"] {
        assert_eq!(status_of(failing), "FAIL", "{failing}");
    }
}
