//! One big tenant and the API under load (issue 19): starts the release server on loopback with a
//! private embedded PostgreSQL and plan rate limits switched off (`INFRACAST_RATE_LIMITS=off`),
//! imports a generated estate into four tenants, then reports
//!
//! 1. the import + evaluation time of the big tenant and the evaluation's own figures (rules,
//!    findings write), read from the server's log;
//! 2. the table, extended to every documented list filter, `/edges` and the compliance
//!    reads: each request one at a time, the first request (which counts the total) and p50/p99;
//! 3. 16 concurrent clients over the four tenants at the node list, findings and the compliance
//!    summary: requests/s and p99 per endpoint, every non-2xx counted as an error;
//! 4. how long a SIGTERM takes to stop the server during an evaluation of the big tenant
//!    (`BENCH_SIGTERM_AFTER_MS` after the evaluation job started, default 2000).
//!
//! Bounded: every wait has a deadline, the load phase a duration. Everything it starts it stops
//! (the server, the cluster) and its data directory is removed.
//!
//! `cargo bench --bench load` (release). Sizes: `BENCH_INSTANCES` (big tenant, default 100000),
//! `BENCH_OTHER_INSTANCES` (the three others, default 10000), `BENCH_SAMPLES` (per table row,
//! default 100), `BENCH_LOAD_SECONDS` (default 20).

mod support;

use std::io::{BufRead, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_infracast");

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// Runs the CLI against the bench's data directory and returns its standard output.
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64) * fraction).ceil() as usize;
    sorted[index.clamp(1, sorted.len()) - 1]
}

/// Stops the bench's embedded cluster when the bench ends, however it ends (before the data
/// directory, dropped after it, is removed).
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

struct Server {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Still running only when the bench failed before its SIGTERM.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    fn log_text(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

/// The build profile the figures come from.
fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

async fn get(client: &reqwest::Client, url: &str, key: &str) -> (u16, Value, f64) {
    let started = Instant::now();
    let response = client
        .get(url)
        .bearer_auth(key)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body, started.elapsed().as_secs_f64() * 1000.0)
}

async fn wait_for_job(client: &reqwest::Client, base: &str, tenant: &str, key: &str, job: &str) {
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        let (status, body, _) = get(
            client,
            &format!("{base}/api/v1/tenants/{tenant}/jobs/{job}"),
            key,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        match body["data"]["status"].as_str() {
            Some("succeeded") => return,
            Some("failed" | "cancelled" | "partially_succeeded") => {
                panic!("job of {tenant} ended {body}")
            }
            _ => {}
        }
        assert!(Instant::now() < deadline, "job of {tenant} still running");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::main]
async fn main() {
    infracast::allocator::keep_freed_memory_between_stages();
    let instances = env_number("BENCH_INSTANCES", 100_000);
    let other_instances = env_number("BENCH_OTHER_INSTANCES", 10_000);
    let samples = env_number("BENCH_SAMPLES", 100) as usize;
    let load_seconds = env_number("BENCH_LOAD_SECONDS", 20);
    let data = tempfile::Builder::new()
        .prefix("infracast-load-")
        .tempdir_in("/tmp")
        .expect("temp dir");
    let data_dir = data.path().to_path_buf();
    // The embedded cluster may run as another account: let it in.
    let _ = std::fs::set_permissions(
        &data_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    );
    let _cluster = StopCluster(data_dir.clone());
    let fixtures = data_dir.join("fixtures");
    std::fs::create_dir_all(&fixtures).expect("fixtures dir");

    let started = Instant::now();
    for (name, count) in [("big.json", instances), ("other.json", other_instances)] {
        cli(
            &data_dir,
            &[
                "generate",
                "--instances",
                &count.to_string(),
                "--seed",
                "19",
                "--output",
                fixtures.join(name).to_str().unwrap(),
            ],
        );
    }
    println!(
        "generated {instances} + {other_instances} instances in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let tenants = ["big", "t2", "t3", "t4"];
    let mut keys = Vec::new();
    for tenant in tenants {
        cli(
            &data_dir,
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
            &data_dir,
            &["key", "create", "--tenant", tenant, "--role", "admin"],
        );
        keys.push(key.lines().last().unwrap_or_default().trim().to_string());
    }

    let port = free_port();
    let log = data_dir.join("server.log");
    let child = Command::new(BINARY)
        .arg("--data-dir")
        .arg(&data_dir)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--fixture-dir",
        ])
        .arg(&fixtures)
        .env("INFRACAST_RATE_LIMITS", "off")
        // The findings write's steps are logged at debug level.
        .env("INFRACAST_LOG", "info,infracast::store::findings=debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start the server");
    let mut server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        log,
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(32)
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(60);
    while client
        .get(format!("{}/livez", server.base))
        .send()
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "server did not start: {}",
            server.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Imports, one tenant at a time so the big one's figures are its own.
    for (index, tenant) in tenants.iter().enumerate() {
        let file = if index == 0 { "big.json" } else { "other.json" };
        let started = Instant::now();
        let answer = client
            .post(format!("{}/api/v1/tenants/{tenant}/jobs", server.base))
            .bearer_auth(&keys[index])
            .json(&json!({"provider": "fixture", "config": {"file": file}, "start": true}))
            .send()
            .await
            .expect("create job");
        assert!(answer.status().is_success(), "job: {}", answer.status());
        let body: Value = answer.json().await.expect("job body");
        let job = body["data"]["id"].as_str().expect("job id").to_string();
        wait_for_job(&client, &server.base, tenant, &keys[index], &job).await;
        println!(
            "tenant {tenant}: import + evaluation {:.1} s (2 cores)",
            started.elapsed().as_secs_f64()
        );
    }
    // `… findings write step ms=N step="what it did"` (the step, last, has spaces in it).
    let log = support::strip_ansi(&server.log_text());
    let mut slowest: Vec<(u64, String)> = log
        .lines()
        .filter(|line| line.contains("findings write step"))
        .filter_map(|line| {
            let (_, after_ms) = line.split_once(" ms=")?;
            let ms: u64 = after_ms.split_whitespace().next()?.parse().ok()?;
            let (_, step) = line.split_once(" step=")?;
            Some((ms, step.trim().trim_matches('"').to_string()))
        })
        .filter(|(ms, _)| *ms >= 100)
        .collect();
    slowest.sort_by_key(|(ms, _)| std::cmp::Reverse(*ms));
    for (ms, step) in slowest {
        println!("  findings write step taking 100 ms or more: {step}: {ms} ms");
    }
    for figures in support::log_figures(&server.log_text(), "evaluation rules timing") {
        println!(
            "  rules phase: rule pack and exposure {} ms, findings built {} ms",
            figures.get("rules_pass_ms").map_or("?", String::as_str),
            figures.get("observations_ms").map_or("?", String::as_str),
        );
    }
    for figures in support::log_figures(&server.log_text(), "evaluation timing") {
        println!(
            "  evaluation of {}: {} failing results ({} new), snapshot {} ms + rules {} ms + scores beyond the rules {} ms, findings write {} ms, total {} ms",
            figures.get("tenant").map_or("?", String::as_str),
            figures.get("failing").map_or("?", String::as_str),
            figures.get("new").map_or("?", String::as_str),
            figures.get("snapshot_ms").map_or("?", String::as_str),
            figures.get("rules_ms").map_or("?", String::as_str),
            figures.get("scores_ms").map_or("?", String::as_str),
            figures.get("findings_write_ms").map_or("?", String::as_str),
            figures.get("total_ms").map_or("?", String::as_str),
        );
    }

    // The table, one request at a time on the big tenant.
    let big = format!("{}/api/v1/tenants/big", server.base);
    let key = &keys[0];
    let (_, first, _) = get(&client, &format!("{big}/nodes?per_page=1"), key).await;
    println!(
        "\nbig tenant: {} nodes; one request at a time, {samples} samples each, {}, 2 cores",
        first["meta"]["total"],
        profile()
    );
    // Values the filters need, read from the data (an account, a node with edges).
    let account = first["data"][0]["account"]
        .as_str()
        .unwrap_or("000000000000")
        .to_string();
    let (_, instance, _) = get(
        &client,
        &format!("{big}/nodes?types=aws.ec2.instance&per_page=1"),
        key,
    )
    .await;
    let instance_id = instance["data"][0]["id"].as_str().unwrap_or("").to_string();
    println!("| request | first (total counted) | p50 | p99 | total |\n|---|---|---|---|---|");
    let rows = [
        "/nodes?per_page=50".to_string(),
        "/nodes?types=aws.ec2.instance&region=us-east-1&per_page=50".to_string(),
        "/nodes?types=aws.ec2.instance&per_page=50".to_string(),
        "/nodes?region=us-east-1&per_page=50".to_string(),
        "/nodes?provider=aws&per_page=50".to_string(),
        format!("/nodes?account={account}&per_page=50"),
        "/nodes?tag=env:dev&per_page=50".to_string(),
        "/nodes?q=web&per_page=50".to_string(),
        "/nodes?sort=name&per_page=50".to_string(),
        "/nodes?sort=-last_seen&per_page=50".to_string(),
        "/nodes?sort=last_seen&per_page=50".to_string(),
        "/nodes?types=aws.ec2.instance&sort=-last_seen&per_page=50".to_string(),
        "/findings?severity=HIGH,CRITICAL&per_page=50".to_string(),
        "/findings?per_page=50".to_string(),
        "/findings?status=open&sort=-last_seen&per_page=50".to_string(),
        "/exposure?per_page=50".to_string(),
        "/edges?per_page=50".to_string(),
        "/edges?kind=member_of&per_page=50".to_string(),
        "/edges?sort=-last_seen&per_page=50".to_string(),
        format!("/edges?node={instance_id}&per_page=50"),
        "/compliance/summary".to_string(),
        "/compliance/frameworks".to_string(),
        "/compliance/controls?framework=cis-aws-foundations".to_string(),
    ];
    let mut errors = 0usize;
    for row in &rows {
        let mut times = Vec::with_capacity(samples);
        let mut total = Value::Null;
        let mut cold = f64::NAN;
        for sample in 0..samples {
            let (status, body, ms) = get(&client, &format!("{big}{row}"), key).await;
            if !(200..300).contains(&status) {
                errors += 1;
                eprintln!("{row}: {status} {body}");
            }
            if sample == 0 {
                cold = ms;
            }
            total = body["meta"]["total"].clone();
            times.push(ms);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| `{row}` | {cold:.1} ms | {:.1} ms | {:.1} ms | {total} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
    // The keyset walk: pages of 500 following next_cursor.
    let mut times = Vec::new();
    let mut cursor: Option<String> = None;
    let mut walked = 0usize;
    while times.len() < samples {
        let url = match &cursor {
            Some(cursor) => format!("{big}/nodes?per_page=500&cursor={cursor}"),
            None => format!("{big}/nodes?per_page=500"),
        };
        let (status, body, ms) = get(&client, &url, key).await;
        if !(200..300).contains(&status) {
            errors += 1;
        }
        walked += body["data"].as_array().map_or(0, Vec::len);
        times.push(ms);
        cursor = body["meta"]["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    times.sort_by(f64::total_cmp);
    println!(
        "| `/nodes?per_page=500&cursor=…` (keyset walk, {} pages, {walked} nodes) | | {:.1} ms | {:.1} ms | |",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    println!("sequential errors (non-2xx): {errors}");

    // Under load: 16 clients over the four tenants.
    let endpoints = [
        "/nodes?per_page=50",
        "/findings?per_page=50",
        "/compliance/summary",
    ];
    let until = Instant::now() + Duration::from_secs(load_seconds);
    let load_started = Instant::now();
    let mut tasks = Vec::new();
    for client_index in 0..16usize {
        let client = client.clone();
        let base = format!(
            "{}/api/v1/tenants/{}",
            server.base,
            tenants[client_index % 4]
        );
        let key = keys[client_index % 4].clone();
        tasks.push(tokio::spawn(async move {
            let mut times: Vec<Vec<f64>> = vec![Vec::new(); endpoints.len()];
            let mut failures = 0usize;
            let mut turn = client_index;
            while Instant::now() < until {
                let endpoint = turn % endpoints.len();
                turn += 1;
                let (status, _, ms) =
                    get(&client, &format!("{base}{}", endpoints[endpoint]), &key).await;
                if !(200..300).contains(&status) {
                    failures += 1;
                }
                times[endpoint].push(ms);
            }
            (times, failures)
        }));
    }
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); endpoints.len()];
    let mut failures = 0usize;
    for task in tasks {
        let (task_times, task_failures) = task.await.expect("client task");
        for (all, mine) in times.iter_mut().zip(task_times) {
            all.extend(mine);
        }
        failures += task_failures;
    }
    let elapsed = load_started.elapsed().as_secs_f64();
    println!(
        "\nunder load: 16 clients over 4 tenants for {elapsed:.1} s, rate limits off, {}, 2 cores",
        profile()
    );
    println!("| endpoint | requests | requests/s | p50 | p99 |\n|---|---|---|---|---|");
    for (endpoint, mut endpoint_times) in endpoints.iter().zip(times) {
        endpoint_times.sort_by(f64::total_cmp);
        println!(
            "| `{endpoint}` | {} | {:.0} | {:.1} ms | {:.1} ms |",
            endpoint_times.len(),
            endpoint_times.len() as f64 / elapsed,
            percentile(&endpoint_times, 0.5),
            percentile(&endpoint_times, 0.99)
        );
    }
    println!("errors under load (non-2xx): {failures}");

    // SIGTERM during an evaluation of the big tenant (the grace is the server's own, 10 s): the
    // evaluation stops between its phases and rolls back.
    let answer = client
        .post(format!("{big}/evaluations"))
        .bearer_auth(key)
        .send()
        .await
        .expect("start an evaluation");
    assert!(
        answer.status().is_success(),
        "evaluation: {}",
        answer.status()
    );
    let body: Value = answer.json().await.expect("evaluation body");
    let job = body["data"]["job_id"]
        .as_str()
        .expect("the evaluation's job id")
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, body, _) = get(&client, &format!("{big}/jobs/{job}"), key).await;
        if body["data"]["status"] == "running" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the evaluation never started: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let phase = std::env::var("BENCH_SIGTERM_AFTER_MS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2_000);
    // Into the evaluation (snapshot load and rules take seconds at this size).
    tokio::time::sleep(Duration::from_millis(phase)).await;
    let stopping = Instant::now();
    let pid = nix::unistd::Pid::from_raw(server.child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let child = &mut server.child;
    let stop_deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        if Instant::now() > stop_deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "SIGTERM {phase} ms into an evaluation of the big tenant, to exit: {:.2} s ({}, 2 cores)",
        stopping.elapsed().as_secs_f64(),
        profile()
    );
    for line in support::strip_ansi(&server.log_text())
        .lines()
        .filter(|line| line.contains("interrupted by shutdown"))
    {
        println!("  server log: {line}");
    }
    for line in std::io::BufReader::new(std::fs::File::open(&server.log).expect("log"))
        .lines()
        .map_while(Result::ok)
        .filter(|line| line.contains("ERROR"))
        .take(5)
    {
        eprintln!("server log: {line}");
    }
    assert_eq!(errors + failures, 0, "every answer must be 2xx");
}
