//! RDS, Lambda and EKS end to end: built in moto with the real AWS SDKs (no Docker needed: moto
//! runs Lambda code only when invoked), discovered by an `aws` job through the API, then read
//! back through the API: nodes and edges, `/exposure` with its proof, findings per resource.

use std::sync::Once;

use aws_config::SdkConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

use infracast::jobs;
use infracast::model::provider_config::DiscoveryPolicy;

use crate::helpers::{TestApp, encode, spawn_app_with_policy};
use crate::moto::MotoServer;

const REGION: &str = "us-east-1";

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

async fn sdk(moto: &MotoServer) -> SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

/// Ids of what the test built in moto.
struct Estate {
    public_a: String,
    open_group: String,
}

async fn build_estate(config: &SdkConfig) -> Estate {
    use aws_sdk_ec2::types::{IpPermission, IpRange};
    let ec2 = aws_sdk_ec2::Client::new(config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.40.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let mut subnets = Vec::new();
    for (cidr, zone) in [
        ("10.40.1.0/24", "us-east-1a"),
        ("10.40.3.0/24", "us-east-1b"),
        ("10.40.2.0/24", "us-east-1a"),
        ("10.40.4.0/24", "us-east-1b"),
    ] {
        subnets.push(
            ec2.create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(zone)
                .send()
                .await
                .unwrap()
                .subnet()
                .unwrap()
                .subnet_id()
                .unwrap()
                .to_string(),
        );
    }
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway()
        .unwrap()
        .internet_gateway_id()
        .unwrap()
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let public_table = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .route_table()
        .unwrap()
        .route_table_id()
        .unwrap()
        .to_string();
    ec2.create_route()
        .route_table_id(&public_table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    for subnet in &subnets[..2] {
        ec2.associate_route_table()
            .route_table_id(&public_table)
            .subnet_id(subnet)
            .send()
            .await
            .unwrap();
    }
    let group = |name: &'static str, cidr: &'static str| {
        let ec2 = ec2.clone();
        let vpc = vpc.clone();
        async move {
            let id = ec2
                .create_security_group()
                .group_name(name)
                .description(name)
                .vpc_id(vpc)
                .send()
                .await
                .unwrap()
                .group_id()
                .unwrap()
                .to_string();
            ec2.authorize_security_group_ingress()
                .group_id(&id)
                .ip_permissions(
                    IpPermission::builder()
                        .ip_protocol("tcp")
                        .from_port(5432)
                        .to_port(5432)
                        .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
                        .build(),
                )
                .send()
                .await
                .unwrap();
            id
        }
    };
    let open_group = group("db-open", "0.0.0.0/0").await;
    let vpc_group = group("db-vpc", "10.40.0.0/16").await;

    let rds = aws_sdk_rds::Client::new(config);
    for (name, members) in [("public-db", &subnets[..2]), ("private-db", &subnets[2..])] {
        rds.create_db_subnet_group()
            .db_subnet_group_name(name)
            .db_subnet_group_description(name)
            .set_subnet_ids(Some(members.to_vec()))
            .send()
            .await
            .unwrap();
    }
    for (name, group, public) in [
        ("public-db", &open_group, true),
        ("private-db", &vpc_group, false),
    ] {
        rds.create_db_instance()
            .db_instance_identifier(name)
            .engine("postgres")
            .db_instance_class("db.t3.micro")
            .master_username("owner")
            .master_user_password("password-1")
            .allocated_storage(20)
            .db_subnet_group_name(name)
            .vpc_security_group_ids(group)
            .publicly_accessible(public)
            .availability_zone("us-east-1a")
            .storage_encrypted(!public)
            .backup_retention_period(if public { 1 } else { 7 })
            .send()
            .await
            .unwrap();
    }
    rds.create_db_snapshot()
        .db_snapshot_identifier("public-db-snap")
        .db_instance_identifier("public-db")
        .send()
        .await
        .unwrap();
    rds.modify_db_snapshot_attribute()
        .db_snapshot_identifier("public-db-snap")
        .attribute_name("restore")
        .values_to_add("all")
        .send()
        .await
        .unwrap();

    // Lambda needs an existing role (moto checks it); creating a function runs nothing.
    let iam = aws_sdk_iam::Client::new(config);
    let role = iam
        .create_role()
        .role_name("fn-role")
        .assume_role_policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string(),
        )
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_string();
    let lambda = aws_sdk_lambda::Client::new(config);
    for (name, auth) in [
        ("hook", aws_sdk_lambda::types::FunctionUrlAuthType::None),
        (
            "internal",
            aws_sdk_lambda::types::FunctionUrlAuthType::AwsIam,
        ),
    ] {
        lambda
            .create_function()
            .function_name(name)
            .runtime(aws_sdk_lambda::types::Runtime::Python38)
            .role(&role)
            .handler("index.handler")
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(aws_sdk_lambda::primitives::Blob::new(minimal_zip()))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        lambda
            .create_function_url_config()
            .function_name(name)
            .auth_type(auth)
            .send()
            .await
            .unwrap();
    }
    lambda
        .add_permission()
        .function_name("hook")
        .statement_id("open")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await
        .unwrap();

    let eks = aws_sdk_eks::Client::new(config);
    for (name, cidr) in [("platform", "0.0.0.0/0"), ("office", "203.0.113.0/24")] {
        eks.create_cluster()
            .name(name)
            .role_arn(&role)
            .resources_vpc_config(
                aws_sdk_eks::types::VpcConfigRequest::builder()
                    .set_subnet_ids(Some(subnets[2..].to_vec()))
                    .endpoint_public_access(true)
                    .endpoint_private_access(false)
                    .public_access_cidrs(cidr)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    Estate {
        public_a: subnets[0].clone(),
        open_group,
    }
}

/// A zip archive holding one empty file, written by hand (stored, no compression): what
/// `create_function` uploads; moto never runs it.
fn minimal_zip() -> Vec<u8> {
    let name = b"index.py";
    let mut zip = Vec::new();
    // Local file header.
    zip.extend_from_slice(&[0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    zip.extend_from_slice(&[0; 12]); // crc, compressed and uncompressed sizes (empty file)
    zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
    zip.extend_from_slice(&[0, 0]);
    zip.extend_from_slice(name);
    let central = zip.len();
    // Central directory header.
    zip.extend_from_slice(&[0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    zip.extend_from_slice(&[0; 12]);
    zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
    zip.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
    zip.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    zip.extend_from_slice(name);
    let central_size = zip.len() - central;
    // End of central directory.
    zip.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0]);
    zip.extend_from_slice(&(central_size as u32).to_le_bytes());
    zip.extend_from_slice(&(central as u32).to_le_bytes());
    zip.extend_from_slice(&[0, 0]);
    zip
}

async fn node(app: &TestApp, key: &str, node_type: &str, raw_id: &str) -> Value {
    let id = format!("aws:{REGION}:{node_type}:{raw_id}");
    let answer = app
        .get(&format!("/api/v1/tenants/acme/nodes/{}", encode(&id)), key)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{id}: {}", answer.body);
    answer.body["data"]["properties"].clone()
}

async fn total(app: &TestApp, key: &str, query: &str) -> i64 {
    let answer = app.get(&format!("/api/v1/tenants/acme/{query}"), key).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    answer.body["meta"]["total"].as_i64().unwrap()
}

async fn finding_nodes(app: &TestApp, key: &str, rule_id: &str) -> Vec<String> {
    let answer = app
        .get(
            &format!("/api/v1/tenants/acme/findings?per_page=500&rule_id={rule_id}"),
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

#[tokio::test]
async fn discovers_databases_functions_and_clusters_from_moto_and_proves_their_exposure() {
    static_test_credentials();
    let moto = MotoServer::start();
    let config = sdk(&moto).await;
    let estate = build_estate(&config).await;
    let policy = DiscoveryPolicy {
        allow_ambient_credentials: true,
        ..DiscoveryPolicy::default()
    }
    .with_allowed_endpoints(&moto.endpoint)
    .unwrap();
    let app = spawn_app_with_policy(policy).await;
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

    // Databases: placement, settings, edges.
    assert_eq!(
        total(&app, &key, "nodes?types=aws.rds.db_instance").await,
        2
    );
    let public_db = node(&app, &key, "aws.rds.db_instance", "public-db").await;
    assert_eq!(public_db["publicly_accessible"], true);
    assert_eq!(public_db["endpoint_port"], 5432);
    assert_eq!(public_db["placement_subnet_id"], estate.public_a.as_str());
    assert_eq!(public_db["security_group_ids"], json!([estate.open_group]));
    assert_eq!(public_db["storage_encrypted"], false);
    assert_eq!(public_db["backup_retention_period"], 1);
    let public_db_id = format!("aws:{REGION}:aws.rds.db_instance:public-db");
    assert_eq!(
        total(
            &app,
            &key,
            &format!("edges?kind=in_subnet&src={}", encode(&public_db_id))
        )
        .await,
        2
    );
    assert_eq!(
        total(
            &app,
            &key,
            &format!("edges?kind=member_of&src={}", encode(&public_db_id))
        )
        .await,
        1
    );
    let snapshot = node(&app, &key, "aws.rds.db_snapshot", "public-db-snap").await;
    assert_eq!(snapshot["public"], true);

    // Functions and clusters.
    let hook = node(&app, &key, "aws.lambda.function", "hook").await;
    assert_eq!(hook["function_url_auth_type"], "NONE");
    assert_eq!(hook["policy_allows_public"], true);
    assert_eq!(hook["runtime"], "python3.8");
    assert_eq!(
        hook["runtime_deprecated"], true,
        "python3.8 was deprecated on 2024-10-14"
    );
    let internal = node(&app, &key, "aws.lambda.function", "internal").await;
    assert_eq!(internal["function_url_auth_type"], "AWS_IAM");
    assert_eq!(internal["policy_allows_public"], false);
    let platform = node(&app, &key, "aws.eks.cluster", "platform").await;
    assert_eq!(platform["endpoint_public_access"], true);
    assert_eq!(platform["public_access_cidrs"], json!(["0.0.0.0/0"]));

    // Exposure: the public database, the open URL and the open cluster endpoint, each with proof;
    // not the private database, the IAM URL or the cluster limited to an office range.
    let exposure = app.get("/api/v1/tenants/acme/exposure", &key).await;
    assert_eq!(exposure.status, StatusCode::OK, "{}", exposure.body);
    let entries = exposure.body["data"].as_array().unwrap();
    let exposed: Vec<&str> = entries
        .iter()
        .map(|entry| entry["node_id"].as_str().unwrap())
        .filter(|id| !id.contains("aws.ec2."))
        .collect();
    assert_eq!(
        exposed,
        vec![
            format!("aws:{REGION}:aws.eks.cluster:platform").as_str(),
            format!("aws:{REGION}:aws.lambda.function:hook").as_str(),
            public_db_id.as_str(),
        ],
        "{}",
        exposure.body
    );
    let database = entries
        .iter()
        .find(|entry| entry["node_id"] == public_db_id.as_str())
        .unwrap();
    assert_eq!(database["open"][0]["from_port"], 5432);
    let components: Vec<&str> = database["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hop| hop["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        components,
        [
            "managed_endpoint",
            "internet_gateway",
            "route_table",
            "network_acl_inbound",
            "security_group_ingress",
            "network_acl_outbound_return"
        ],
        "{database}"
    );

    // Findings per resource: exposed vs merely misconfigured.
    assert_eq!(
        finding_nodes(&app, &key, "aws.rds.instance_exposed_to_internet").await,
        vec![public_db_id.clone()]
    );
    assert_eq!(
        finding_nodes(&app, &key, "aws.rds.instance_publicly_accessible").await,
        vec![public_db_id.clone()]
    );
    assert_eq!(
        finding_nodes(&app, &key, "aws.rds.instance_storage_unencrypted").await,
        vec![public_db_id.clone()]
    );
    assert_eq!(
        finding_nodes(&app, &key, "aws.rds.snapshot_public").await,
        vec![format!("aws:{REGION}:aws.rds.db_snapshot:public-db-snap")]
    );
    assert_eq!(
        finding_nodes(&app, &key, "aws.lambda.function_url_public").await,
        vec![format!("aws:{REGION}:aws.lambda.function:hook")]
    );
    assert_eq!(
        finding_nodes(&app, &key, "aws.eks.endpoint_public_to_internet").await,
        vec![format!("aws:{REGION}:aws.eks.cluster:platform")]
    );
}
