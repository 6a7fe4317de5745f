//! The acceptance estate of issue 12, end to end against moto_server with the real AWS SDK: one
//! account over two regions with an IAM user without MFA and with an access key (and one with
//! MFA), a public bucket and a compliant one, a single-region trail without log file validation
//! and a compliant multi-region one, a KMS key without rotation (and one with), AWS Config
//! recording in one region only, and on the multi-region trail's log group a CIS 4.1 metric filter
//! with an alarm notifying a topic with a confirmed subscriber, a CIS 4.3 filter without an alarm,
//! and no 4.2 filter at all. Discovered through the API (and through the CLI binary), then judged
//! per resource (findings) and per CIS AWS Foundations 3.0.0 control, with the framework's
//! coverage numbers.
//!
//! moto cannot age an access key (its keys are created "now", and moto_server has no clock to
//! move), so the key-age rule (CIS 1.14) is asserted on moto's own credential report read as if
//! discovery ran 120 days later: the report is real, the clock is the test's.

use std::process::Command;

use aws_sdk_s3::types::{
    BucketCannedAcl, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use infracast::jobs;
use reqwest::StatusCode;
use serde_json::{Value, json};

use infracast::model::provider_config::DiscoveryPolicy;

use crate::helpers::{TestApp, encode, spawn_app_with_policy};
use crate::moto::MotoServer;

const HOME: &str = "us-east-1";
const OTHER: &str = "eu-west-1";
/// moto's default account (the static test credentials act in it).
const ACCOUNT: &str = "123456789012";
const TRAIL_GROUP: &str = "cloudtrail/org";
const UNAUTHORIZED_CALLS_PATTERN: &str = r#"{($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#;
const ROOT_USAGE_PATTERN: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

async fn sdk_config(moto: &MotoServer, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

fn s3_client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

fn id(region: &str, node_type: &str, raw: &str) -> String {
    format!("aws:{region}:{node_type}:{raw}")
}

/// What the test built that discovery names by generated ids.
struct Estate {
    rotating_key: String,
    stale_key: String,
    alerts_topic: String,
}

async fn build_identities(config: &aws_config::SdkConfig) {
    let iam = aws_sdk_iam::Client::new(config);
    // A console user without MFA, with an access key.
    iam.create_user().user_name("nomfa").send().await.unwrap();
    iam.create_login_profile()
        .user_name("nomfa")
        .password("Correct-Horse-1")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("nomfa")
        .send()
        .await
        .unwrap();
    // A console user with a virtual MFA device.
    iam.create_user().user_name("withmfa").send().await.unwrap();
    iam.create_login_profile()
        .user_name("withmfa")
        .password("Correct-Horse-2")
        .send()
        .await
        .unwrap();
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("withmfa")
        .send()
        .await
        .unwrap();
    let serial = device
        .virtual_mfa_device()
        .unwrap()
        .serial_number()
        .to_string();
    iam.enable_mfa_device()
        .user_name("withmfa")
        .serial_number(&serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();
}

async fn build_buckets(config: &aws_config::SdkConfig, kms_key_arn: &str) {
    let s3 = s3_client(config);
    // public-site: readable by everyone through its policy and its ACL, nothing else set.
    s3.create_bucket()
        .bucket("public-site")
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket("public-site")
        .policy(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": "arn:aws:s3:::public-site/*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_acl()
        .bucket("public-site")
        .acl(BucketCannedAcl::PublicRead)
        .send()
        .await
        .unwrap();
    // audit-logs: TLS-only policy, KMS encryption, every public access block on.
    s3.create_bucket()
        .bucket("audit-logs")
        .send()
        .await
        .unwrap();
    s3.put_bucket_policy()
        .bucket("audit-logs")
        .policy(
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": ["arn:aws:s3:::audit-logs", "arn:aws:s3:::audit-logs/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": "arn:aws:s3:::audit-logs/*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_encryption()
        .bucket("audit-logs")
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::AwsKms)
                                .kms_master_key_id(kms_key_arn)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_public_access_block()
        .bucket("audit-logs")
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// The trail's log group with a CIS 4.1 filter whose alarm notifies a subscribed topic, and a CIS
/// 4.3 filter nobody alarms on; returns the topic's ARN.
async fn build_monitoring(config: &aws_config::SdkConfig) -> String {
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    logs.create_log_group()
        .log_group_name(TRAIL_GROUP)
        .send()
        .await
        .unwrap();
    for (name, pattern, metric) in [
        (
            "unauthorized-calls",
            UNAUTHORIZED_CALLS_PATTERN,
            "UnauthorizedCalls",
        ),
        ("root-usage", ROOT_USAGE_PATTERN, "RootUsage"),
    ] {
        logs.put_metric_filter()
            .log_group_name(TRAIL_GROUP)
            .filter_name(name)
            .filter_pattern(pattern)
            .metric_transformations(
                aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                    .metric_namespace("CISBenchmark")
                    .metric_name(metric)
                    .metric_value("1")
                    .build()
                    .unwrap(),
            )
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
    // moto confirms an email subscription at once.
    sns.subscribe()
        .topic_arn(&alerts)
        .protocol("email")
        .endpoint("security@example.com")
        .send()
        .await
        .unwrap();
    aws_sdk_cloudwatch::Client::new(config)
        .put_metric_alarm()
        .alarm_name("unauthorized-calls")
        .namespace("CISBenchmark")
        .metric_name("UnauthorizedCalls")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(300)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(
            aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
        )
        .alarm_actions(&alerts)
        .send()
        .await
        .unwrap();
    alerts
}

async fn build_trails(config: &aws_config::SdkConfig, kms_key_arn: &str) {
    let cloudtrail = aws_sdk_cloudtrail::Client::new(config);
    // A single-region trail without log file validation.
    cloudtrail
        .create_trail()
        .name("regional-trail")
        .s3_bucket_name("public-site")
        .send()
        .await
        .unwrap();
    cloudtrail
        .start_logging()
        .name("regional-trail")
        .send()
        .await
        .unwrap();
    // The compliant multi-region trail: validation, KMS, delivering to the monitored log group.
    cloudtrail
        .create_trail()
        .name("org-trail")
        .s3_bucket_name("audit-logs")
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .kms_key_id(kms_key_arn)
        .include_global_service_events(true)
        .cloud_watch_logs_log_group_arn(format!(
            "arn:aws:logs:{HOME}:{ACCOUNT}:log-group:{TRAIL_GROUP}:*"
        ))
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{ACCOUNT}:role/trail-to-logs"))
        .send()
        .await
        .unwrap();
    cloudtrail
        .start_logging()
        .name("org-trail")
        .send()
        .await
        .unwrap();
}

/// AWS Config records in the home region only.
async fn build_config_recorder(config: &aws_config::SdkConfig) {
    let recorder = aws_sdk_config::Client::new(config);
    recorder
        .put_configuration_recorder()
        .configuration_recorder(
            aws_sdk_config::types::ConfigurationRecorder::builder()
                .name("default")
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/config"))
                .recording_group(
                    aws_sdk_config::types::RecordingGroup::builder()
                        .all_supported(true)
                        .include_global_resource_types(true)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    recorder
        .put_delivery_channel()
        .delivery_channel(
            aws_sdk_config::types::DeliveryChannel::builder()
                .name("default")
                .s3_bucket_name("audit-logs")
                .build(),
        )
        .send()
        .await
        .unwrap();
    recorder
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();
}

async fn build_estate(moto: &MotoServer) -> Estate {
    let home = sdk_config(moto, HOME).await;
    let kms = aws_sdk_kms::Client::new(&home);
    let mut keys = Vec::new();
    for description in ["audit logs", "legacy"] {
        keys.push(
            kms.create_key()
                .description(description)
                .send()
                .await
                .unwrap()
                .key_metadata()
                .unwrap()
                .key_id()
                .to_string(),
        );
    }
    let (rotating_key, stale_key) = (keys[0].clone(), keys[1].clone());
    kms.enable_key_rotation()
        .key_id(&rotating_key)
        .send()
        .await
        .unwrap();
    let rotating_arn = format!("arn:aws:kms:{HOME}:{ACCOUNT}:key/{rotating_key}");

    build_identities(&home).await;
    build_buckets(&home, &rotating_arn).await;
    let alerts_topic = build_monitoring(&home).await;
    build_trails(&home, &rotating_arn).await;
    build_config_recorder(&home).await;
    Estate {
        rotating_key,
        stale_key,
        alerts_topic,
    }
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

async fn get_data(app: &TestApp, key: &str, path: &str) -> Value {
    let answer = app.get(&format!("/api/v1/tenants/acme/{path}"), key).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.body["data"].clone()
}

async fn total(app: &TestApp, key: &str, path: &str) -> u64 {
    let answer = app.get(&format!("/api/v1/tenants/acme/{path}"), key).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.body["meta"]["total"].as_u64().unwrap()
}

async fn run_aws_job(app: &TestApp, key: &str, config: Value) -> Value {
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            key,
            json!({"provider": "aws", "config": config, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let finished = jobs::run_next(&app.runtime())
        .await
        .unwrap()
        .expect("the job");
    get_data(app, key, &format!("jobs/{}", finished.job_id)).await
}

/// The node ids with an open finding of `rule_id`, sorted.
async fn failing(app: &TestApp, key: &str, rule_id: &str) -> Vec<String> {
    let findings = get_data(
        app,
        key,
        &format!("findings?per_page=500&status=open&rule_id={rule_id}"),
    )
    .await;
    let mut ids: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["node_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn cis_controls(app: &TestApp, key: &str) -> Value {
    get_data(
        app,
        key,
        "compliance/controls?framework=cis-aws-foundations",
    )
    .await
}

fn control<'a>(controls: &'a Value, control_id: &str) -> &'a Value {
    controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|control| control["id"] == control_id)
        .unwrap_or_else(|| panic!("control {control_id} is listed"))
}

/// A control's status and its failing resources (sorted node ids).
fn verdict(controls: &Value, control_id: &str) -> (String, Vec<String>) {
    let control = control(controls, control_id);
    let mut failing: Vec<String> = control["failing_resources"]
        .as_array()
        .map(|resources| {
            resources
                .iter()
                .map(|resource| resource["node_id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    failing.sort();
    (control["status"].as_str().unwrap().to_string(), failing)
}

/// The control ids the shipped CIS file lists, and those with no rule (MANUAL), read from the
/// file itself: blocks of one id merge their rules, so an id is manual when no block gives it one.
fn cis_file_controls() -> (usize, usize) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/frameworks/cis-aws-foundations-3.0.0.toml"
    ))
    .unwrap();
    let file: toml::Value = toml::from_str(&text).unwrap();
    let mut rules_by_id: std::collections::BTreeMap<String, usize> = Default::default();
    for block in file["control"].as_array().unwrap() {
        let rules = block["rules"].as_array().map(Vec::len).unwrap_or(0);
        *rules_by_id
            .entry(block["id"].as_str().unwrap().to_string())
            .or_default() += rules;
    }
    let manual = rules_by_id.values().filter(|rules| **rules == 0).count();
    (rules_by_id.len(), manual)
}

/// The node types the estate must put in the graph, with how many of each.
const EXPECTED_TYPE_COUNTS: &[(&str, u64)] = &[
    ("aws.iam.user", 2),
    ("aws.s3.bucket", 2),
    ("aws.cloudtrail.trail", 2),
    ("aws.kms.key", 2),
    ("aws.config.region_settings", 2),
    ("aws.logs.log_group", 1),
    ("aws.logs.metric_filter", 2),
    ("aws.cloudwatch.alarm", 1),
    ("aws.sns.topic", 1),
    ("aws.cloudwatch.cis_monitoring", 2),
];

async fn assert_estate_types_in_graph(app: &TestApp, key: &str) {
    for (node_type, expected) in EXPECTED_TYPE_COUNTS {
        assert_eq!(
            total(app, key, &format!("nodes?types={node_type}")).await,
            *expected,
            "{node_type}"
        );
    }
}

#[tokio::test]
async fn the_acceptance_estate_is_judged_per_resource_and_per_cis_control_with_coverage() {
    crate::aws_discovery::static_test_credentials();
    let moto = MotoServer::start();
    let estate = build_estate(&moto).await;
    let app = moto_app(&moto.endpoint).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;

    let job = run_aws_job(
        &app,
        &key,
        json!({"regions": [HOME, OTHER], "endpoint_url": moto.endpoint}),
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let mut scopes: Vec<(String, String)> = job["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|scope| {
            (
                scope["region"].as_str().unwrap().to_string(),
                scope["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    scopes.sort();
    assert_eq!(
        scopes,
        [
            ("eu-west-1", "completed"),
            ("global", "completed"),
            ("us-east-1", "completed")
        ]
        .map(|(region, status)| (region.to_string(), status.to_string()))
    );
    // The alarms were listed: no gap names them.
    assert!(
        !job["scopes"].to_string().contains("metric alarms"),
        "{job}"
    );
    assert_estate_types_in_graph(&app, &key).await;

    // The CIS 4.1 chain as edges: alarm → filter → log group, alarm → topic.
    let alarm_id = id(HOME, "aws.cloudwatch.alarm", "unauthorized-calls");
    let filter_id = id(
        HOME,
        "aws.logs.metric_filter",
        &format!("{TRAIL_GROUP}:unauthorized-calls"),
    );
    for (kind, src, dst) in [
        ("alarms_on", alarm_id.clone(), filter_id.clone()),
        (
            "filters_log_group",
            filter_id.clone(),
            id(HOME, "aws.logs.log_group", TRAIL_GROUP),
        ),
        (
            "notifies",
            alarm_id.clone(),
            id(HOME, "aws.sns.topic", &estate.alerts_topic),
        ),
    ] {
        assert_eq!(
            total(
                &app,
                &key,
                &format!(
                    "edges?kind={kind}&src={}&dst={}",
                    encode(&src),
                    encode(&dst)
                )
            )
            .await,
            1,
            "{kind}: {src} → {dst}"
        );
    }

    // Findings, per resource.
    let nomfa = id("global", "aws.iam.user", "nomfa");
    let public_site = id(HOME, "aws.s3.bucket", "public-site");
    let audit_logs = id(HOME, "aws.s3.bucket", "audit-logs");
    let regional_trail = id(HOME, "aws.cloudtrail.trail", "regional-trail");
    let stale_key = id(HOME, "aws.kms.key", &estate.stale_key);
    let other_config = id(OTHER, "aws.config.region_settings", ACCOUNT);
    let home_monitoring = id(HOME, "aws.cloudwatch.cis_monitoring", ACCOUNT);
    assert_eq!(
        failing(&app, &key, "aws.iam.user_console_without_mfa").await,
        std::slice::from_ref(&nomfa)
    );
    // moto's key is minutes old: not yet a finding (the old side is the next test's).
    assert!(
        failing(&app, &key, "aws.iam.user_access_key_not_rotated_90_days")
            .await
            .is_empty()
    );
    assert_eq!(
        failing(&app, &key, "aws.s3.bucket_public_via_policy").await,
        std::slice::from_ref(&public_site)
    );
    let insecure = failing(&app, &key, "aws.s3.bucket_allows_insecure_transport").await;
    assert!(insecure.contains(&public_site), "{insecure:?}");
    assert!(!insecure.contains(&audit_logs), "{insecure:?}");
    assert_eq!(
        failing(&app, &key, "aws.cloudtrail.log_file_validation_off").await,
        std::slice::from_ref(&regional_trail)
    );
    assert_eq!(
        failing(&app, &key, "aws.kms.key_rotation_off").await,
        std::slice::from_ref(&stale_key)
    );
    assert!(
        !failing(&app, &key, "aws.kms.key_rotation_off")
            .await
            .contains(&id(HOME, "aws.kms.key", &estate.rotating_key))
    );
    assert_eq!(
        failing(&app, &key, "aws.config.not_recording_in_region").await,
        std::slice::from_ref(&other_config)
    );
    // 4.1 is monitored where the multi-region trail delivers; eu-west-1, covered by the trail's
    // shadow copy, leaves its section 4 verdicts to us-east-1 rather than failing them.
    let other_monitoring = id(OTHER, "aws.cloudwatch.cis_monitoring", ACCOUNT);
    let other_summary = get_data(&app, &key, &format!("nodes/{}", encode(&other_monitoring))).await;
    assert_eq!(
        other_summary["properties"]["judged_in_regions"],
        json!([HOME]),
        "{other_summary}"
    );
    for rule in [
        "aws.cloudwatch.unauthorized_api_calls_not_monitored",
        "aws.cloudwatch.root_usage_not_monitored",
    ] {
        assert!(
            !failing(&app, &key, rule).await.contains(&other_monitoring),
            "{rule} fails eu-west-1"
        );
    }
    let home_summary = get_data(&app, &key, &format!("nodes/{}", encode(&home_monitoring))).await;
    assert!(
        home_summary["properties"]["monitored_controls"]
            .as_array()
            .unwrap()
            .contains(&json!("4.1")),
        "{home_summary}"
    );
    assert!(
        !failing(
            &app,
            &key,
            "aws.cloudwatch.unauthorized_api_calls_not_monitored"
        )
        .await
        .contains(&home_monitoring)
    );
    for unmonitored in [
        "aws.cloudwatch.console_sign_in_without_mfa_not_monitored",
        "aws.cloudwatch.root_usage_not_monitored",
    ] {
        assert!(
            failing(&app, &key, unmonitored)
                .await
                .contains(&home_monitoring),
            "{unmonitored}"
        );
    }

    // CIS AWS Foundations 3.0.0, per control and per resource.
    let controls = cis_controls(&app, &key).await;
    let pass = |control_id: &str| {
        let (status, failing) = verdict(&controls, control_id);
        assert_eq!(
            (status.as_str(), failing.len()),
            ("PASS", 0),
            "{control_id}"
        );
    };
    let fail_on = |control_id: &str, expected: &[&String]| {
        let (status, failing) = verdict(&controls, control_id);
        assert_eq!(status, "FAIL", "{control_id}");
        for resource in expected {
            assert!(failing.contains(resource), "{control_id}: {failing:?}");
        }
    };
    fail_on("1.10", &[&nomfa]);
    assert_eq!(
        verdict(&controls, "1.10").1,
        std::slice::from_ref(&nomfa),
        "withmfa passes"
    );
    assert_eq!(control(&controls, "1.10")["resources_evaluated"], 2);
    pass("1.14");
    fail_on("2.1.1", &[&public_site]);
    assert!(!verdict(&controls, "2.1.1").1.contains(&audit_logs));
    fail_on("2.1.4", &[&public_site]);
    assert!(!verdict(&controls, "2.1.4").1.contains(&audit_logs));
    pass("3.1");
    assert_eq!(control(&controls, "3.1")["resources_evaluated"], 2);
    fail_on("3.2", &[&regional_trail]);
    assert_eq!(
        verdict(&controls, "3.2").1,
        std::slice::from_ref(&regional_trail),
        "the multi-region trail validates its files"
    );
    fail_on("3.3", &[&other_config]);
    assert_eq!(
        verdict(&controls, "3.3").1,
        std::slice::from_ref(&other_config)
    );
    fail_on("3.6", &[&stale_key]);
    assert_eq!(
        verdict(&controls, "3.6").1,
        std::slice::from_ref(&stale_key)
    );
    pass("4.1");
    assert_eq!(
        control(&controls, "4.1")["resources_evaluated"],
        2,
        "both regions' summaries are evaluated"
    );
    fail_on("4.2", &[&home_monitoring]);
    fail_on("4.3", &[&home_monitoring]);

    // Coverage beside the score: counted from the controls listed above and from the file.
    let statuses: Vec<&str> = controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|control| control["status"].as_str().unwrap())
        .collect();
    let count = |status: &str| statuses.iter().filter(|each| **each == status).count();
    let (listed_in_file, manual_in_file) = cis_file_controls();
    assert_eq!(listed_in_file, 62, "CIS 3.0.0 has 62 recommendations");
    assert_eq!(statuses.len(), 62);
    assert_eq!(count("MANUAL"), manual_in_file);
    let frameworks = get_data(&app, &key, "compliance/frameworks").await;
    let cis = frameworks
        .as_array()
        .unwrap()
        .iter()
        .find(|framework| {
            framework["id"]
                .as_str()
                .unwrap()
                .starts_with("cis-aws-foundations")
        })
        .expect("the CIS framework");
    let assessed = count("PASS") + count("FAIL");
    // At least the controls asserted above, judged from this estate.
    assert!(assessed >= 14, "{assessed}");
    assert_eq!(cis["controls_total"], 62, "{cis}");
    assert_eq!(cis["controls_assessed"], assessed, "{cis}");
    assert_eq!(cis["controls_passing"], count("PASS"), "{cis}");
    assert_eq!(cis["controls_failing"], count("FAIL"), "{cis}");
    assert_eq!(cis["controls_manual"], manual_in_file, "{cis}");
    assert_eq!(cis["controls_not_applicable"], count("NOT_APPLICABLE"));
    // The documented formulas: coverage = 100 × assessed / total, score = 100 × PASS / assessed.
    let coverage = cis["coverage"].as_f64().unwrap();
    assert!(
        (coverage - 100.0 * assessed as f64 / 62.0).abs() < 1e-6,
        "{coverage} for {assessed} of 62"
    );
    let text = cis["coverage_text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!("{assessed} of 62 controls assessed")),
        "{text}"
    );
    assert!(text.contains(&format!("{manual_in_file} manual")), "{text}");
    let score = cis["score"].as_f64().unwrap();
    assert!(
        (score - 100.0 * count("PASS") as f64 / assessed as f64).abs() < 1e-6,
        "{score}"
    );
}

/// moto's credential report for the account (generated until complete, as IAM wants).
async fn moto_credential_report(iam: &aws_sdk_iam::Client) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let state = iam.generate_credential_report().send().await.unwrap();
        if state.state() == Some(&aws_sdk_iam::types::ReportStateType::Complete) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "moto never completed the credential report"
        );
        tokio::task::yield_now().await;
    }
    let report = iam.get_credential_report().send().await.unwrap();
    String::from_utf8(report.content().unwrap().as_ref().to_vec()).unwrap()
}

/// CIS 1.14 (and 1.12) on an old key. moto dates every key "now", so the report is moto's own and
/// the discovery clock is moved 120 days on: IAM's transform reads the key as 120 days old and
/// never used, and the node, imported through the API, fails the shipped rules and controls.
#[tokio::test]
async fn a_key_120_days_old_in_motos_credential_report_fails_cis_1_14_and_1_12() {
    use infracast::discovery::aws::iam::transform::{
        Origin, parse_credential_report, transform_user,
    };
    crate::aws_discovery::static_test_credentials();
    let moto = MotoServer::start();
    let iam = aws_sdk_iam::Client::new(&sdk_config(&moto, HOME).await);
    iam.create_user().user_name("old-key").send().await.unwrap();
    iam.create_access_key()
        .user_name("old-key")
        .send()
        .await
        .unwrap();
    let csv = moto_credential_report(&iam).await;
    let details = iam
        .get_account_authorization_details()
        .filter(aws_sdk_iam::types::EntityType::User)
        .send()
        .await
        .unwrap();
    let user = details
        .user_detail_list()
        .iter()
        .find(|user| user.user_name() == Some("old-key"))
        .expect("moto lists the user");

    let later = chrono::Utc::now() + chrono::Duration::days(120);
    let report = parse_credential_report(&csv, later);
    let row = report.users.get("old-key").expect("the user's report row");
    assert_eq!(row.access_keys.len(), 1, "{row:?}");
    assert!(row.access_keys[0].active);
    assert_eq!(row.access_keys[0].age_days, Some(120), "{csv}");
    let origin = Origin {
        account: ACCOUNT.to_string(),
        region: "global".to_string(),
    };
    let node = transform_user(&origin, user, Some(row), later).unwrap();
    let inventory = json!({
        "scopes": [{"provider": "aws", "account": ACCOUNT, "region": "global"}],
        "nodes": [node],
        "edges": [],
    });

    let app = moto_app(&moto.endpoint).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "fixture", "config": {"inventory": inventory}, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let finished = jobs::run_next(&app.runtime()).await.unwrap().unwrap();
    let job = get_data(&app, &key, &format!("jobs/{}", finished.job_id)).await;
    assert_eq!(job["status"], "succeeded", "{job}");

    let old_key = id("global", "aws.iam.user", "old-key");
    let user = get_data(&app, &key, &format!("nodes/{}", encode(&old_key))).await;
    assert_eq!(user["properties"]["oldest_active_key_age_days"], 120);
    assert_eq!(
        failing(&app, &key, "aws.iam.user_access_key_not_rotated_90_days").await,
        std::slice::from_ref(&old_key)
    );
    assert_eq!(
        failing(&app, &key, "aws.iam.user_credentials_unused_45_days").await,
        std::slice::from_ref(&old_key)
    );
    let controls = cis_controls(&app, &key).await;
    for control_id in ["1.12", "1.14"] {
        assert_eq!(
            verdict(&controls, control_id),
            ("FAIL".to_string(), vec![old_key.clone()]),
            "{control_id}"
        );
    }
}

/// A URL for the CLI naming the test's own database (on `DATABASE_URL`'s server, or on the
/// embedded test cluster's unix socket).
fn database_url(pool: &sqlx::PgPool) -> String {
    let options = pool.connect_options();
    let database = options.get_database().expect("a named test database");
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.trim().is_empty()
    {
        let mut url = reqwest::Url::parse(&url).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{database}"));
        return url.to_string();
    }
    let socket = options
        .get_socket()
        .expect("the embedded test cluster listens on a unix socket");
    let mut url = reqwest::Url::parse("postgres://localhost").unwrap();
    url.set_username(options.get_username()).unwrap();
    url.set_path(&format!("/{database}"));
    url.query_pairs_mut()
        .append_pair("host", &socket.to_string_lossy())
        .append_pair("port", &options.get_port().to_string());
    url.to_string()
}

/// `infracast discover` (the built binary, the operator's command) against moto for the same
/// account: the job succeeds over both regions and the global scope, every type of the estate is in
/// the graph, and the CIS answer read through the API reflects the CLI's run.
#[tokio::test]
async fn the_cli_discovers_the_acceptance_estate_into_the_graph() {
    crate::aws_discovery::static_test_credentials();
    let moto = MotoServer::start();
    build_estate(&moto).await;
    let app = moto_app(&moto.endpoint).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;

    let output = Command::new(env!("CARGO_BIN_EXE_infracast"))
        .args([
            "discover",
            "--tenant",
            "acme",
            "--provider",
            "aws",
            "--regions",
            &format!("{HOME},{OTHER}"),
            "--endpoint-url",
            &moto.endpoint,
        ])
        .env("DATABASE_URL", database_url(&app.pool))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("the infracast binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_str(&stdout).expect("discover prints the job as JSON");
    assert_eq!(printed["status"], "succeeded", "{printed}");
    let mut regions: Vec<&str> = printed["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|scope| {
            assert_eq!(scope["status"], "completed", "{scope}");
            assert_eq!(scope["account"], ACCOUNT, "{scope}");
            scope["region"].as_str().unwrap()
        })
        .collect();
    regions.sort();
    assert_eq!(regions, ["eu-west-1", "global", "us-east-1"]);

    assert_estate_types_in_graph(&app, &key).await;
    let controls = cis_controls(&app, &key).await;
    assert_eq!(
        verdict(&controls, "4.1"),
        ("PASS".to_string(), Vec::new()),
        "4.1 holds in both regions"
    );
    assert_eq!(
        verdict(&controls, "3.2"),
        (
            "FAIL".to_string(),
            vec![id(HOME, "aws.cloudtrail.trail", "regional-trail")]
        )
    );
}
