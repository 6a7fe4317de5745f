//! Discovery benchmark: 2,000 instances created in moto, discovered by the `aws` provider; wall
//! time, and how much CPU moto and this process used.
//!
//! Run: `cargo bench --bench discovery` (env `INSTANCES` to change the count). Needs moto_server.

mod support;

use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::InstanceType;
use infracast::discovery::DiscoveryControl;
use infracast::discovery::aws::{Access, AwsConfig, discover};

#[tokio::main]
async fn main() {
    let instances: i32 = std::env::var("INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2000);
    // SAFETY: set before any SDK client exists, single-threaded at this point.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut moto = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server");
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    assert!((0..300).any(|_| {
        TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok() || {
            std::thread::sleep(Duration::from_millis(100));
            false
        }
    }));
    let endpoint = format!("http://127.0.0.1:{port}");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&endpoint)
        .load()
        .await;
    let client = aws_sdk_ec2::Client::new(&config);
    let image = client.describe_images().send().await.unwrap().images()[0]
        .image_id()
        .unwrap()
        .to_string();
    let mut remaining = instances;
    while remaining > 0 {
        let batch = remaining.min(500);
        client
            .run_instances()
            .image_id(&image)
            .instance_type(InstanceType::T2Micro)
            .min_count(batch)
            .max_count(batch)
            .send()
            .await
            .unwrap();
        remaining -= batch;
    }
    let moto_cpu_before = support::cpu_seconds(moto.id());
    let own_cpu_before = support::cpu_seconds(std::process::id());
    let started = Instant::now();
    let outcome = discover(
        &AwsConfig {
            regions: vec!["us-east-1".into()],
            endpoint_url: Some(endpoint),
            account_id: Some("123456789012".into()),
            ..Default::default()
        },
        &Access {
            external_id: "bench".into(),
            ambient_credentials: true,
        },
        &DiscoveryControl::detached(),
    )
    .await
    .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let moto_cpu = support::cpu_seconds(moto.id()) - moto_cpu_before;
    let own_cpu = support::cpu_seconds(std::process::id()) - own_cpu_before;
    let found = outcome
        .inventory
        .nodes
        .iter()
        .filter(|node| node.node_type == infracast::model::NodeType::Instance)
        .count();
    println!(
        "discovered {found} instances ({} nodes, {} edges) from moto in {wall:.2} s wall; moto used {moto_cpu:.2} s CPU, infracast {own_cpu:.2} s CPU",
        outcome.inventory.nodes.len(),
        outcome.inventory.edges.len()
    );
    let _ = moto.kill();
    let _ = moto.wait();
}
