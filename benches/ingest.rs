//! Ingest benchmark: reconcile a generated 100k-instance estate into PostgreSQL (COPY staging,
//! diff, upsert) and compare with the ceiling: the same node rows loaded by `psql \copy` into a
//! bare table on the same server.
//!
//! Run: `cargo bench --bench ingest` (env `INSTANCES` to change the size).

mod support;

use std::time::Instant;

use infracast::discovery::generate::generate_estate;
use infracast::model::Scope;
use infracast::store::{self, jobs::NewJob};

#[tokio::main]
async fn main() {
    let instances: usize = std::env::var("INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let started = Instant::now();
    let inventory = generate_estate(instances, 42);
    let rows = inventory.nodes.len() + inventory.edges.len();
    println!(
        "generated {instances} instances: {} nodes, {} edges in {:.2} s",
        inventory.nodes.len(),
        inventory.edges.len(),
        started.elapsed().as_secs_f64()
    );

    let (server, socket_dir) = tokio::task::spawn_blocking(support::server).await.unwrap();
    let database = format!("ic_bench_{}", uuid::Uuid::new_v4().simple());
    store::embedded::ensure_database(&server, &database)
        .await
        .unwrap();
    let pool = store::connect(server.clone().database(&database), 4)
        .await
        .unwrap();
    store::migrate(&pool).await.unwrap();
    store::tenants::create(&pool, "bench", "Bench", "enterprise")
        .await
        .unwrap();
    let scopes: Vec<Scope> = inventory.scopes.clone();

    for run in ["first load", "rescan (no changes)"] {
        let job = store::jobs::create(
            &pool,
            "bench",
            &NewJob {
                kind: infracast::model::JobKind::Discovery,
                provider: Some("fixture".into()),
                config: serde_json::json!({}),
                start: true,
            },
        )
        .await
        .unwrap();
        let started = Instant::now();
        let mut transaction = pool.begin().await.unwrap();
        let counts =
            store::reconcile::reconcile(&mut transaction, "bench", job.job_id, &inventory, &scopes)
                .await
                .unwrap();
        transaction.commit().await.unwrap();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "reconcile, {run}: {rows} rows (nodes + edges) in {seconds:.2} s = {:.0} rows/s (added {} nodes, {} edges)",
            rows as f64 / seconds,
            counts.nodes_added,
            counts.edges_added
        );
    }

    // The ceiling: psql \copy of the same node rows into a bare table.
    let Some(socket_dir) = socket_dir else {
        println!("ceiling skipped: needs the embedded cluster (psql over its socket)");
        return;
    };
    let file = std::env::temp_dir().join(format!("{database}.tsv"));
    let mut buffer = String::new();
    for node in &inventory.nodes {
        let escape = |value: &str| {
            value
                .replace('\\', "\\\\")
                .replace('\t', "\\t")
                .replace('\n', "\\n")
        };
        buffer.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            escape(node.id.as_str()),
            node.node_type.as_str(),
            node.provider,
            node.region,
            node.account,
            escape(&node.name),
            escape(&serde_json::to_string(&node.tags).unwrap()),
            escape(&serde_json::to_string(&node.properties).unwrap())
        ));
    }
    std::fs::write(&file, buffer).unwrap();
    sqlx::query("CREATE TABLE raw_nodes (id text, type text, provider text, region text, account text, name text, tags jsonb, properties jsonb)")
        .execute(&pool)
        .await
        .unwrap();
    let started = Instant::now();
    let status = std::process::Command::new("psql")
        .args([
            "-q",
            "-h",
            &socket_dir.display().to_string(),
            "-U",
            store::embedded::SUPERUSER,
            "-d",
            &database,
            "-c",
        ])
        .arg(format!("\\copy raw_nodes FROM '{}'", file.display()))
        .status()
        .expect("psql");
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success());
    let _ = std::fs::remove_file(&file);
    println!(
        "ceiling, psql \\copy of the {} node rows into a bare table: {seconds:.2} s = {:.0} rows/s",
        inventory.nodes.len(),
        inventory.nodes.len() as f64 / seconds
    );
    pool.close().await;
}
