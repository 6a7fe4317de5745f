//! Many processes, one truth (issue 16): three real `infracast serve` processes share one database.
//! Jobs of several tenants are queued through all three and schedules fall due at the same
//! times; one process is SIGKILLed while it holds a job's lease. Then, from the database and the
//! processes' own logs: every job ended exactly once (one completion event, one diff, one
//! "job finished" line; the killed jobs taken over once, after their lease lapsed, by a survivor),
//! every schedule fired once per due time, and both survivors serve the graph of the latest
//! discovery, whichever process committed it, and never a deleted tenant's graph for a re-created
//! slug (each process's snapshot cache follows the tenant's `graph_generation`). Also the cache
//! itself: its sweep, and one build for a burst of readers of a stale snapshot.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use infracast::auth::{self, KeyScope, Role};
use infracast::model::Inventory;
use infracast::store;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use super::crash::database_with_url;

const TENANTS: [&str; 4] = ["alpha", "bravo", "charlie", "delta"];
/// Short, so a killed process's jobs are taken over within seconds; long enough that a busy
/// survivor (2 shared cores) still renews in time.
const LEASE_SECONDS: u64 = 6;
const SCHEDULES_PER_TENANT: usize = 2;

/// One `infracast serve` process with its own port and log file.
struct Process {
    child: Child,
    address: String,
    log: PathBuf,
    application_name: String,
}

/// The process's connections carry its name, so the test can tell its database sessions apart.
fn with_application_name(url: &str, index: usize) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{separator}application_name={}",
        application_name(index)
    )
}

fn application_name(index: usize) -> String {
    format!("infracast-process-{index}")
}

impl Process {
    fn start(index: usize, url: &str, directory: &Path) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = directory.join(format!("process-{index}.log"));
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_infracast"))
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", with_application_name(url, index))
            .env(
                "INFRACAST_DATA_DIR",
                directory.join(format!("data-{index}")),
            )
            .env("INFRACAST_FIXTURE_DIR", directory.join("estates"))
            .env("INFRACAST_WORKERS", "2")
            .env("INFRACAST_JOB_LEASE_SECONDS", LEASE_SECONDS.to_string())
            .env("INFRACAST_SHUTDOWN_GRACE_SECONDS", "2")
            .env("INFRACAST_LOG", "info,sqlx=warn")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start the infracast binary");
        Process {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log,
            application_name: application_name(index),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_until_listening(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answered = client
                .get(format!("{}/api/v1/openapi.json", self.address))
                .send()
                .await
                .is_ok();
            if answered {
                return;
            }
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "process exited early; log:\n{}",
                self.log_text()
            );
            assert!(Instant::now() < deadline, "the process never listened");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid() as i32), signal).unwrap();
    }

    async fn wait_for_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit within {limit:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request to `process`; the answer's status and JSON body.
async fn call(
    client: &reqwest::Client,
    process: &Process,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client
        .request(method, format!("{}{path}", process.address))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("the process answers");
    let status = answer.status();
    let body = answer.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

/// Queues a fixture discovery through `process`; returns its id.
async fn queue_discovery(
    client: &reqwest::Client,
    process: &Process,
    tenant: &str,
    key: &str,
    config: Value,
) -> Uuid {
    let (status, body) = call(
        client,
        process,
        Method::POST,
        &format!("/api/v1/tenants/{tenant}/jobs"),
        key,
        Some(json!({"provider": "fixture", "config": config, "start": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"]["id"].as_str().unwrap().parse().unwrap()
}

/// Queues an evaluation through `process`; returns its id.
async fn queue_evaluation(
    client: &reqwest::Client,
    process: &Process,
    tenant: &str,
    key: &str,
) -> Uuid {
    let (status, body) = call(
        client,
        process,
        Method::POST,
        &format!("/api/v1/tenants/{tenant}/evaluations"),
        key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["data"]["job_id"].as_str().unwrap().parse().unwrap()
}

/// Polls `query` (one bigint) until it returns `expected`, up to `limit`.
async fn wait_for_count(pool: &PgPool, query: &str, binds: &[&str], expected: i64, limit: u64) {
    let deadline = Instant::now() + Duration::from_secs(limit);
    loop {
        let mut statement = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(query.to_string()));
        for bind in binds {
            statement = statement.bind(*bind);
        }
        let seen = statement.fetch_one(pool).await.unwrap();
        if seen == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "`{query}` still {seen} (want {expected}) after {limit} s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `job finished` lines of a process log: (job id, status), ANSI colours stripped.
fn finished_lines(log: &str) -> Vec<(Uuid, String)> {
    let field = |line: &str, name: &str| -> Option<String> {
        let start = line.find(&format!(" {name}="))? + name.len() + 2;
        let value: String = line[start..]
            .chars()
            .take_while(|character| !character.is_whitespace())
            .collect();
        Some(value)
    };
    log.lines()
        .map(strip_ansi)
        .filter(|line| line.contains("job finished"))
        .map(|line| {
            let job = field(&line, "job").unwrap_or_else(|| panic!("no job in `{line}`"));
            let status = field(&line, "status").unwrap_or_else(|| panic!("no status in `{line}`"));
            (job.parse().unwrap(), status)
        })
        .collect()
}

fn strip_ansi(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut characters = line.chars();
    while let Some(character) = characters.next() {
        if character == '\u{1b}' {
            for inner in characters.by_ref() {
                if inner.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(character);
        }
    }
    plain
}

/// The tenant's graph generation as the database has it.
async fn generation(pool: &PgPool, tenant: &str) -> i64 {
    sqlx::query_scalar("SELECT graph_generation FROM tenants WHERE tenant_id = $1")
        .bind(tenant)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// What `process` serves from its snapshot of `tenant`: the exposure list's generation and total.
async fn served_exposure(
    client: &reqwest::Client,
    process: &Process,
    tenant: &str,
    key: &str,
) -> (i64, u64) {
    let (status, body) = call(
        client,
        process,
        Method::GET,
        &format!("/api/v1/tenants/{tenant}/exposure"),
        key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["meta"]["graph_generation"].as_i64().unwrap(),
        body["meta"]["total"].as_u64().unwrap(),
    )
}

/// Traces from `node` to the internet on `process`: 200 when the node is in the graph the process
/// serves, 400 naming it when not.
async fn trace_from(
    client: &reqwest::Client,
    process: &Process,
    tenant: &str,
    key: &str,
    node: &str,
) -> (StatusCode, Value) {
    call(
        client,
        process,
        Method::POST,
        &format!("/api/v1/tenants/{tenant}/pathtracer/trace"),
        key,
        Some(json!({"source_node_id": node, "destination_cidr": "0.0.0.0/0", "port": 443, "protocol": "tcp"})),
    )
    .await
}

fn write_estate(directory: &Path, name: &str, inventory: &Inventory) {
    std::fs::write(
        directory.join("estates").join(name),
        serde_json::to_string(inventory).unwrap(),
    )
    .unwrap();
}

fn instance_ids(inventory: &Inventory) -> BTreeSet<String> {
    inventory
        .nodes
        .iter()
        .filter(|node| node.node_type.as_str() == "aws.ec2.instance")
        .map(|node| node.id.to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_run_every_job_once_fire_schedules_once_and_serve_the_new_graph() {
    let (pool, url) = database_with_url().await;
    let directory = tempfile::tempdir().unwrap();
    std::fs::create_dir(directory.path().join("estates")).unwrap();
    let client = reqwest::Client::new();
    let (_, platform_key) =
        auth::create_key(&pool, &KeyScope::Platform, Role::PlatformAdmin, "test")
            .await
            .unwrap();
    let mut keys = HashMap::new();
    for (index, tenant) in TENANTS.into_iter().enumerate() {
        store::tenants::create(&pool, tenant, tenant, "enterprise")
            .await
            .unwrap();
        let (_, key) = auth::create_key(&pool, &KeyScope::Tenant(tenant.into()), Role::Admin, "t")
            .await
            .unwrap();
        keys.insert(tenant, key);
        let estate = infracast::discovery::generate::generate_estate(40 + 20 * index, index as u64);
        write_estate(directory.path(), &format!("{tenant}.json"), &estate);
    }

    let mut processes: Vec<Process> = (0..3)
        .map(|index| Process::start(index, &url, directory.path()))
        .collect();
    for process in &mut processes {
        process.wait_until_listening(&client).await;
    }

    // Schedules of every tenant, all due at one past instant; their cron's next run is months away,
    // so the only due times are the two this test sets.
    let first_due: DateTime<Utc> = (Utc::now() - chrono::Duration::minutes(10)).trunc_subsecs(0);
    let second_due = first_due + chrono::Duration::minutes(1);
    let mut schedules = Vec::new();
    for tenant in TENANTS {
        for number in 0..SCHEDULES_PER_TENANT {
            let schedule = store::schedules::create(
                &pool,
                tenant,
                &format!("yearly-{number}"),
                "0 3 1 1 *",
                &json!({"provider": "fixture", "config": {"sample": true}}),
                true,
                first_due,
            )
            .await
            .unwrap();
            schedules.push(schedule.schedule_id);
        }
    }

    // Jobs of every tenant, queued through all three processes in turn.
    let mut queued = Vec::new();
    let mut turn = 0;
    for tenant in TENANTS {
        let key = &keys[tenant];
        let mut through = || {
            turn += 1;
            &processes[turn % processes.len()]
        };
        let estate = json!({"file": format!("{tenant}.json")});
        queued.push(queue_discovery(&client, through(), tenant, key, estate).await);
        queued.push(queue_evaluation(&client, through(), tenant, key).await);
        queued
            .push(queue_discovery(&client, through(), tenant, key, json!({"sample": true})).await);
        queued.push(queue_evaluation(&client, through(), tenant, key).await);
    }

    // Kill process 0 while it holds a lease: it is mid-job then, by definition. It is frozen
    // (SIGSTOP) while the jobs it holds are read, so it cannot start another between the read and
    // the kill; holding none at that instant (it finished one as we looked), it resumes and the
    // test looks again.
    let mut retired_victims: Vec<Process> = Vec::new();
    let mut next_process_index = processes.len();
    let deadline = Instant::now() + Duration::from_secs(120);
    let killed: BTreeSet<Uuid> = loop {
        assert!(
            Instant::now() < deadline,
            "process 0 never died holding a job's lease"
        );
        let victim_owner = format!("-{}-[0-9a-f]{{32}}-[0-9]+$", processes[0].pid());
        wait_for_count(
            &pool,
            "SELECT least(count(*), 1) FROM jobs WHERE status = 'running' AND lease_owner ~ $1",
            &[&victim_owner],
            1,
            120,
        )
        .await;
        processes[0].signal(nix::sys::signal::Signal::SIGSTOP);
        let sessions: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
                .bind(&processes[0].application_name)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(sessions > 0, "process 0's sessions do not carry its name");
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE status = 'running' AND lease_owner ~ $1",
        )
        .bind(&victim_owner)
        .fetch_one(&pool)
        .await
        .unwrap();
        if held == 0 {
            processes[0].signal(nix::sys::signal::Signal::SIGCONT);
            continue;
        }
        processes[0].signal(nix::sys::signal::Signal::SIGKILL);
        processes[0].wait_for_exit(Duration::from_secs(10)).await;
        // A statement the process sent just before it froze (a claim, or the COMMIT that finishes
        // a job) may land only after the read above. Once every session of the dead process has
        // ended, nothing of it can land any more: what it left running is exactly what a survivor
        // must take over. Its leases were renewed moments ago, so no survivor has taken one yet.
        wait_for_count(
            &pool,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            &[&processes[0].application_name],
            0,
            60,
        )
        .await;
        let stranded: BTreeSet<Uuid> = sqlx::query_scalar(
            "SELECT job_id FROM jobs WHERE status = 'running' AND lease_owner ~ $1",
        )
        .bind(&victim_owner)
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        if !stranded.is_empty() {
            break stranded;
        }
        // Every job it held finished after all: a new process takes its place and the test
        // tries again.
        let mut replacement = Process::start(next_process_index, &url, directory.path());
        next_process_index += 1;
        replacement.wait_until_listening(&client).await;
        retired_victims.push(std::mem::replace(&mut processes[0], replacement));
    };

    // Every schedule fires for its first due time; then the clock "reaches" a second one.
    let schedule_count = (TENANTS.len() * SCHEDULES_PER_TENANT) as i64;
    let fired_for =
        "SELECT count(DISTINCT schedule_id) FROM jobs WHERE scheduled_for = $1::timestamptz";
    wait_for_count(
        &pool,
        fired_for,
        &[&first_due.to_rfc3339()],
        schedule_count,
        60,
    )
    .await;
    sqlx::query("UPDATE schedules SET next_run_at = $1")
        .bind(second_due)
        .execute(&pool)
        .await
        .unwrap();
    wait_for_count(
        &pool,
        fired_for,
        &[&second_due.to_rfc3339()],
        schedule_count,
        60,
    )
    .await;

    let total = queued.len() as i64 + 2 * schedule_count;
    wait_for_count(&pool, "SELECT count(*) FROM jobs", &[], total, 10).await;
    wait_for_count(
        &pool,
        "SELECT count(*) FROM jobs WHERE status IN ('succeeded', 'partially_succeeded', 'failed', 'cancelled')",
        &[],
        total,
        300,
    )
    .await;

    // Every job succeeded; those the killed process held were claimed twice, all others once.
    let jobs: Vec<(Uuid, String, String, i32, Value, Value)> = sqlx::query_as(
        "SELECT job_id, kind, status, attempts, counts, errors FROM jobs ORDER BY created_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (job_id, kind, status, attempts, _, errors) in &jobs {
        assert_eq!(status, "succeeded", "{kind} {job_id}: {errors}");
        let expected = if killed.contains(job_id) { 2 } else { 1 };
        assert_eq!(*attempts, expected, "{kind} {job_id} (killed: {killed:?})");
    }

    // One completion event per job, nothing else.
    let events: Vec<(Option<String>, String, i64)> = sqlx::query_as(
        "SELECT payload->>'job_id', event_type, count(*) FROM webhook_events
         WHERE event_type LIKE 'job.%' GROUP BY 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected_events: Vec<(Option<String>, String, i64)> = jobs
        .iter()
        .map(|(job_id, ..)| (Some(job_id.to_string()), "job.completed".to_string(), 1))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let events: Vec<_> = events
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(events, expected_events);

    // Each discovery's diff was recorded once: its counts are exactly its recorded changes.
    let changes: HashMap<Uuid, i64> =
        sqlx::query_as("SELECT job_id, count(*) FROM job_changes GROUP BY job_id")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    for (job_id, kind, _, _, counts, _) in &jobs {
        if kind != "discovery" {
            continue;
        }
        let counted: i64 = ["nodes", "edges"]
            .iter()
            .flat_map(|entity| {
                ["added", "changed", "removed"]
                    .map(|change| counts[format!("{entity}_{change}")].as_i64().unwrap())
            })
            .sum();
        assert_eq!(
            changes.get(job_id).copied().unwrap_or(0),
            counted,
            "{job_id}: {counts}"
        );
    }

    // The processes' own account: no job finished twice, and each killed job was finished by
    // exactly one survivor.
    let mut finishers: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    let incarnations = processes
        .iter()
        .enumerate()
        .chain(retired_victims.iter().map(|process| (0, process)));
    for (index, process) in incarnations {
        for (job_id, status) in finished_lines(&process.log_text()) {
            if status != "abandoned" {
                finishers.entry(job_id).or_default().push(index);
            }
        }
    }
    for (job_id, by) in &finishers {
        assert_eq!(by.len(), 1, "job {job_id} finished by processes {by:?}");
    }
    for job_id in &killed {
        let by = finishers.get(job_id).cloned().unwrap_or_default();
        assert!(
            by.len() == 1 && by[0] != 0,
            "killed job {job_id} finished by {by:?}"
        );
    }
    let survivors_finished = finishers.values().filter(|by| by[0] != 0).count();
    assert!(survivors_finished > killed.len(), "{finishers:?}");

    // Each schedule fired once per due time, and only for those.
    let fired: Vec<(Uuid, DateTime<Utc>, i64)> = sqlx::query_as(
        "SELECT schedule_id, scheduled_for, count(*) FROM jobs WHERE schedule_id IS NOT NULL
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut expected_fired: Vec<(Uuid, DateTime<Utc>, i64)> = schedules
        .iter()
        .flat_map(|schedule| [(*schedule, first_due, 1), (*schedule, second_due, 1)])
        .collect();
    expected_fired.sort();
    assert_eq!(fired, expected_fired);

    // Every survivor serves the graph of a discovery whichever process committed it. First each
    // survivor caches alpha's current graph, which lacks the instances of the next estate.
    let survivors = &processes[1..];
    let alpha_key = &keys["alpha"];
    let live: BTreeSet<String> =
        sqlx::query_scalar("SELECT id FROM nodes WHERE tenant_id = 'alpha' AND deleted_at IS NULL")
            .fetch_all(&pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    let next_estate = infracast::discovery::generate::generate_estate(120, 7);
    let newcomer = instance_ids(&next_estate)
        .into_iter()
        .find(|id| !live.contains(id))
        .expect("the next estate has an instance alpha's graph lacks");
    write_estate(directory.path(), "alpha-next.json", &next_estate);
    let before = generation(&pool, "alpha").await;
    for survivor in survivors {
        assert_eq!(
            served_exposure(&client, survivor, "alpha", alpha_key)
                .await
                .0,
            before
        );
        let (status, body) = trace_from(&client, survivor, "alpha", alpha_key, &newcomer).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("not in this tenant's graph"),
            "{body}"
        );
    }
    let next = queue_discovery(
        &client,
        &survivors[0],
        "alpha",
        alpha_key,
        json!({"file": "alpha-next.json"}),
    )
    .await;
    wait_for_count(
        &pool,
        "SELECT count(*) FROM jobs WHERE job_id = $1::uuid AND status = 'succeeded'",
        &[&next.to_string()],
        1,
        120,
    )
    .await;
    let after = generation(&pool, "alpha").await;
    assert_ne!(after, before);
    for (index, survivor) in survivors.iter().enumerate() {
        let (served, _) = served_exposure(&client, survivor, "alpha", alpha_key).await;
        assert_eq!(served, after, "survivor {index} serves generation {served}");
        let (status, body) = trace_from(&client, survivor, "alpha", alpha_key, &newcomer).await;
        assert_eq!(status, StatusCode::OK, "survivor {index}: {body}");
    }

    // A tenant deleted and created again through one survivor: the other, which cached the old
    // tenant's graph and was not told, serves the new, empty one.
    let delta_key = &keys["delta"];
    let delta_instance: String = sqlx::query_scalar(
        "SELECT id FROM nodes WHERE tenant_id = 'delta' AND type = 'aws.ec2.instance'
         AND deleted_at IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    for survivor in survivors {
        let (status, body) =
            trace_from(&client, survivor, "delta", delta_key, &delta_instance).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = call(
        &client,
        &survivors[0],
        Method::DELETE,
        "/api/v1/tenants/delta",
        &platform_key,
        None,
    )
    .await;
    assert!(status.is_success(), "{status}: {body}");
    let (status, body) = call(
        &client,
        &survivors[0],
        Method::POST,
        "/api/v1/tenants",
        &platform_key,
        Some(json!({"id": "delta", "name": "delta again", "plan": "enterprise"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(
        &client,
        &survivors[0],
        Method::POST,
        "/api/v1/tenants/delta/api-keys",
        &platform_key,
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let new_delta_key = body["data"]["key"].as_str().unwrap().to_string();
    let recreated = generation(&pool, "delta").await;
    for (index, survivor) in survivors.iter().enumerate() {
        let (served, exposed) = served_exposure(&client, survivor, "delta", &new_delta_key).await;
        assert_eq!((served, exposed), (recreated, 0), "survivor {index}");
        let (status, body) =
            trace_from(&client, survivor, "delta", &new_delta_key, &delta_instance).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "survivor {index}: {body}");
    }

    for survivor in &mut processes[1..] {
        survivor.signal(nix::sys::signal::Signal::SIGTERM);
        let status = survivor.wait_for_exit(Duration::from_secs(20)).await;
        assert!(status.success(), "{status:?}");
    }
}

#[tokio::test]
async fn a_sweep_drops_the_snapshots_of_tenants_deleted_or_changed_elsewhere() {
    let app = super::helpers::spawn_app().await;
    let mut keys = HashMap::new();
    for tenant in ["kept", "gone", "moved"] {
        let key = app.tenant_with_key(tenant, "enterprise", "admin").await;
        let created = app
            .post(
                &format!("/api/v1/tenants/{tenant}/jobs"),
                &key,
                json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let finished = infracast::jobs::run_next(&app.runtime())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(finished.status, "succeeded", "{finished:?}");
        keys.insert(tenant, key);
    }
    // Another process's cache, holding all three graphs.
    let elsewhere = infracast::snapshots::GraphSnapshots::default();
    for tenant in ["kept", "gone", "moved"] {
        let snapshot = elsewhere.current(&app.pool, tenant).await.unwrap();
        assert!(snapshot.graph.node_count() > 0);
    }
    assert_eq!(elsewhere.sweep(&app.pool).await.unwrap(), 0);
    assert_eq!(elsewhere.cached_tenants(), ["gone", "kept", "moved"]);

    let deleted = app.delete("/api/v1/tenants/gone", &app.platform_key).await;
    assert!(deleted.status.is_success(), "{}", deleted.body);
    let other_estate = infracast::discovery::generate::generate_estate(5, 1);
    let rediscovered = app
        .post(
            "/api/v1/tenants/moved/jobs",
            &keys["moved"],
            json!({"provider": "fixture", "config": {"inventory": other_estate}, "start": true}),
        )
        .await;
    assert_eq!(
        rediscovered.status,
        StatusCode::CREATED,
        "{}",
        rediscovered.body
    );
    let finished = infracast::jobs::run_next(&app.runtime())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(finished.status, "succeeded", "{finished:?}");

    assert_eq!(elsewhere.sweep(&app.pool).await.unwrap(), 2);
    assert_eq!(elsewhere.cached_tenants(), ["kept"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_requests_for_a_stale_snapshot_builds_it_once() {
    let app = super::helpers::spawn_app().await;
    let key = app.tenant_with_key("burst", "enterprise", "admin").await;
    let discover = |inventory: Value| {
        let (app, key) = (&app, &key);
        async move {
            let created = app
                .post(
                    "/api/v1/tenants/burst/jobs",
                    key,
                    json!({"provider": "fixture", "config": {"inventory": inventory}, "start": true}),
                )
                .await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
            let finished = infracast::jobs::run_next(&app.runtime())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(finished.status, "succeeded", "{finished:?}");
        }
    };
    let burst = |cache: Arc<infracast::snapshots::GraphSnapshots>| {
        let pool = app.pool.clone();
        async move {
            let readers: Vec<_> = (0..8)
                .map(|_| {
                    let (cache, pool) = (cache.clone(), pool.clone());
                    tokio::spawn(async move { cache.current(&pool, "burst").await.unwrap() })
                })
                .collect();
            let mut generations = BTreeSet::new();
            for reader in readers {
                let snapshot = reader.await.unwrap();
                assert!(snapshot.graph.node_count() > 0);
                generations.insert(snapshot.generation);
            }
            generations
        }
    };

    discover(
        serde_json::to_value(infracast::discovery::generate::generate_estate(200, 3)).unwrap(),
    )
    .await;
    let cache = Arc::new(infracast::snapshots::GraphSnapshots::default());
    let first = burst(cache.clone()).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(cache.builds(), 1, "eight cold readers, one build");

    // A new graph: the next burst builds once more, and all of it reads the new generation.
    discover(
        serde_json::to_value(infracast::discovery::generate::generate_estate(150, 4)).unwrap(),
    )
    .await;
    let second = burst(cache.clone()).await;
    assert_eq!(second.len(), 1, "{second:?}");
    assert!(second.first() > first.first(), "{first:?} then {second:?}");
    assert_eq!(cache.builds(), 2);
}
