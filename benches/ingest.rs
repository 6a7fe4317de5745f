//! Ingest benchmark: reconcile a generated 100k-instance estate into PostgreSQL (hash diff, COPY
//! staging of what changed, upsert) three times (the first load, a rescan that changes nothing,
//! a rescan that changes 1% of the nodes) and compare with the ceiling: the same node and edge
//! rows loaded by `psql \copy` into bare tables on the same server.
//!
//! Run: `cargo bench --bench ingest` (env `INSTANCES` to change the size).

mod support;

use std::time::Instant;

use infracast::discovery::generate::generate_estate;
use infracast::model::Scope;
use infracast::store::{self, jobs::NewJob};

#[tokio::main]
async fn main() {
    infracast::allocator::keep_freed_memory_between_stages();
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

    // 1% of the nodes change one property in the third run.
    let mut one_percent_changed = inventory.clone();
    for node in one_percent_changed.nodes.iter_mut().step_by(100) {
        if let Some(properties) = node.properties.as_object_mut() {
            properties.insert("bench_revision".into(), serde_json::json!(2));
        }
    }
    for (run, inventory) in [
        ("first load", &inventory),
        ("rescan (no changes)", &inventory),
        ("rescan (1% of nodes changed)", &one_percent_changed),
    ] {
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
            store::reconcile::reconcile(&mut transaction, "bench", job.job_id, inventory, &scopes)
                .await
                .unwrap();
        transaction.commit().await.unwrap();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "reconcile, {run}: {rows} rows (nodes + edges) in {seconds:.2} s = {:.0} rows/s (nodes added {}, changed {}, removed {}; edges added {}, changed {}, removed {})",
            rows as f64 / seconds,
            counts.nodes_added,
            counts.nodes_changed,
            counts.nodes_removed,
            counts.edges_added,
            counts.edges_changed,
            counts.edges_removed
        );
    }

    // The ceiling: psql \copy of the same node and edge rows into bare tables.
    let Some(socket_dir) = socket_dir else {
        println!("ceiling skipped: needs the embedded cluster (psql over its socket)");
        return;
    };
    let escape = |value: &str| {
        value
            .replace('\\', "\\\\")
            .replace('\t', "\\t")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
    };
    let node_file = std::env::temp_dir().join(format!("{database}-nodes.tsv"));
    let mut buffer = String::new();
    for node in &inventory.nodes {
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
    std::fs::write(&node_file, buffer).unwrap();
    let edge_file = std::env::temp_dir().join(format!("{database}-edges.tsv"));
    let mut buffer = String::new();
    for edge in &inventory.edges {
        buffer.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            escape(&edge.id),
            edge.kind.as_str(),
            escape(edge.src.as_str()),
            escape(edge.dst.as_str()),
            escape(&serde_json::to_string(&edge.properties).unwrap())
        ));
    }
    std::fs::write(&edge_file, buffer).unwrap();
    sqlx::query("CREATE TABLE raw_nodes (id text, type text, provider text, region text, account text, name text, tags jsonb, properties jsonb)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "CREATE TABLE raw_edges (id text, kind text, src text, dst text, properties jsonb)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let copy = |table: &str, file: &std::path::Path| {
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
            .arg(format!("\\copy {table} FROM '{}'", file.display()))
            .status()
            .expect("psql");
        assert!(status.success());
        started.elapsed().as_secs_f64()
    };
    let node_seconds = copy("raw_nodes", &node_file);
    let edge_seconds = copy("raw_edges", &edge_file);
    let _ = std::fs::remove_file(&node_file);
    let _ = std::fs::remove_file(&edge_file);
    println!(
        "ceiling, psql \\copy of the {} node rows into a bare table: {node_seconds:.2} s = {:.0} rows/s",
        inventory.nodes.len(),
        inventory.nodes.len() as f64 / node_seconds
    );
    println!(
        "ceiling, psql \\copy of the {rows} node and edge rows into bare tables: {:.2} s = {:.0} rows/s",
        node_seconds + edge_seconds,
        rows as f64 / (node_seconds + edge_seconds)
    );
    pool.close().await;
}
