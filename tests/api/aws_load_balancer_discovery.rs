//! An internet-facing application load balancer end to end: built in moto with the real AWS SDKs
//! (public subnets routed to an internet gateway, a listener, a target group with two instances in
//! a private subnet whose group admits only the load balancer's group, and a private RDS
//! instance), discovered by an `aws` job through the API, then read back through the API: the
//! nodes and their edges, `/exposure` listing the load balancer and the instances through it, a
//! trace from the internet showing both legs hop by hop, and the internet node leading to exactly
//! the exposed resources.

use std::sync::Once;

use aws_config::SdkConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

use infracast::jobs;
use infracast::model::INTERNET_NODE_ID;
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
    igw: String,
    public_subnets: Vec<String>,
    private_subnet: String,
    alb_group: String,
    app_group: String,
    load_balancer_arn: String,
    listener_arn: String,
    target_group_arn: String,
    targets: Vec<String>,
}

async fn build_estate(config: &SdkConfig) -> Estate {
    use aws_sdk_ec2::types::{
        InstanceNetworkInterfaceSpecification, InstanceType, IpPermission, IpRange, UserIdGroupPair,
    };
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
        TargetDescription, TargetTypeEnum,
    };
    let ec2 = aws_sdk_ec2::Client::new(config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.50.0.0/16")
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
        ("10.50.1.0/24", "us-east-1a"),
        ("10.50.2.0/24", "us-east-1b"),
        ("10.50.3.0/24", "us-east-1a"),
        ("10.50.4.0/24", "us-east-1b"),
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
    // Public subnets: their own table with the default route to the gateway. The private ones
    // keep the VPC's main table (local route only).
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
    let create_group = |name: &'static str| {
        let ec2 = ec2.clone();
        let vpc = vpc.clone();
        async move {
            ec2.create_security_group()
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
    let alb_group = create_group("alb").await;
    let app_group = create_group("app").await;
    let db_group = create_group("db").await;
    ec2.authorize_security_group_ingress()
        .group_id(&alb_group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(80)
                .to_port(80)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    // The app tier admits only the load balancer's group: reachable through it, never directly.
    ec2.authorize_security_group_ingress()
        .group_id(&app_group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8080)
                .to_port(8080)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&alb_group).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&db_group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(5432)
                .to_port(5432)
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(&app_group).build())
                .build(),
        )
        .send()
        .await
        .unwrap();

    let image = ec2
        .describe_images()
        .send()
        .await
        .unwrap()
        .images()
        .first()
        .and_then(|image| image.image_id())
        .expect("moto ships images")
        .to_string();
    let mut targets = Vec::new();
    for _ in 0..2 {
        let interface = InstanceNetworkInterfaceSpecification::builder()
            .device_index(0)
            .subnet_id(&subnets[2])
            .groups(&app_group)
            .associate_public_ip_address(false)
            .build();
        let reservation = ec2
            .run_instances()
            .image_id(&image)
            .instance_type(InstanceType::T2Micro)
            .min_count(1)
            .max_count(1)
            .network_interfaces(interface)
            .send()
            .await
            .unwrap();
        targets.push(
            reservation.instances()[0]
                .instance_id()
                .unwrap()
                .to_string(),
        );
    }

    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(config);
    let load_balancer_arn = elbv2
        .create_load_balancer()
        .name("web")
        .set_subnets(Some(subnets[..2].to_vec()))
        .security_groups(&alb_group)
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .r#type(LoadBalancerTypeEnum::Application)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let target_group_arn = elbv2
        .create_target_group()
        .name("app")
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&vpc)
        .target_type(TargetTypeEnum::Instance)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let mut register = elbv2.register_targets().target_group_arn(&target_group_arn);
    for target in &targets {
        register = register.targets(TargetDescription::builder().id(target).build());
    }
    register.send().await.unwrap();
    let listener_arn = elbv2
        .create_listener()
        .load_balancer_arn(&load_balancer_arn)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&target_group_arn)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_string();

    let rds = aws_sdk_rds::Client::new(config);
    rds.create_db_subnet_group()
        .db_subnet_group_name("private")
        .db_subnet_group_description("private")
        .set_subnet_ids(Some(subnets[2..].to_vec()))
        .send()
        .await
        .unwrap();
    rds.create_db_instance()
        .db_instance_identifier("orders")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .master_username("owner")
        .master_user_password("password-1")
        .allocated_storage(20)
        .db_subnet_group_name("private")
        .vpc_security_group_ids(&db_group)
        .publicly_accessible(false)
        .availability_zone("us-east-1a")
        .storage_encrypted(true)
        .send()
        .await
        .unwrap();
    Estate {
        igw,
        public_subnets: subnets[..2].to_vec(),
        private_subnet: subnets[2].clone(),
        alb_group,
        app_group,
        load_balancer_arn,
        listener_arn,
        target_group_arn,
        targets,
    }
}

fn id(node_type: &str, raw: &str) -> String {
    format!("aws:{REGION}:{node_type}:{raw}")
}

async fn node(app: &TestApp, key: &str, node_id: &str) -> Value {
    let answer = app
        .get(
            &format!("/api/v1/tenants/acme/nodes/{}", encode(node_id)),
            key,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{node_id}: {}", answer.body);
    answer.body["data"].clone()
}

/// `(kind, src, dst)` of every edge the list answers, sorted.
async fn edges(app: &TestApp, key: &str, query: &str) -> Vec<(String, String, String)> {
    let answer = app
        .get(
            &format!("/api/v1/tenants/acme/edges?per_page=200&{query}"),
            key,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    let mut found: Vec<(String, String, String)> = answer.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            (
                edge["kind"].as_str().unwrap().to_string(),
                edge["src"].as_str().unwrap().to_string(),
                edge["dst"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        answer.body["meta"]["total"].as_u64().unwrap() as usize,
        found.len(),
        "{query}: one page holds them all"
    );
    found
}

fn edge(kind: &str, src: &str, dst: &str) -> (String, String, String) {
    (kind.to_string(), src.to_string(), dst.to_string())
}

#[tokio::test]
async fn discovers_an_internet_facing_alb_from_moto_and_proves_the_path_to_its_private_targets() {
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

    // The load balancer, its listener, its target group and the targets, with their edges.
    let lb = id("aws.elbv2.load_balancer", &estate.load_balancer_arn);
    let listener = id("aws.elbv2.listener", &estate.listener_arn);
    let group = id("aws.elbv2.target_group", &estate.target_group_arn);
    let targets: Vec<String> = estate
        .targets
        .iter()
        .map(|raw| id("aws.ec2.instance", raw))
        .collect();
    let lb_node = node(&app, &key, &lb).await;
    assert_eq!(lb_node["properties"]["scheme"], "internet-facing");
    assert_eq!(lb_node["properties"]["load_balancer_type"], "application");
    assert_eq!(
        lb_node["properties"]["security_group_ids"],
        json!([estate.alb_group])
    );
    let listener_node = node(&app, &key, &listener).await;
    assert_eq!(listener_node["properties"]["port"], 80);
    let group_node = node(&app, &key, &group).await;
    assert_eq!(group_node["properties"]["port"], 8080);
    assert_eq!(group_node["properties"]["target_type"], "instance");
    let mut registered: Vec<&str> = group_node["properties"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|target| target["id"].as_str().unwrap())
        .collect();
    registered.sort();
    let mut expected_targets: Vec<&str> = estate.targets.iter().map(String::as_str).collect();
    expected_targets.sort();
    assert_eq!(registered, expected_targets);
    for target in &targets {
        let instance = node(&app, &key, target).await;
        assert_eq!(
            instance["properties"]["subnet_id"],
            estate.private_subnet.as_str()
        );
        assert!(instance["properties"]["public_ip"].is_null(), "{instance}");
        assert_eq!(
            instance["properties"]["security_group_ids"],
            json!([estate.app_group])
        );
    }
    let mut expected = vec![
        edge("contains", &lb, &listener),
        edge(
            "member_of",
            &lb,
            &id("aws.ec2.security_group", &estate.alb_group),
        ),
    ];
    for subnet in &estate.public_subnets {
        expected.push(edge("in_subnet", &lb, &id("aws.ec2.subnet", subnet)));
    }
    expected.sort();
    assert_eq!(
        edges(&app, &key, &format!("src={}", encode(&lb))).await,
        expected
    );
    assert_eq!(
        edges(&app, &key, &format!("src={}", encode(&listener))).await,
        vec![edge("routes_to", &listener, &group)]
    );
    let mut to_targets: Vec<_> = targets
        .iter()
        .map(|target| edge("routes_to", &group, target))
        .collect();
    to_targets.sort();
    assert_eq!(
        edges(&app, &key, &format!("src={}", encode(&group))).await,
        to_targets
    );

    // The database: in its subnets and its group, and not exposed.
    let database = id("aws.rds.db_instance", "orders");
    let database_node = node(&app, &key, &database).await;
    assert_eq!(database_node["properties"]["publicly_accessible"], false);
    assert_eq!(
        edges(
            &app,
            &key,
            &format!("src={}&kind=in_subnet", encode(&database))
        )
        .await
        .len(),
        2
    );
    assert_eq!(
        edges(
            &app,
            &key,
            &format!("src={}&kind=member_of", encode(&database))
        )
        .await
        .len(),
        1
    );

    // Exposure: the load balancer on 80 and both instances on 8080 through it, with the path.
    let exposure = app
        .get("/api/v1/tenants/acme/exposure?per_page=100", &key)
        .await;
    assert_eq!(exposure.status, StatusCode::OK, "{}", exposure.body);
    let entries = exposure.body["data"].as_array().unwrap();
    let mut exposed: Vec<&str> = entries
        .iter()
        .map(|entry| entry["node_id"].as_str().unwrap())
        .collect();
    exposed.sort();
    let mut expected_exposed: Vec<&str> = targets.iter().map(String::as_str).collect();
    expected_exposed.push(&lb);
    expected_exposed.sort();
    assert_eq!(exposed, expected_exposed, "{}", exposure.body);
    let lb_entry = entries
        .iter()
        .find(|entry| entry["node_id"] == lb.as_str())
        .unwrap();
    assert_eq!(
        lb_entry["open"],
        json!([{"protocol": "tcp", "from_port": 80, "to_port": 80, "address_family": "ipv4"}])
    );
    for target in &targets {
        let entry = entries
            .iter()
            .find(|entry| entry["node_id"] == target.as_str())
            .unwrap();
        assert_eq!(entry["open"][0]["from_port"], 8080, "{entry}");
        let path = entry["path"].as_array().unwrap();
        assert!(
            path.iter().any(|hop| hop["text"]
                .as_str()
                .unwrap()
                .contains("through web on 80 → 8080")),
            "{entry}"
        );
        assert!(
            path.iter()
                .any(|hop| hop["node_id"] == id("aws.ec2.internet_gateway", &estate.igw).as_str()),
            "the proof passes the internet gateway: {entry}"
        );
    }

    // A trace from the internet to one instance: both legs, hop by hop.
    let trace = app
        .post(
            "/api/v1/tenants/acme/pathtracer/trace",
            &key,
            json!({"source_node_id": INTERNET_NODE_ID, "destination_node_id": targets[0], "port": 80, "protocol": "tcp"}),
        )
        .await;
    assert_eq!(trace.status, StatusCode::OK, "{}", trace.body);
    let result = &trace.body["data"];
    assert_eq!(result["reachable"], true, "{result}");
    assert_eq!(result["disposition"], "ACCEPTED", "{result}");
    let components: Vec<&str> = result["forward_hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hop| hop["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        components,
        vec![
            "load_balancer",
            "load_balancer_listener",
            "internet_gateway",
            "route_table",
            "network_acl_inbound",
            "security_group_ingress",
            "target_group",
            "security_group_egress",
            "network_acl_outbound",
            "network_acl_inbound",
            "security_group_ingress",
        ],
        "{result}"
    );
    let last = &result["forward_hops"][10];
    assert_eq!(
        last["node_id"],
        id("aws.ec2.security_group", &estate.app_group).as_str(),
        "{last}"
    );
    assert_eq!(
        last["matched"]["source"],
        format!("security group {}", estate.alb_group),
        "the target admits the load balancer's group: {last}"
    );
    assert!(
        !result["return_hops"].as_array().unwrap().is_empty(),
        "the stateless replies are checked: {result}"
    );
    // Directly, nothing reaches the app group: no trace through a load balancer on 8080.
    let direct = app
        .post(
            "/api/v1/tenants/acme/pathtracer/trace",
            &key,
            json!({"source_node_id": INTERNET_NODE_ID, "destination_node_id": database, "port": 5432, "protocol": "tcp"}),
        )
        .await;
    assert_eq!(direct.status, StatusCode::OK, "{}", direct.body);
    assert_eq!(direct.body["data"]["reachable"], false, "{}", direct.body);

    // The internet node: the gateway routes to it, and it leads to exactly the exposed resources.
    let internet = node(&app, &key, INTERNET_NODE_ID).await;
    assert_eq!(internet["type"], "internet");
    assert_eq!(
        internet["properties"]["cidrs"],
        json!(["0.0.0.0/0", "::/0"])
    );
    let mut from_internet: Vec<_> = expected_exposed
        .iter()
        .map(|dst| edge("routes_to", INTERNET_NODE_ID, dst))
        .collect();
    from_internet.sort();
    assert_eq!(
        edges(&app, &key, &format!("src={}", encode(INTERNET_NODE_ID))).await,
        from_internet
    );
    // moto's default VPC may bring a gateway of its own: every edge in comes from a gateway.
    let into_internet = edges(&app, &key, &format!("dst={}", encode(INTERNET_NODE_ID))).await;
    assert!(
        into_internet.contains(&edge(
            "routes_to",
            &id("aws.ec2.internet_gateway", &estate.igw),
            INTERNET_NODE_ID
        )),
        "{into_internet:?}"
    );
    assert!(
        into_internet
            .iter()
            .all(|(_, src, _)| src.contains(":aws.ec2.internet_gateway:")),
        "{into_internet:?}"
    );
    let listed = app
        .get("/api/v1/tenants/acme/nodes?types=internet", &key)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.body["meta"]["total"], 1, "{}", listed.body);
}
