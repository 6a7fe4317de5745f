//! Discovery benchmarks against a private moto_server, in three modes (`BENCH_MODE`):
//!
//! - `ec2` (default): 2,000 instances (`INSTANCES`) discovered by the `aws` provider; wall time,
//!   and how much CPU moto and this process used.
//! - `iam-s3` (issue 12): 1,000 IAM users (`USERS`) and 500 buckets (`BUCKETS`); the raw SDK
//!   listing calls (ListUsers pages, ListBuckets) against the provider's whole discovery, each
//!   scope's per-service times, and moto's CPU share.
//! - `api` (issue 14, target 5): 2,000 instances (`INSTANCES`) in 10 subnets with 20 security
//!   groups, discovered by a discovery job through the API of the release server (its own
//!   embedded PostgreSQL): time to `succeeded` and to findings readable, the job's phases
//!   (`progress.phases_ms`), the scope's per-service times and the evaluation's own figures from
//!   the server's log; run once with a scope's services one after another
//!   (`INFRACAST_DISCOVERY_SERVICES_AT_ONCE=1`, the old behaviour) and once with the default,
//!   after a first job (`cold`) that pays moto's one-off loading of each service's backend.
//!
//! Run: `BENCH_MODE=api cargo bench --bench discovery`. Needs moto_server. Everything it starts
//! (moto, the servers, the cluster) it stops; its data directory is removed.

mod support;

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::{InstanceType, IpPermission, IpRange, UserIdGroupPair};
use infracast::discovery::DiscoveryControl;
use infracast::discovery::aws::{Access, AwsConfig, discover};
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_infracast");
const ACCOUNT: &str = "123456789012";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// Waits (bounded) until something listens on `port`.
fn wait_for_port(port: u16) {
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A process killed when the bench ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto() -> (Killed, String) {
    let port = free_port();
    let moto = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server");
    let moto = Killed(moto);
    wait_for_port(port);
    (moto, format!("http://127.0.0.1:{port}"))
}

async fn sdk(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .load()
        .await
}

fn aws_config(endpoint: &str) -> AwsConfig {
    AwsConfig {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(endpoint.to_string()),
        account_id: Some(ACCOUNT.into()),
        ..Default::default()
    }
}

fn access() -> Access {
    Access {
        external_id: "bench".into(),
        ambient_credentials: true,
    }
}

#[tokio::main]
async fn main() {
    infracast::allocator::keep_freed_memory_between_stages();
    // SAFETY: set before any SDK client exists, single-threaded at this point.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let mode = std::env::var("BENCH_MODE").unwrap_or_else(|_| "ec2".to_string());
    match mode.as_str() {
        "ec2" => bench_ec2().await,
        "iam-s3" => bench_iam_s3().await,
        "api" => bench_api().await,
        other => panic!("BENCH_MODE is ec2, iam-s3 or api, not {other}"),
    }
}

async fn launch_instances(
    client: &aws_sdk_ec2::Client,
    count: usize,
    subnet: Option<&str>,
    groups: &[String],
) {
    let image = client.describe_images().send().await.unwrap().images()[0]
        .image_id()
        .unwrap()
        .to_string();
    let mut remaining = count as i32;
    while remaining > 0 {
        let batch = remaining.min(500);
        let mut request = client
            .run_instances()
            .image_id(&image)
            .instance_type(InstanceType::T2Micro)
            .min_count(batch)
            .max_count(batch);
        if let Some(subnet) = subnet {
            request = request.subnet_id(subnet);
        }
        for group in groups {
            request = request.security_group_ids(group);
        }
        request.send().await.unwrap();
        remaining -= batch;
    }
}

async fn bench_ec2() {
    let instances = env_number("INSTANCES", 2000);
    let (moto, endpoint) = start_moto();
    let client = aws_sdk_ec2::Client::new(&sdk(&endpoint).await);
    launch_instances(&client, instances, None, &[]).await;
    let moto_cpu_before = support::cpu_seconds(moto.0.id());
    let own_cpu_before = support::cpu_seconds(std::process::id());
    let started = Instant::now();
    let outcome = discover(
        &aws_config(&endpoint),
        &access(),
        &DiscoveryControl::detached(),
    )
    .await
    .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let moto_cpu = support::cpu_seconds(moto.0.id()) - moto_cpu_before;
    let own_cpu = support::cpu_seconds(std::process::id()) - own_cpu_before;
    let found = outcome
        .inventory
        .nodes
        .iter()
        .filter(|node| node.node_type == infracast::model::NodeType::Instance)
        .count();
    println!(
        "discovered {found} instances ({} nodes, {} edges) from moto in {wall:.2} s wall; moto used {moto_cpu:.2} s CPU, infracast {own_cpu:.2} s CPU (2 cores, shared)",
        outcome.inventory.nodes.len(),
        outcome.inventory.edges.len()
    );
}

async fn bench_iam_s3() {
    let users = env_number("USERS", 1000);
    let buckets = env_number("BUCKETS", 500);
    let (moto, endpoint) = start_moto();
    let config = sdk(&endpoint).await;
    let iam = aws_sdk_iam::Client::new(&config);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let started = Instant::now();
    for number in 0..users {
        iam.create_user()
            .user_name(format!("user-{number:05}"))
            .send()
            .await
            .unwrap();
    }
    for number in 0..buckets {
        s3.create_bucket()
            .bucket(format!("bucket-{number:05}"))
            .send()
            .await
            .unwrap();
    }
    println!(
        "created {users} users and {buckets} buckets in moto in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The raw listings: what any tool pays to learn the names.
    let moto_cpu_before = support::cpu_seconds(moto.0.id());
    let started = Instant::now();
    let mut listed_users = 0;
    let mut pages = iam.list_users().into_paginator().send();
    while let Some(page) = pages.next().await {
        listed_users += page.unwrap().users().len();
    }
    let users_wall = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let listed_buckets = s3.list_buckets().send().await.unwrap().buckets().len();
    let buckets_wall = started.elapsed().as_secs_f64();
    let raw_moto_cpu = support::cpu_seconds(moto.0.id()) - moto_cpu_before;
    assert_eq!((listed_users, listed_buckets), (users, buckets));
    println!(
        "raw listing: ListUsers {listed_users} users {users_wall:.2} s, ListBuckets {listed_buckets} buckets {buckets_wall:.2} s (moto {raw_moto_cpu:.2} s CPU)"
    );

    let moto_cpu_before = support::cpu_seconds(moto.0.id());
    let own_cpu_before = support::cpu_seconds(std::process::id());
    let started = Instant::now();
    let outcome = discover(
        &aws_config(&endpoint),
        &access(),
        &DiscoveryControl::detached(),
    )
    .await
    .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let moto_cpu = support::cpu_seconds(moto.0.id()) - moto_cpu_before;
    let own_cpu = support::cpu_seconds(std::process::id()) - own_cpu_before;
    let count = |node_type: infracast::model::NodeType| {
        outcome
            .inventory
            .nodes
            .iter()
            .filter(|node| node.node_type == node_type)
            .count()
    };
    let found_users = count(infracast::model::NodeType::IamUser);
    let found_buckets = count(infracast::model::NodeType::S3Bucket);
    assert_eq!((found_users, found_buckets), (users, buckets));
    println!(
        "whole discovery: {found_users} users, {found_buckets} buckets ({} nodes, {} edges) in {wall:.2} s wall; moto {moto_cpu:.2} s CPU ({:.0}% of the wall), infracast {own_cpu:.2} s CPU (2 cores, shared)",
        outcome.inventory.nodes.len(),
        outcome.inventory.edges.len(),
        100.0 * moto_cpu / wall
    );
    for scope in &outcome.scopes {
        println!(
            "  scope {}: {:?}, ms per service {:?}",
            scope.scope.region, scope.status, scope.timings_ms
        );
    }
}

/// Builds the estate: one VPC, 10 subnets, 20 security groups (each open to one port
/// from anywhere, each second one admitting the previous group), `instances` instances spread
/// over the subnets, two groups each.
async fn build_instance_estate(endpoint: &str, instances: usize) {
    let client = aws_sdk_ec2::Client::new(&sdk(endpoint).await);
    let vpc = client
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let mut subnets = Vec::new();
    for index in 0..10 {
        let subnet = client
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.0.{}.0/20", index * 16))
            .send()
            .await
            .unwrap();
        subnets.push(subnet.subnet().unwrap().subnet_id().unwrap().to_string());
    }
    let mut groups: Vec<String> = Vec::new();
    for index in 0..20 {
        let name = format!("group-{index:02}");
        let group = client
            .create_security_group()
            .group_name(&name)
            .description(&name)
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap()
            .group_id()
            .unwrap()
            .to_string();
        let port = [22, 80, 443, 3389, 5432][index % 5];
        let mut permission = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(port)
            .to_port(port)
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build());
        if let Some(previous) = groups.last() {
            permission = permission
                .user_id_group_pairs(UserIdGroupPair::builder().group_id(previous).build());
        }
        client
            .authorize_security_group_ingress()
            .group_id(&group)
            .ip_permissions(permission.build())
            .send()
            .await
            .unwrap();
        groups.push(group);
    }
    let per_subnet = instances.div_ceil(subnets.len());
    let mut remaining = instances;
    for (index, subnet) in subnets.iter().enumerate() {
        let count = per_subnet.min(remaining);
        let pair = [
            groups[(2 * index) % 20].clone(),
            groups[(2 * index + 1) % 20].clone(),
        ];
        launch_instances(&client, count, Some(subnet), &pair).await;
        remaining -= count;
    }
}

/// Runs the CLI against `data_dir` and returns its standard output.
fn cli(data_dir: &Path, arguments: &[&str]) -> String {
    let output = Command::new(BINARY)
        .arg("--data-dir")
        .arg(data_dir)
        .args(arguments)
        .output()
        .expect("run infracast");
    assert!(
        output.status.success(),
        "infracast {arguments:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Stops the bench's embedded cluster when the bench ends (before its directory is removed).
struct StopCluster(std::path::PathBuf);

impl Drop for StopCluster {
    fn drop(&mut self) {
        let _ = Command::new(BINARY)
            .arg("--data-dir")
            .arg(&self.0)
            .args(["db", "stop"])
            .output();
    }
}

async fn get(client: &reqwest::Client, url: &str, key: &str) -> Value {
    let response = client
        .get(url)
        .bearer_auth(key)
        .send()
        .await
        .expect("request");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

/// One discovery job through the API on a fresh tenant, with the server started with
/// `services_at_once`; prints its figures.
async fn run_api_job(
    data_dir: &Path,
    endpoint: &str,
    moto_pid: u32,
    tenant: &str,
    services_at_once: &str,
) {
    cli(
        data_dir,
        &[
            "tenant",
            "create",
            tenant,
            "--name",
            tenant,
            "--plan",
            "enterprise",
        ],
    );
    let key = cli(
        data_dir,
        &["key", "create", "--tenant", tenant, "--role", "admin"],
    );
    let key = key.lines().last().unwrap_or_default().trim().to_string();
    let port = free_port();
    let log = data_dir.join(format!("server-{tenant}.log"));
    let server = Command::new(BINARY)
        .arg("--data-dir")
        .arg(data_dir)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--allowed-endpoints",
            endpoint,
            "--allow-ambient-aws-credentials",
        ])
        .env("INFRACAST_RATE_LIMITS", "off")
        .env("INFRACAST_LOG", "info")
        .env("INFRACAST_DISCOVERY_SERVICES_AT_ONCE", services_at_once)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start the server");
    let server = Killed(server);
    wait_for_port(port);
    let base = format!("http://127.0.0.1:{port}/api/v1/tenants/{tenant}");
    let client = reqwest::Client::new();

    let moto_cpu_before = support::cpu_seconds(moto_pid);
    let server_cpu_before = support::cpu_seconds(server.0.id());
    let started = Instant::now();
    let answer = client
        .post(format!("{base}/jobs"))
        .bearer_auth(&key)
        .json(&json!({"provider": "aws", "config": {"regions": ["us-east-1"], "endpoint_url": endpoint, "account_id": ACCOUNT}, "start": true}))
        .send()
        .await
        .expect("create job");
    assert!(answer.status().is_success(), "job: {}", answer.status());
    let body: Value = answer.json().await.expect("job body");
    let job_id = body["data"]["id"].as_str().expect("job id").to_string();
    let deadline = Instant::now() + Duration::from_secs(600);
    let job = loop {
        let job = get(&client, &format!("{base}/jobs/{job_id}"), &key).await;
        match job["data"]["status"].as_str() {
            Some("succeeded") => break job["data"].clone(),
            Some("failed" | "cancelled" | "partially_succeeded") => panic!("job ended {job}"),
            _ => {}
        }
        assert!(Instant::now() < deadline, "job still running");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let succeeded = started.elapsed().as_secs_f64();
    let findings = loop {
        let page = get(&client, &format!("{base}/findings?per_page=1"), &key).await;
        let total = page["meta"]["total"].as_u64().unwrap_or(0);
        if total > 0 {
            break total;
        }
        assert!(Instant::now() < deadline, "no findings readable");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let readable = started.elapsed().as_secs_f64();
    let moto_cpu = support::cpu_seconds(moto_pid) - moto_cpu_before;
    let server_cpu = support::cpu_seconds(server.0.id()) - server_cpu_before;
    drop(server);
    println!(
        "\n{tenant} (services at once {services_at_once}): succeeded after {succeeded:.2} s, {findings} findings readable after {readable:.2} s; moto {moto_cpu:.2} s CPU, server {server_cpu:.2} s CPU (release, 2 cores, shared with other builds)"
    );
    println!("  job phases (ms): {}", job["progress"]["phases_ms"]);
    println!("  counts: {}", job["counts"]);
    for scope in job["scopes"].as_array().into_iter().flatten() {
        println!(
            "  scope {} {}: {} nodes, ms per service {}",
            scope["region"], scope["status"], scope["nodes"], scope["timings_ms"]
        );
    }
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(&log) {
        let _ = file.read_to_string(&mut text);
    }
    for figures in support::log_figures(&text, "evaluation timing") {
        println!(
            "  evaluation: snapshot + rules {} ms, findings write {} ms, evaluation total {} ms ({} failing results)",
            figures
                .get("snapshot_and_rules_ms")
                .map_or("?", String::as_str),
            figures.get("findings_write_ms").map_or("?", String::as_str),
            figures.get("total_ms").map_or("?", String::as_str),
            figures.get("failing").map_or("?", String::as_str),
        );
    }
}

async fn bench_api() {
    let instances = env_number("INSTANCES", 2000);
    let (moto, endpoint) = start_moto();
    let started = Instant::now();
    build_instance_estate(&endpoint, instances).await;
    println!(
        "moto estate: {instances} instances in 10 subnets with 20 security groups, built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // What listing costs from moto, whatever reads it.
    let client = aws_sdk_ec2::Client::new(&sdk(&endpoint).await);
    let moto_cpu_before = support::cpu_seconds(moto.0.id());
    let started = Instant::now();
    let mut listed = 0;
    let mut pages = client.describe_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        listed += page
            .unwrap()
            .reservations()
            .iter()
            .map(|reservation| reservation.instances().len())
            .sum::<usize>();
    }
    let instances_wall = started.elapsed().as_secs_f64();
    client.describe_security_groups().send().await.unwrap();
    client.describe_subnets().send().await.unwrap();
    client.describe_network_interfaces().send().await.unwrap();
    client.describe_volumes().send().await.unwrap();
    println!(
        "raw listing: DescribeInstances {listed} instances {instances_wall:.2} s; with groups, subnets, ENIs and volumes {:.2} s (moto {:.2} s CPU)",
        started.elapsed().as_secs_f64(),
        support::cpu_seconds(moto.0.id()) - moto_cpu_before
    );

    let data = tempfile::Builder::new()
        .prefix("infracast-discovery-bench-")
        .tempdir_in("/tmp")
        .expect("temp dir");
    let data_dir = data.path().to_path_buf();
    // The embedded cluster may run as another account: let it in.
    let _ = std::fs::set_permissions(
        &data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    );
    let _cluster = StopCluster(data_dir.clone());
    // moto loads a service's backend on the first request to it (a Python import, up to ~2 s a
    // service on this machine, one at a time): the first job pays that, no later one does, and
    // no AWS endpoint would. Measured, and reported apart.
    run_api_job(&data_dir, &endpoint, moto.0.id(), "cold", "4").await;
    let sequential = std::env::var("BENCH_SKIP_SEQUENTIAL").is_err();
    if sequential {
        run_api_job(&data_dir, &endpoint, moto.0.id(), "sequential", "1").await;
    }
    run_api_job(&data_dir, &endpoint, moto.0.id(), "concurrent", "4").await;
}
