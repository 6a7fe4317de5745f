//! The embedded PostgreSQL launcher on a private data directory: start, attach, stale pid file,
//! settings, stop.

use std::fs;

use infracast::store::embedded::EmbeddedPostgres;
use sqlx::ConnectOptions;

async fn answers(cluster: &EmbeddedPostgres) -> bool {
    match cluster.connect_options("postgres").connect().await {
        Ok(mut connection) => sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&mut connection)
            .await
            .is_ok(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn starts_attaches_recovers_from_a_stale_pid_file_and_stops() {
    let root = tempfile::Builder::new()
        .prefix("ic-embedded-")
        .tempdir_in("/tmp")
        .unwrap();
    let data_dir = root.path().join("data");
    let launch = |dir: std::path::PathBuf| async move {
        tokio::task::spawn_blocking(move || EmbeddedPostgres::ensure_running(&dir))
            .await
            .unwrap()
    };

    let mut first = launch(data_dir.clone()).await.expect("first start");
    assert!(first.started_here());
    assert!(answers(&first).await);
    // Nothing listens on TCP: the socket lives in the cluster directory.
    let config = fs::read_to_string(first.cluster_dir().join("postgresql.conf")).unwrap();
    assert!(config.contains("listen_addresses = ''"));
    // Set for bulk writes: no checkpoint part-way through a large evaluation's write.
    let mut connection = first.connect_options("postgres").connect().await.unwrap();
    let max_wal_size: String = sqlx::query_scalar("SHOW max_wal_size")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(max_wal_size, "4GB");
    drop(connection);

    let mut second = launch(data_dir.clone()).await.expect("attach");
    assert!(
        !second.started_here(),
        "a second launcher must attach, not start another cluster"
    );
    second
        .stop()
        .expect("an attached launcher's stop leaves the cluster alone");
    assert!(answers(&first).await);

    first.stop().expect("stop");
    assert!(!answers(&first).await, "cluster still answers after stop");

    // A crash can leave a pid file naming a live process that is not postgres (here: ourselves).
    let pid_file = first.cluster_dir().join("postmaster.pid");
    fs::write(
        &pid_file,
        format!(
            "{}\n{}\n",
            std::process::id(),
            first.cluster_dir().display()
        ),
    )
    .unwrap();
    let mut recovered = launch(data_dir.clone())
        .await
        .expect("start despite stale pid file");
    assert!(recovered.started_here());
    assert!(answers(&recovered).await);
    recovered.stop().expect("stop again");
}
