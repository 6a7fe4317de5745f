//! The `aws` provider end to end: an estate built in moto with the real AWS SDK, discovered by a
//! job created through the API and run by a worker, then checked through the API.

use std::sync::Once;

use aws_sdk_ec2::types::{
    AttributeBooleanValue, DomainType, InstanceNetworkInterfaceSpecification, InstanceType,
    IpPermission, IpRange, PortRange, RuleAction, UserIdGroupPair,
};
use infracast::jobs;
use reqwest::StatusCode;
use serde_json::{Value, json};

use infracast::model::provider_config::DiscoveryPolicy;

use crate::helpers::{TestApp, encode, spawn_app_with_policy};
use crate::moto::{MotoServer, closed_port_endpoint};

const REGION: &str = "us-east-1";

pub fn static_test_credentials() {
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

/// What the test built in moto.
struct Estate {
    vpc: String,
    peer_vpc: String,
    public_subnet: String,
    web_group: String,
    app_group: String,
    deny_acl: String,
    public_instance: String,
    private_instance: String,
    doomed_instance: String,
    encrypted_volume: String,
    plain_volume: String,
    peering: String,
    nat: String,
}

async fn build_estate(client: &aws_sdk_ec2::Client) -> Estate {
    let vpc = client
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let peer_vpc = client
        .create_vpc()
        .cidr_block("10.30.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let subnet = |cidr: &'static str| {
        let vpc = vpc.clone();
        async move {
            client
                .create_subnet()
                .vpc_id(vpc)
                .cidr_block(cidr)
                .availability_zone("us-east-1a")
                .send()
                .await
                .unwrap()
                .subnet()
                .unwrap()
                .subnet_id()
                .unwrap()
                .to_string()
        }
    };
    let public_subnet = subnet("10.20.1.0/24").await;
    let private_subnet = subnet("10.20.2.0/24").await;
    client
        .modify_subnet_attribute()
        .subnet_id(&public_subnet)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .unwrap();
    let igw = client
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway()
        .unwrap()
        .internet_gateway_id()
        .unwrap()
        .to_string();
    client
        .attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let public_table = client
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
    client
        .create_route()
        .route_table_id(&public_table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    client
        .associate_route_table()
        .route_table_id(&public_table)
        .subnet_id(&public_subnet)
        .send()
        .await
        .unwrap();
    let allocation = client
        .allocate_address()
        .domain(DomainType::Vpc)
        .send()
        .await
        .unwrap()
        .allocation_id()
        .unwrap()
        .to_string();
    let nat = client
        .create_nat_gateway()
        .subnet_id(&public_subnet)
        .allocation_id(&allocation)
        .send()
        .await
        .unwrap()
        .nat_gateway()
        .unwrap()
        .nat_gateway_id()
        .unwrap()
        .to_string();
    let peering = client
        .create_vpc_peering_connection()
        .vpc_id(&vpc)
        .peer_vpc_id(&peer_vpc)
        .send()
        .await
        .unwrap()
        .vpc_peering_connection()
        .unwrap()
        .vpc_peering_connection_id()
        .unwrap()
        .to_string();
    client
        .accept_vpc_peering_connection()
        .vpc_peering_connection_id(&peering)
        .send()
        .await
        .unwrap();

    let group = |name: &'static str| {
        let vpc = vpc.clone();
        async move {
            client
                .create_security_group()
                .group_name(name)
                .description(name)
                .vpc_id(vpc)
                .send()
                .await
                .unwrap()
                .group_id()
                .unwrap()
                .to_string()
        }
    };
    let web_group = group("web").await;
    let app_group = group("app").await;
    client
        .authorize_security_group_ingress()
        .group_id(&web_group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    client
        .authorize_security_group_ingress()
        .group_id(&app_group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8080)
                .to_port(8080)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&web_group).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let deny_acl = client
        .create_network_acl()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .network_acl()
        .unwrap()
        .network_acl_id()
        .unwrap()
        .to_string();
    client
        .create_network_acl_entry()
        .network_acl_id(&deny_acl)
        .rule_number(50)
        .protocol("6")
        .rule_action(RuleAction::Deny)
        .egress(false)
        .cidr_block("0.0.0.0/0")
        .port_range(PortRange::builder().from(22).to(22).build())
        .send()
        .await
        .unwrap();

    let images = client.describe_images().send().await.unwrap();
    let image = images
        .images()
        .first()
        .and_then(|image| image.image_id())
        .expect("moto ships images")
        .to_string();
    let launch = |subnet: String, group: String, public: bool| {
        let image = image.clone();
        async move {
            let interface = InstanceNetworkInterfaceSpecification::builder()
                .device_index(0)
                .subnet_id(subnet)
                .groups(group)
                .associate_public_ip_address(public)
                .build();
            let reservation = client
                .run_instances()
                .image_id(image)
                .instance_type(InstanceType::T2Micro)
                .min_count(1)
                .max_count(1)
                .network_interfaces(interface)
                .send()
                .await
                .unwrap();
            reservation.instances()[0]
                .instance_id()
                .unwrap()
                .to_string()
        }
    };
    let public_instance = launch(public_subnet.clone(), web_group.clone(), true).await;
    let private_instance = launch(private_subnet.clone(), app_group.clone(), false).await;
    let doomed_instance = launch(private_subnet.clone(), app_group.clone(), false).await;
    let volume = |encrypted: bool| async move {
        client
            .create_volume()
            .availability_zone("us-east-1a")
            .size(10)
            .encrypted(encrypted)
            .send()
            .await
            .unwrap()
            .volume_id()
            .unwrap()
            .to_string()
    };
    let encrypted_volume = volume(true).await;
    let plain_volume = volume(false).await;
    client
        .create_snapshot()
        .volume_id(&plain_volume)
        .send()
        .await
        .unwrap();
    Estate {
        vpc,
        peer_vpc,
        public_subnet,
        web_group,
        app_group,
        deny_acl,
        public_instance,
        private_instance,
        doomed_instance,
        encrypted_volume,
        plain_volume,
        peering,
        nat,
    }
}

/// An app whose operator allows `endpoints` and lends the (static test) ambient credentials, as a
/// single-tenant install against a local endpoint would.
async fn moto_app(endpoints: &[&str]) -> TestApp {
    let policy = DiscoveryPolicy {
        allow_ambient_credentials: true,
        ..DiscoveryPolicy::default()
    }
    .with_allowed_endpoints(&endpoints.join(","))
    .unwrap();
    spawn_app_with_policy(policy).await
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
    app.get(
        &format!("/api/v1/tenants/acme/jobs/{}", finished.job_id),
        key,
    )
    .await
    .body["data"]
        .clone()
}

async fn node(app: &TestApp, key: &str, node_type: &str, raw_id: &str) -> Value {
    let id = format!("aws:{REGION}:{node_type}:{raw_id}");
    let answer = app
        .get(&format!("/api/v1/tenants/acme/nodes/{}", encode(&id)), key)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{id}: {}", answer.body);
    answer.body["data"].clone()
}

async fn count(app: &TestApp, key: &str, query: &str) -> i64 {
    app.get(&format!("/api/v1/tenants/acme/{query}"), key)
        .await
        .body["meta"]["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn discovers_a_moto_estate_through_a_job_and_tombstones_a_terminated_instance() {
    static_test_credentials();
    let moto = MotoServer::start();
    let client = moto.client(REGION).await;
    let estate = build_estate(&client).await;
    let app = moto_app(&[&moto.endpoint]).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;

    let job = run_aws_job(
        &app,
        &key,
        json!({"regions": [REGION], "endpoint_url": moto.endpoint}),
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["scopes"][0]["status"], "completed");
    assert_eq!(
        job["scopes"][0]["account"], "123456789012",
        "account comes from STS"
    );

    // Counts of what the test created (moto's default VPC adds more elsewhere).
    let vpc_node = format!("aws:{REGION}:aws.ec2.vpc:{}", estate.vpc);
    // Our VPC contains 2 subnets, 3 security groups (web, app, default), 2 NACLs (ours and the
    // default) and 2 route tables (ours and the main one).
    assert_eq!(
        count(&app, &key, &format!("edges?kind=contains&src={vpc_node}")).await,
        9
    );
    assert_eq!(count(&app, &key, "nodes?types=aws.ec2.instance").await, 3);
    assert_eq!(
        count(&app, &key, "nodes?types=aws.ec2.vpc_peering_connection").await,
        1
    );
    assert_eq!(
        count(&app, &key, "nodes?types=aws.ec2.nat_gateway").await,
        1
    );
    assert!(
        count(&app, &key, "nodes?types=aws.ec2.vpc").await >= 3,
        "two VPCs of ours plus moto's default"
    );

    // The properties rules and the tracer need.
    let web = node(&app, &key, "aws.ec2.security_group", &estate.web_group).await;
    let ssh = web["properties"]["ingress"]
        .as_array()
        .unwrap()
        .iter()
        .find(|rule| rule["from_port"] == 22)
        .expect("ssh rule")
        .clone();
    assert_eq!(ssh["protocol"], "tcp");
    assert_eq!(ssh["ipv4_ranges"], json!(["0.0.0.0/0"]));
    let app_group = node(&app, &key, "aws.ec2.security_group", &estate.app_group).await;
    assert_eq!(
        app_group["properties"]["ingress"][0]["referenced_group_ids"],
        json!([estate.web_group])
    );
    let web_id = format!("aws:{REGION}:aws.ec2.security_group:{}", estate.web_group);
    let app_id = format!("aws:{REGION}:aws.ec2.security_group:{}", estate.app_group);
    assert_eq!(
        count(
            &app,
            &key,
            &format!("edges?kind=references&src={app_id}&dst={web_id}")
        )
        .await,
        1
    );
    let acl = node(&app, &key, "aws.ec2.network_acl", &estate.deny_acl).await;
    let deny = acl["properties"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["rule_number"] == 50)
        .expect("deny entry")
        .clone();
    assert_eq!(
        (
            deny["action"].as_str(),
            deny["protocol"].as_str(),
            deny["port_from"].as_i64()
        ),
        (Some("deny"), Some("tcp"), Some(22))
    );
    let public = node(&app, &key, "aws.ec2.instance", &estate.public_instance).await;
    assert!(public["properties"]["public_ip"].is_string(), "{public}");
    assert_eq!(
        public["properties"]["subnet_id"],
        estate.public_subnet.as_str()
    );
    assert_eq!(
        public["properties"]["security_group_ids"],
        json!([estate.web_group])
    );
    let private = node(&app, &key, "aws.ec2.instance", &estate.private_instance).await;
    assert!(private["properties"]["public_ip"].is_null(), "{private}");
    assert!(private["properties"]["imds"]["http_tokens"].is_string());
    assert_eq!(
        node(&app, &key, "aws.ec2.volume", &estate.encrypted_volume).await["properties"]["encrypted"],
        true
    );
    assert_eq!(
        node(&app, &key, "aws.ec2.volume", &estate.plain_volume).await["properties"]["encrypted"],
        false
    );
    let peering = node(
        &app,
        &key,
        "aws.ec2.vpc_peering_connection",
        &estate.peering,
    )
    .await;
    assert_eq!(peering["properties"]["status"], "active");
    assert_eq!(
        peering["properties"]["accepter_vpc_id"],
        estate.peer_vpc.as_str()
    );
    assert_eq!(
        node(&app, &key, "aws.ec2.nat_gateway", &estate.nat).await["properties"]["subnet_id"],
        estate.public_subnet.as_str()
    );
    let subnet = node(&app, &key, "aws.ec2.subnet", &estate.public_subnet).await;
    assert_eq!(subnet["properties"]["map_public_ip_on_launch"], true);
    assert!(
        subnet["properties"]["route_table_id"].is_string(),
        "explicit association recorded: {subnet}"
    );
    // moto counts its AMI snapshots as the account's own, so look for ours by its volume.
    let plain_volume_id = format!("aws:{REGION}:aws.ec2.volume:{}", estate.plain_volume);
    assert_eq!(
        count(
            &app,
            &key,
            &format!("edges?kind=snapshot_of&dst={plain_volume_id}")
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, &key, "nodes?types=aws.ec2.region_settings").await,
        1
    );

    // The path tracer on the discovered estate: the public instance reaches the internet through
    // the IGW; the private one has only the main table (local route) and no way out.
    let public_id = format!("aws:{REGION}:aws.ec2.instance:{}", estate.public_instance);
    let out = app
        .post("/api/v1/tenants/acme/pathtracer/trace", &key, json!({"source_node_id": public_id, "destination_cidr": "0.0.0.0/0", "port": 443, "protocol": "tcp"}))
        .await;
    assert_eq!(
        out.body["data"]["disposition"], "EXITS_NETWORK",
        "{}",
        out.body
    );
    let private_id = format!("aws:{REGION}:aws.ec2.instance:{}", estate.private_instance);
    let stuck = app
        .post("/api/v1/tenants/acme/pathtracer/trace", &key, json!({"source_node_id": private_id, "destination_cidr": "0.0.0.0/0", "port": 443, "protocol": "tcp"}))
        .await;
    assert_eq!(
        stuck.body["data"]["disposition"], "NO_ROUTE",
        "{}",
        stuck.body
    );
    let exposure = app.get("/api/v1/tenants/acme/exposure", &key).await;
    let exposed: Vec<&str> = exposure.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["node_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        exposed,
        vec![public_id.as_str()],
        "only the public web instance (SSH open) is exposed"
    );

    // Terminate one instance and discover again: it is tombstoned, and the diff says so.
    client
        .terminate_instances()
        .instance_ids(&estate.doomed_instance)
        .send()
        .await
        .unwrap();
    let second = run_aws_job(
        &app,
        &key,
        json!({"regions": [REGION], "endpoint_url": moto.endpoint}),
    )
    .await;
    assert_eq!(second["status"], "succeeded", "{second}");
    assert_eq!(count(&app, &key, "nodes?types=aws.ec2.instance").await, 2);
    let diff = app
        .get(
            &format!(
                "/api/v1/tenants/acme/jobs/{}/diff",
                second["id"].as_str().unwrap()
            ),
            &key,
        )
        .await;
    let removed = diff.body["data"]["diff"]["removed"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        removed.contains(&json!(format!(
            "aws:{REGION}:aws.ec2.instance:{}",
            estate.doomed_instance
        ))),
        "{}",
        diff.body
    );
    assert!(
        diff.body["data"]["diff"]["added"]["nodes"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{}",
        diff.body
    );
}

#[tokio::test]
async fn a_failing_region_gives_partial_success_and_deletes_nothing() {
    static_test_credentials();
    let moto = MotoServer::start();
    let client = moto.client(REGION).await;
    build_estate(&client).await;
    let closed = closed_port_endpoint();
    let app = moto_app(&[&moto.endpoint, &closed]).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let first = run_aws_job(
        &app,
        &key,
        json!({"regions": [REGION], "endpoint_url": moto.endpoint, "account_id": "123456789012"}),
    )
    .await;
    assert_eq!(first["status"], "succeeded");
    let nodes_before = count(&app, &key, "nodes").await;
    assert!(nodes_before > 20);

    // us-east-1 now points at a port where nothing listens; eu-west-1 still answers (empty).
    let config = json!({
        "regions": [REGION, "eu-west-1"],
        "endpoint_url": moto.endpoint,
        "account_id": "123456789012",
        "region_endpoints": {REGION: closed},
    });
    let job = run_aws_job(&app, &key, config).await;
    assert_eq!(job["status"], "partially_succeeded", "{job}");
    let scopes = job["scopes"].as_array().unwrap();
    let status_of = |region: &str| {
        scopes
            .iter()
            .find(|scope| scope["region"] == region)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(REGION), "failed");
    assert_eq!(status_of("eu-west-1"), "completed");
    // The region's error (IAM's global scope, sent to the first region, fails too).
    let error = job["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .find(|error| error.starts_with(REGION))
        .expect("the region's error");
    // One classified line, never the SDK's debug dump of the connection failure.
    assert!(error.contains("endpoint unreachable"), "{job}");
    assert!(
        !error.contains("DispatchFailure")
            && !error.contains("ConnectorError")
            && error.len() < 200,
        "{job}"
    );
    assert_eq!(
        count(&app, &key, "nodes").await - count(&app, &key, "nodes?region=eu-west-1").await,
        nodes_before,
        "the failed region kept every node"
    );
    assert_eq!(job["counts"]["nodes_removed"], 0);
}
