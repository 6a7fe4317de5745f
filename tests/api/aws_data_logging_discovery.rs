//! S3, CloudTrail, AWS Config, KMS and EFS end to end: an estate built in moto with the real AWS
//! SDK over two regions, discovered by a job created through the API, then judged: nodes and
//! edges, findings per resource, and CIS AWS Foundations 3.0.0 controls per control.

use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLocationConstraint, BucketLoggingStatus, BucketVersioningStatus,
    CreateBucketConfiguration, LoggingEnabled, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, VersioningConfiguration,
};
use infracast::jobs;
use reqwest::StatusCode;
use serde_json::{Value, json};

use infracast::model::provider_config::DiscoveryPolicy;

use crate::helpers::{TestApp, encode, spawn_app_with_policy};
use crate::moto::MotoServer;

const HOME: &str = "us-east-1";
const OTHER: &str = "eu-west-1";

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

/// What the test built, by name.
struct Estate {
    rotating_key: String,
    stale_key: String,
    file_system: String,
}

async fn build_estate(moto: &MotoServer) -> Estate {
    let home = sdk_config(moto, HOME).await;
    let other = sdk_config(moto, OTHER).await;
    let s3 = s3_client(&home);
    let kms = aws_sdk_kms::Client::new(&home);

    let rotating_key = kms
        .create_key()
        .description("audit logs")
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    kms.enable_key_rotation()
        .key_id(&rotating_key)
        .send()
        .await
        .unwrap();
    let stale_key = kms
        .create_key()
        .description("legacy")
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    let rotating_arn = format!("arn:aws:kms:{HOME}:123456789012:key/{rotating_key}");

    // access-logs receives the compliant bucket's access logs.
    s3.create_bucket()
        .bucket("access-logs")
        .acl(BucketCannedAcl::from("log-delivery-write"))
        .send()
        .await
        .unwrap();
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
    // audit-logs: TLS-only policy, KMS encryption, versioning, access logging, public access block.
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
                                .kms_master_key_id(&rotating_arn)
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
    s3.put_bucket_versioning()
        .bucket("audit-logs")
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_logging()
        .bucket("audit-logs")
        .bucket_logging_status(
            BucketLoggingStatus::builder()
                .logging_enabled(
                    LoggingEnabled::builder()
                        .target_bucket("access-logs")
                        .target_prefix("audit-logs/")
                        .build()
                        .unwrap(),
                )
                .build(),
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
    // A bucket of the other region: listed everywhere, a node only there.
    s3_client(&other)
        .create_bucket()
        .bucket("eu-data")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let cloudtrail = aws_sdk_cloudtrail::Client::new(&home);
    // A single-region trail without validation, writing to the public bucket.
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
    // The compliant multi-region trail: validation, KMS, S3 object-level writes (not reads).
    cloudtrail
        .create_trail()
        .name("org-trail")
        .s3_bucket_name("audit-logs")
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .kms_key_id(&rotating_arn)
        .include_global_service_events(true)
        .send()
        .await
        .unwrap();
    cloudtrail
        .put_event_selectors()
        .trail_name("org-trail")
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::WriteOnly)
                .include_management_events(true)
                .data_resources(
                    aws_sdk_cloudtrail::types::DataResource::builder()
                        .r#type("AWS::S3::Object")
                        .values("arn:aws:s3")
                        .build(),
                )
                .build(),
        )
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::ReadOnly)
                .include_management_events(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    cloudtrail
        .start_logging()
        .name("org-trail")
        .send()
        .await
        .unwrap();

    // AWS Config records in the home region only.
    let config = aws_sdk_config::Client::new(&home);
    config
        .put_configuration_recorder()
        .configuration_recorder(
            aws_sdk_config::types::ConfigurationRecorder::builder()
                .name("default")
                .role_arn("arn:aws:iam::123456789012:role/config")
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
    config
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
    config
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();

    let file_system = aws_sdk_efs::Client::new(&home)
        .create_file_system()
        .creation_token("shared-home")
        .encrypted(false)
        .send()
        .await
        .unwrap()
        .file_system_id()
        .to_string();

    // The account's public access block: new ACLs blocked and nothing else (ignoring existing
    // ACLs or restricting public policies would change what the buckets above expose). Sent as
    // S3 Control's own request (path, header, and the signing scope `s3` that moto routes by;
    // moto checks no signature) to moto itself: the SDK would address `{account}.{endpoint}`.
    let account_block = reqwest::Client::new()
        .put(format!(
            "{}/v20180820/configuration/publicAccessBlock",
            moto.endpoint
        ))
        .header("x-amz-account-id", "123456789012")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, \
             SignedHeaders=host, Signature=0",
        )
        .body(
            "<PublicAccessBlockConfiguration xmlns=\"http://awss3control.amazonaws.com/doc/2018-08-20/\">\
             <BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>\
             <BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets>\
             </PublicAccessBlockConfiguration>",
        )
        .send()
        .await
        .unwrap();
    assert!(
        account_block.status().is_success(),
        "{}",
        account_block.status()
    );

    Estate {
        rotating_key,
        stale_key,
        file_system,
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

async fn node(app: &TestApp, key: &str, id: &str) -> Value {
    get_data(app, key, &format!("nodes/{}", encode(id))).await
}

/// The node ids with an open finding of `rule_id`, sorted.
async fn failing(app: &TestApp, key: &str, rule_id: &str) -> Vec<String> {
    let findings = get_data(
        app,
        key,
        &format!("findings?per_page=500&rule_id={rule_id}"),
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

fn id(region: &str, node_type: &str, raw: &str) -> String {
    format!("aws:{region}:{node_type}:{raw}")
}

fn control<'a>(controls: &'a Value, control_id: &str) -> &'a Value {
    controls["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|control| control["id"] == control_id)
        .unwrap_or_else(|| panic!("control {control_id} is listed"))
}

#[tokio::test]
async fn discovers_buckets_trails_recorders_keys_and_file_systems_and_judges_them_per_cis_control()
{
    crate::aws_discovery::static_test_credentials();
    let moto = MotoServer::start();
    let estate = build_estate(&moto).await;
    let app = moto_app(&moto.endpoint).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;

    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            &key,
            json!({"provider": "aws", "start": true,
                   "config": {"regions": [HOME, OTHER], "endpoint_url": moto.endpoint}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let finished = jobs::run_next(&app.runtime()).await.unwrap().unwrap();
    let job = get_data(&app, &key, &format!("jobs/{}", finished.job_id)).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let gaps = job["scopes"].to_string();
    // moto has no Access Analyzer: a recorded gap, the job still succeeds. S3 Control is asked at
    // the endpoint itself (not under an account host name it cannot resolve), and answers.
    assert!(gaps.contains("access analyzers"), "{gaps}");
    assert!(!gaps.contains("public access block"), "{gaps}");
    let account_settings = node(
        &app,
        &key,
        &id(HOME, "aws.s3.account_settings", "123456789012"),
    )
    .await;
    assert_eq!(
        account_settings["properties"]["public_access_block"]["block_public_acls"], true,
        "{account_settings}"
    );
    assert_eq!(
        account_settings["properties"]["blocks_all_public_access"], false,
        "{account_settings}"
    );
    assert_eq!(
        failing(&app, &key, "aws.s3.account_public_access_block_off").await,
        vec![
            id(OTHER, "aws.s3.account_settings", "123456789012"),
            id(HOME, "aws.s3.account_settings", "123456789012"),
        ]
    );

    // Buckets: each in its own region's scope.
    let buckets = get_data(&app, &key, "nodes?types=aws.s3.bucket&per_page=100").await;
    let mut bucket_ids: Vec<&str> = buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|bucket| bucket["id"].as_str().unwrap())
        .collect();
    bucket_ids.sort();
    assert_eq!(
        bucket_ids,
        vec![
            "aws:eu-west-1:aws.s3.bucket:eu-data",
            "aws:us-east-1:aws.s3.bucket:access-logs",
            "aws:us-east-1:aws.s3.bucket:audit-logs",
            "aws:us-east-1:aws.s3.bucket:public-site",
        ]
    );
    let public_site = node(&app, &key, &id(HOME, "aws.s3.bucket", "public-site")).await;
    let properties = &public_site["properties"];
    assert_eq!(properties["policy_public"], true, "{properties}");
    assert_eq!(properties["public_via_acl"], true, "{properties}");
    assert_eq!(properties["acl_public_grants"], json!(["AllUsers:READ"]));
    assert_eq!(properties["policy_denies_insecure_transport"], false);
    let audit_logs = node(&app, &key, &id(HOME, "aws.s3.bucket", "audit-logs")).await;
    let properties = &audit_logs["properties"];
    assert_eq!(properties["public"], false, "{properties}");
    assert_eq!(properties["policy_denies_insecure_transport"], true);
    assert_eq!(properties["default_encryption"], "aws:kms");
    // moto 5.2.1's GetBucketVersioning answer does not parse in aws-sdk-s3: the bucket records
    // the call as unavailable (a gap), never as "versioning off" with no trace.
    assert!(
        properties["versioning"] == "Enabled"
            || properties["unsupported_calls"]
                .to_string()
                .contains("reading a bucket's versioning"),
        "{properties}"
    );
    assert_eq!(
        properties["logging_target_bucket"], "access-logs",
        "{properties}"
    );
    assert_eq!(properties["public_access_blocked"], true, "{properties}");

    // Trails: one node per trail, in its home region; the shadow copy is not a node.
    let trails = get_data(&app, &key, "nodes?types=aws.cloudtrail.trail").await;
    assert_eq!(trails.as_array().unwrap().len(), 2, "{trails}");
    let org_trail = node(&app, &key, &id(HOME, "aws.cloudtrail.trail", "org-trail")).await;
    let properties = &org_trail["properties"];
    assert_eq!(
        (
            &properties["is_multi_region"],
            &properties["is_logging"],
            &properties["log_file_validation_enabled"],
            &properties["s3_object_write_events"],
            &properties["s3_object_read_events"],
            &properties["management_events"],
        ),
        (
            &json!(true),
            &json!(true),
            &json!(true),
            &json!(true),
            &json!(false),
            &json!("All")
        ),
        "{properties}"
    );
    let other_coverage = node(
        &app,
        &key,
        &id(OTHER, "aws.cloudtrail.region_settings", "123456789012"),
    )
    .await;
    assert_eq!(
        other_coverage["properties"]["multi_region_logging_trail_count"],
        1
    );

    // Edges: trail → bucket, trail → key, bucket → access-log bucket.
    let edges = |query: String| {
        let app = &app;
        let key = &key;
        async move { get_data(app, key, &format!("edges?{query}")).await }
    };
    let org_trail_id = id(HOME, "aws.cloudtrail.trail", "org-trail");
    let logs_to = edges(format!("kind=logs_to&src={}", encode(&org_trail_id))).await;
    assert_eq!(
        logs_to[0]["dst"],
        id(HOME, "aws.s3.bucket", "audit-logs"),
        "{logs_to}"
    );
    let encrypted_with = edges(format!("kind=encrypted_with&src={}", encode(&org_trail_id))).await;
    assert_eq!(
        encrypted_with[0]["dst"],
        id(HOME, "aws.kms.key", &estate.rotating_key)
    );
    let access_logs = edges(format!(
        "kind=logs_to&src={}",
        encode(&id(HOME, "aws.s3.bucket", "audit-logs"))
    ))
    .await;
    assert_eq!(
        access_logs[0]["dst"],
        id(HOME, "aws.s3.bucket", "access-logs")
    );

    // Findings, per resource.
    let public_site_id = id(HOME, "aws.s3.bucket", "public-site");
    assert_eq!(
        failing(&app, &key, "aws.s3.bucket_public_via_policy").await,
        vec![public_site_id.clone()]
    );
    assert_eq!(
        failing(&app, &key, "aws.s3.bucket_public_via_acl").await,
        vec![public_site_id.clone()]
    );
    let insecure = failing(&app, &key, "aws.s3.bucket_allows_insecure_transport").await;
    assert!(insecure.contains(&public_site_id), "{insecure:?}");
    assert!(
        !insecure.contains(&id(HOME, "aws.s3.bucket", "audit-logs")),
        "{insecure:?}"
    );
    assert_eq!(
        failing(&app, &key, "aws.cloudtrail.log_file_validation_off").await,
        vec![id(HOME, "aws.cloudtrail.trail", "regional-trail")]
    );
    assert_eq!(
        failing(&app, &key, "aws.cloudtrail.trail_bucket_public").await,
        vec![id(HOME, "aws.cloudtrail.trail", "regional-trail")]
    );
    assert_eq!(
        failing(&app, &key, "aws.kms.key_rotation_off").await,
        vec![id(HOME, "aws.kms.key", &estate.stale_key)]
    );
    assert_eq!(
        failing(&app, &key, "aws.config.not_recording_in_region").await,
        vec![id(OTHER, "aws.config.region_settings", "123456789012")]
    );
    assert_eq!(
        failing(&app, &key, "aws.efs.file_system_unencrypted").await,
        vec![id(HOME, "aws.efs.file_system", &estate.file_system)]
    );
    assert!(
        failing(&app, &key, "aws.cloudtrail.no_multi_region_trail_logging")
            .await
            .is_empty()
    );
    let no_reads = failing(&app, &key, "aws.cloudtrail.no_s3_object_read_events").await;
    assert_eq!(
        no_reads,
        vec![
            id(OTHER, "aws.cloudtrail.region_settings", "123456789012"),
            id(HOME, "aws.cloudtrail.region_settings", "123456789012"),
        ]
    );

    // CIS AWS Foundations 3.0.0, per control.
    let controls = get_data(
        &app,
        &key,
        "compliance/controls?framework=cis-aws-foundations",
    )
    .await;
    let status = |control_id: &str| control(&controls, control_id)["status"].clone();
    assert_eq!(status("2.1.1"), "FAIL");
    assert_eq!(status("2.1.3"), "MANUAL");
    assert_eq!(status("2.1.4"), "FAIL");
    assert_eq!(status("2.4.1"), "FAIL");
    assert_eq!(status("3.1"), "PASS");
    assert_eq!(
        control(&controls, "3.1")["resources_evaluated"],
        2,
        "both regions' coverage"
    );
    assert_eq!(status("3.2"), "FAIL");
    let config = control(&controls, "3.3");
    assert_eq!(config["status"], "FAIL");
    let config_failing: Vec<&str> = config["failing_resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|resource| resource["node_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        config_failing,
        vec![id(OTHER, "aws.config.region_settings", "123456789012")]
    );
    assert_eq!(status("3.5"), "FAIL", "the regional trail has no KMS key");
    assert_eq!(status("3.6"), "FAIL");
    assert_eq!(status("3.8"), "PASS");
    assert_eq!(status("3.9"), "FAIL");
    // No Access Analyzer API in moto: no evidence, so never a pass.
    assert_ne!(status("1.20"), "PASS");
}
