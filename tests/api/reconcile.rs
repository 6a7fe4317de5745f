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

/// Every stored row of the tenant's `table` (tombstones included) with its `xmin`: the
/// transaction that last wrote it. A rewritten row gets a new one.
async fn row_versions(pool: &sqlx::PgPool, table: &str) -> Vec<(String, String)> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, xmin::text FROM {table} WHERE tenant_id = 'acme' ORDER BY id"
    )))
    .fetch_all(pool)
    .await
    .unwrap()
}

fn change_summary(changes: Vec<infracast::model::JobChange>) -> Vec<(String, String, String)> {
    changes
        .into_iter()
        .map(|c| {
            (
                c.change.as_str().to_string(),
                c.entity.as_str().to_string(),
                c.entity_id,
            )
        })
        .collect()
}

/// Two VPCs with a subnet each in us-east-1, one VPC in eu-west-1, and the two `contains` edges.
fn estate() -> Inventory {
    let vpc_a = node("aws:us-east-1:aws.ec2.vpc:vpc-a", "a");
    let vpc_b = node("aws:us-east-1:aws.ec2.vpc:vpc-b", "b");
    let subnet_a = node("aws:us-east-1:aws.ec2.subnet:subnet-a", "a-1");
    let subnet_b = node("aws:us-east-1:aws.ec2.subnet:subnet-b", "b-1");
    let vpc_w = node("aws:eu-west-1:aws.ec2.vpc:vpc-w", "w");
    Inventory {
        scopes: vec![scope("us-east-1"), scope("eu-west-1")],
        edges: vec![
            Edge::new(EdgeKind::Contains, vpc_a.id.clone(), subnet_a.id.clone()),
            Edge::new(EdgeKind::Contains, vpc_b.id.clone(), subnet_b.id.clone()),
        ],
        nodes: vec![vpc_a, vpc_b, subnet_a, subnet_b, vpc_w],
    }
}

async fn acme() -> sqlx::PgPool {
    let pool = fresh_database().await;
    store::tenants::create(&pool, "acme", "Acme", "pro")
        .await
        .unwrap();
    pool
}

#[tokio::test]
async fn a_rescan_without_changes_writes_no_node_edge_or_change_rows_yet_moves_last_seen() {
    let pool = acme().await;
    let inventory = estate();
    let (first_job, counts) = reconcile(&pool, &inventory, &inventory.scopes).await;
    assert_eq!((counts.nodes_added, counts.edges_added), (5, 2));
    assert_eq!(
        store::jobs::changes(&pool, "acme", first_job)
            .await
            .unwrap()
            .len(),
        7
    );
    let nodes_before = row_versions(&pool, "nodes").await;
    let edges_before = row_versions(&pool, "edges").await;
    let vpc_before = store::nodes::get(&pool, "acme", "aws:us-east-1:aws.ec2.vpc:vpc-a")
        .await
        .unwrap();
    let edge_before = store::edges::get(&pool, "acme", &inventory.edges[0].id)
        .await
        .unwrap();

    let (job_id, counts) = reconcile(&pool, &inventory, &inventory.scopes).await;
    assert_eq!(
        counts,
        store::reconcile::ReconcileCounts {
            nodes_seen: 5,
            edges_seen: 2,
            ..Default::default()
        }
    );
    assert_eq!(row_versions(&pool, "nodes").await, nodes_before);
    assert_eq!(row_versions(&pool, "edges").await, edges_before);
    assert!(
        store::jobs::changes(&pool, "acme", job_id)
            .await
            .unwrap()
            .is_empty()
    );

    // Seen again: `last_seen` moved (by the scope's row), nothing else did.
    let vpc_after = store::nodes::get(&pool, "acme", "aws:us-east-1:aws.ec2.vpc:vpc-a")
        .await
        .unwrap();
    assert!(vpc_after.last_seen > vpc_before.last_seen);
    assert_eq!(vpc_after.first_seen, vpc_before.first_seen);
    assert_eq!(vpc_after.updated_at, vpc_before.updated_at);
    assert_eq!(vpc_after.node, vpc_before.node);
    let edge_after = store::edges::get(&pool, "acme", &inventory.edges[0].id)
        .await
        .unwrap();
    assert!(edge_after.last_seen > edge_before.last_seen);
    assert_eq!(edge_after.first_seen, edge_before.first_seen);
}

#[tokio::test]
async fn a_one_property_change_writes_exactly_that_row_and_one_change_row() {
    let pool = acme().await;
    let inventory = estate();
    reconcile(&pool, &inventory, &inventory.scopes).await;
    let nodes_before = row_versions(&pool, "nodes").await;
    let edges_before = row_versions(&pool, "edges").await;
    let unchanged_before = store::nodes::get(&pool, "acme", "aws:us-east-1:aws.ec2.vpc:vpc-b")
        .await
        .unwrap();

    let mut changed = inventory.clone();
    let subnet_a = changed
        .nodes
        .iter_mut()
        .find(|node| node.id.as_str() == "aws:us-east-1:aws.ec2.subnet:subnet-a")
        .unwrap();
    subnet_a.properties["map_public_ip_on_launch"] = json!(true);
    let (job_id, counts) = reconcile(&pool, &changed, &changed.scopes).await;
    assert_eq!(
        (
            counts.nodes_added,
            counts.nodes_changed,
            counts.nodes_removed,
            counts.edges_added,
            counts.edges_changed,
            counts.edges_removed
        ),
        (0, 1, 0, 0, 0, 0)
    );
    assert_eq!(
        change_summary(store::jobs::changes(&pool, "acme", job_id).await.unwrap()),
        vec![(
            "changed".to_string(),
            "node".to_string(),
            "aws:us-east-1:aws.ec2.subnet:subnet-a".to_string()
        )]
    );
    let nodes_after = row_versions(&pool, "nodes").await;
    let rewritten: Vec<&str> = nodes_before
        .iter()
        .zip(&nodes_after)
        .filter(|(before, after)| before != after)
        .map(|(before, _)| before.0.as_str())
        .collect();
    assert_eq!(rewritten, vec!["aws:us-east-1:aws.ec2.subnet:subnet-a"]);
    assert_eq!(row_versions(&pool, "edges").await, edges_before);

    let stored = store::nodes::get(&pool, "acme", "aws:us-east-1:aws.ec2.subnet:subnet-a")
        .await
        .unwrap();
    assert_eq!(
        stored.node.properties["map_public_ip_on_launch"],
        json!(true)
    );
    assert!(stored.updated_at > unchanged_before.updated_at);
    let unchanged_after = store::nodes::get(&pool, "acme", "aws:us-east-1:aws.ec2.vpc:vpc-b")
        .await
        .unwrap();
    assert_eq!(unchanged_after.updated_at, unchanged_before.updated_at);
    // The changed row and the unchanged one were seen by the same scan.
    assert_eq!(unchanged_after.last_seen, stored.last_seen);
}

#[tokio::test]
async fn a_removed_node_is_tombstoned_once() {
    let pool = acme().await;
    let inventory = estate();
    reconcile(&pool, &inventory, &inventory.scopes).await;
    let seen_last = store::nodes::get(&pool, "acme", "aws:us-east-1:aws.ec2.subnet:subnet-b")
        .await
        .unwrap()
        .last_seen;

    let mut without = inventory.clone();
    without
        .nodes
        .retain(|node| node.id.as_str() != "aws:us-east-1:aws.ec2.subnet:subnet-b");
    without
        .edges
        .retain(|edge| edge.dst.as_str() != "aws:us-east-1:aws.ec2.subnet:subnet-b");
    let (job_id, counts) = reconcile(&pool, &without, &without.scopes).await;
    assert_eq!((counts.nodes_removed, counts.edges_removed), (1, 1));
    assert_eq!(
        change_summary(store::jobs::changes(&pool, "acme", job_id).await.unwrap()),
        vec![
            (
                "removed".to_string(),
                "edge".to_string(),
                inventory.edges[1].id.clone()
            ),
            (
                "removed".to_string(),
                "node".to_string(),
                "aws:us-east-1:aws.ec2.subnet:subnet-b".to_string()
            ),
        ]
    );
    // The tombstone remembers when it was last seen: the first scan, not the one that missed it.
    let tombstone: (
        Option<chrono::DateTime<chrono::Utc>>,
        chrono::DateTime<chrono::Utc>,
    ) = sqlx::query_as(
        "SELECT deleted_at, last_seen FROM nodes
             WHERE tenant_id = 'acme' AND id = 'aws:us-east-1:aws.ec2.subnet:subnet-b'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(tombstone.0.is_some());
    assert_eq!(tombstone.1, seen_last);

    let nodes_before = row_versions(&pool, "nodes").await;
    let edges_before = row_versions(&pool, "edges").await;
    let (job_id, counts) = reconcile(&pool, &without, &without.scopes).await;
    assert_eq!((counts.nodes_removed, counts.edges_removed), (0, 0));
    assert!(
        store::jobs::changes(&pool, "acme", job_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(row_versions(&pool, "nodes").await, nodes_before);
    assert_eq!(row_versions(&pool, "edges").await, edges_before);
}

#[tokio::test]
async fn last_seen_follows_what_each_scan_saw_when_a_scope_does_not_complete() {
    let pool = acme().await;
    let inventory = estate();
    reconcile(&pool, &inventory, &inventory.scopes).await;
    let west_first = store::nodes::get(&pool, "acme", "aws:eu-west-1:aws.ec2.vpc:vpc-w")
        .await
        .unwrap()
        .last_seen;

    // eu-west-1 fails and its VPC is not listed: it keeps the time it was last seen.
    let mut east_only = inventory.clone();
    east_only.nodes.retain(|node| node.region == "us-east-1");
    let (_, counts) = reconcile(&pool, &east_only, &[scope("us-east-1")]).await;
    assert_eq!(counts.nodes_removed, 0);
    let west = store::nodes::get(&pool, "acme", "aws:eu-west-1:aws.ec2.vpc:vpc-w")
        .await
        .unwrap();
    assert_eq!(west.last_seen, west_first);
    let east = store::nodes::get(&pool, "acme", "aws:us-east-1:aws.ec2.vpc:vpc-a")
        .await
        .unwrap();
    assert!(east.last_seen > west_first);

    // eu-west-1 fails again after listing its VPC: the VPC was seen, so its row moves alone.
    let versions_before = row_versions(&pool, "nodes").await;
    let (job_id, _) = reconcile(&pool, &inventory, &[scope("us-east-1")]).await;
    assert!(
        store::jobs::changes(&pool, "acme", job_id)
            .await
            .unwrap()
            .is_empty()
    );
    let west = store::nodes::get(&pool, "acme", "aws:eu-west-1:aws.ec2.vpc:vpc-w")
        .await
        .unwrap();
    let east = store::nodes::get(&pool, "acme", "aws:us-east-1:aws.ec2.vpc:vpc-a")
        .await
        .unwrap();
    assert!(west.last_seen > west_first);
    assert_eq!(west.last_seen, east.last_seen);
    let rewritten: Vec<String> = versions_before
        .iter()
        .zip(row_versions(&pool, "nodes").await)
        .filter(|(before, after)| **before != *after)
        .map(|(before, _)| before.0.clone())
        .collect();
    assert_eq!(
        rewritten,
        vec!["aws:eu-west-1:aws.ec2.vpc:vpc-w".to_string()]
    );

    // Sorting by last_seen follows the same values: the west VPC is no longer the oldest.
    let sort = store::paging::Sort::parse("last_seen", store::nodes::SORT_COLUMNS).unwrap();
    let page = store::nodes::list(
        &pool,
        "acme",
        &store::nodes::NodeFilter::default(),
        &sort,
        &store::paging::PageRequest {
            page: 1,
            per_page: 10,
            cursor: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(page.items.len(), 5);
    assert!(
        page.items
            .iter()
            .all(|stored| stored.last_seen == east.last_seen)
    );
}

#[tokio::test]
async fn rows_written_by_the_api_are_compared_by_content_once() {
    let pool = acme().await;
    let inventory = estate();
    // The same VPC, created through the node API first: stored without a content hash.
    store::nodes::create(&pool, "acme", &inventory.nodes[0])
        .await
        .unwrap();
    let (job_id, counts) = reconcile(&pool, &inventory, &inventory.scopes).await;
    assert_eq!((counts.nodes_added, counts.nodes_changed), (4, 0));
    assert!(
        !change_summary(store::jobs::changes(&pool, "acme", job_id).await.unwrap())
            .iter()
            .any(|(_, _, id)| id == inventory.nodes[0].id.as_str()),
        "an identical row is not a change"
    );
    let hashes_missing: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM nodes WHERE tenant_id = 'acme' AND content_hash IS NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(hashes_missing, 0);
    let versions = row_versions(&pool, "nodes").await;
    reconcile(&pool, &inventory, &inventory.scopes).await;
    assert_eq!(row_versions(&pool, "nodes").await, versions);
}
