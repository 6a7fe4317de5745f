//! The store's reconcile and job queue against real PostgreSQL: diffs, scoped tombstones,
//! leases and fencing.

use std::collections::BTreeMap;

use infracast::model::{Edge, EdgeKind, Inventory, Node, NodeId, Scope};
use infracast::store::{self, jobs::NewJob};
use serde_json::json;

use crate::helpers::fresh_database;

fn node(id: &str, name: &str) -> Node {
    let id = NodeId::parse(id).unwrap();
    Node {
        node_type: id.node_type(),
        provider: id.provider().to_string(),
        region: id.region().to_string(),
        account: "111".to_string(),
        name: name.to_string(),
        tags: BTreeMap::new(),
        properties: json!({"note": "tab\there, newline\nthere, backslash \\ done"}),
        id,
    }
}

fn scope(region: &str) -> Scope {
    Scope {
        provider: "aws".into(),
        account: "111".into(),
        region: region.into(),
    }
}

async fn reconcile(
    pool: &sqlx::PgPool,
    inventory: &Inventory,
    completed: &[Scope],
) -> (uuid::Uuid, store::reconcile::ReconcileCounts) {
    let job = store::jobs::create(
        pool,
        "acme",
        &NewJob {
            kind: infracast::model::JobKind::Discovery,
            provider: Some("fixture".into()),
            config: json!({}),
            start: true,
        },
    )
    .await
    .unwrap();
    let mut transaction = pool.begin().await.unwrap();
    let counts =
        store::reconcile::reconcile(&mut transaction, "acme", job.job_id, inventory, completed)
            .await
            .unwrap();
    transaction.commit().await.unwrap();
    (job.job_id, counts)
}

async fn live_ids(pool: &sqlx::PgPool, table: &str) -> Vec<String> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM {table} WHERE tenant_id = 'acme' AND deleted_at IS NULL ORDER BY id"
    )))
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn reconcile_records_diffs_and_tombstones_only_completed_scopes() {
    let pool = fresh_database().await;
    store::tenants::create(&pool, "acme", "Acme", "pro")
        .await
        .unwrap();
    let vpc_east = node("aws:us-east-1:aws.ec2.vpc:vpc-e", "east");
    let subnet_east = node("aws:us-east-1:aws.ec2.subnet:subnet-e", "east-a");
    let vpc_west = node("aws:eu-west-1:aws.ec2.vpc:vpc-w", "west");
    let contains = Edge::new(
        EdgeKind::Contains,
        vpc_east.id.clone(),
        subnet_east.id.clone(),
    );
    let first = Inventory {
        scopes: vec![scope("us-east-1"), scope("eu-west-1")],
        nodes: vec![vpc_east.clone(), subnet_east.clone(), vpc_west.clone()],
        edges: vec![contains.clone()],
    };
    let (_, counts) = reconcile(&pool, &first, &first.scopes).await;
    assert_eq!(
        (
            counts.nodes_added,
            counts.nodes_changed,
            counts.nodes_removed
        ),
        (3, 0, 0)
    );
    assert_eq!(counts.edges_added, 1);
    let stored = store::nodes::get(&pool, "acme", vpc_east.id.as_str())
        .await
        .unwrap();
    assert_eq!(
        stored.node.properties, vpc_east.properties,
        "COPY must round-trip escapes"
    );

    // Second run: the east subnet is gone, the east VPC renamed, the west region failed (not completed).
    let mut renamed = vpc_east.clone();
    renamed.name = "east-renamed".into();
    let second = Inventory {
        scopes: vec![scope("us-east-1")],
        nodes: vec![renamed],
        edges: vec![],
    };
    let (job_id, counts) = reconcile(&pool, &second, &[scope("us-east-1")]).await;
    assert_eq!(
        (
            counts.nodes_added,
            counts.nodes_changed,
            counts.nodes_removed
        ),
        (0, 1, 1)
    );
    assert_eq!(counts.edges_removed, 1);
    assert_eq!(
        live_ids(&pool, "nodes").await,
        vec![vpc_west.id.to_string(), vpc_east.id.to_string()]
    );
    assert!(live_ids(&pool, "edges").await.is_empty());
    let changes = store::jobs::changes(&pool, "acme", job_id).await.unwrap();
    let summary: Vec<(String, String, String)> = changes
        .into_iter()
        .map(|c| {
            (
                c.change.as_str().to_string(),
                c.entity.as_str().to_string(),
                c.entity_id,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("changed".into(), "node".into(), vpc_east.id.to_string()),
            ("removed".into(), "edge".into(), contains.id.clone()),
            ("removed".into(), "node".into(), subnet_east.id.to_string()),
        ]
    );
    // The tombstone keeps the row for history.
    let tombstoned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM nodes WHERE deleted_at IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tombstoned, 1);

    // Third run: the subnet is back: added again, first_seen restarts.
    let third = Inventory {
        scopes: vec![scope("us-east-1")],
        nodes: vec![vpc_east.clone(), subnet_east.clone()],
        edges: vec![contains],
    };
    let (_, counts) = reconcile(&pool, &third, &[scope("us-east-1")]).await;
    assert_eq!(
        (
            counts.nodes_added,
            counts.nodes_changed,
            counts.nodes_removed
        ),
        (1, 1, 0)
    );
    assert_eq!(live_ids(&pool, "nodes").await.len(), 3);
}

#[tokio::test]
async fn a_taken_over_job_cannot_commit_with_its_old_fencing_token() {
    let pool = fresh_database().await;
    store::tenants::create(&pool, "acme", "Acme", "pro")
        .await
        .unwrap();
    let job = store::jobs::create(
        &pool,
        "acme",
        &NewJob {
            kind: infracast::model::JobKind::Discovery,
            provider: Some("fixture".into()),
            config: json!({}),
            start: true,
        },
    )
    .await
    .unwrap();
    let first = store::jobs::claim_next(&pool, "worker-a", 60.0)
        .await
        .unwrap()
        .expect("claim");
    assert_eq!(first.job_id, job.job_id);
    assert!(
        store::jobs::claim_next(&pool, "worker-b", 60.0)
            .await
            .unwrap()
            .is_none(),
        "a leased job is not claimable"
    );

    // Worker A stalls; its lease runs out (set in the past rather than waited for).
    sqlx::query("UPDATE jobs SET lease_expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let second = store::jobs::claim_next(&pool, "worker-b", 60.0)
        .await
        .unwrap()
        .expect("takeover");
    assert_eq!(second.fencing_token, first.fencing_token + 1);
    assert_eq!(second.attempts, 2);

    let stale_heartbeat =
        store::jobs::heartbeat(&pool, "acme", job.job_id, first.fencing_token, 60.0, true)
            .await
            .unwrap();
    assert!(!stale_heartbeat.lease_held);
    let mut transaction = pool.begin().await.unwrap();
    let fenced =
        store::jobs::lock_for_commit(&mut transaction, "acme", job.job_id, first.fencing_token)
            .await;
    assert!(matches!(fenced, Err(store::Error::Fenced(_))), "{fenced:?}");
    drop(transaction);
    let mut transaction = pool.begin().await.unwrap();
    store::jobs::lock_for_commit(&mut transaction, "acme", job.job_id, second.fencing_token)
        .await
        .unwrap();
}
