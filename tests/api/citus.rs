//! Citus mode: the schema distributed by tenant, checked in Citus's own catalog.
//!
//! Under `scripts/test-citus.sh` (a coordinator and two workers) these tests check the layout
//! (`pg_dist_partition`), where tenants' rows really are (`citus_shards`, and counting the shard
//! tables on the workers themselves), and that a tenant table another migration adds is reported
//! by name until `migrate --distribute` runs again. On plain PostgreSQL they check the distribution
//! step refuses with a clear message and leaves the schema as it was.

use serde_json::json;
use sqlx::ConnectOptions;

use crate::helpers::{citus_workers, fresh_database, spawn_app_on};
use infracast::store;

#[tokio::test]
async fn tenants_rows_are_distributed_across_both_workers() {
    let pool = fresh_database().await;
    if citus_workers().is_empty() {
        let refused = store::citus::distribute(&pool).await.unwrap_err();
        assert!(
            refused.to_string().contains("no Citus extension"),
            "{refused}"
        );
        assert!(!store::citus::is_citus(&pool).await.unwrap());
        return;
    }
    assert_eq!(
        store::citus::distribution_problems(&pool).await.unwrap(),
        Vec::<String>::new()
    );
    let layout: Vec<(String, String)> = sqlx::query_as(
        "SELECT logicalrelid::regclass::text, partmethod::text FROM pg_dist_partition ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for reference in ["tenants", "api_keys", "auth_tokens"] {
        assert!(
            layout.contains(&(reference.to_string(), "n".to_string())),
            "{reference} must be a reference table: {layout:?}"
        );
    }
    for distributed in ["nodes", "edges", "findings", "jobs", "audit_events"] {
        assert!(
            layout.contains(&(distributed.to_string(), "h".to_string())),
            "{distributed} must be hash-distributed: {layout:?}"
        );
    }

    // Eight tenants with three nodes each, written through the API.
    let app = spawn_app_on(pool.clone()).await;
    let tenants: Vec<String> = (0..8).map(|index| format!("spread-{index}")).collect();
    for tenant in &tenants {
        let key = app.tenant_with_key(tenant, "enterprise", "admin").await;
        for index in 0..3 {
            let answer = app
                .post(
                    &format!("/api/v1/tenants/{tenant}/nodes"),
                    &key,
                    json!({"id": format!("aws:us-east-1:aws.ec2.vpc:vpc-{index}"),
                           "type": "aws.ec2.vpc", "provider": "aws", "region": "us-east-1",
                           "properties": {"cidr_block": "10.0.0.0/16"}}),
                )
                .await;
            assert_eq!(answer.status.as_u16(), 201, "{}", answer.body);
        }
    }

    // Where Citus says each tenant's nodes live: the shard of its tenant_id, on a worker.
    let placements: Vec<(String, i64, i32)> = sqlx::query_as(
        "SELECT t.tenant_id, s.shardid, s.nodeport FROM unnest($1::text[]) AS t(tenant_id)
         JOIN citus_shards s ON s.table_name = 'nodes'::regclass
          AND s.shardid = get_shard_id_for_distribution_column('nodes', t.tenant_id)",
    )
    .bind(&tenants)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(placements.len(), tenants.len(), "{placements:?}");
    let worker_ports: std::collections::BTreeSet<i32> = citus_workers()
        .iter()
        .map(|(_, port)| i32::from(*port))
        .collect();
    let used_ports: std::collections::BTreeSet<i32> =
        placements.iter().map(|(_, _, port)| *port).collect();
    assert_eq!(
        used_ports, worker_ports,
        "tenants must land on both workers"
    );

    // And the rows are there: each worker's own shard tables hold exactly its tenants' nodes.
    let database = pool.connect_options().get_database().unwrap().to_string();
    for (host, port) in citus_workers() {
        let mut worker = pool
            .connect_options()
            .as_ref()
            .clone()
            .host(&host)
            .port(port)
            .database(&database)
            .connect()
            .await
            .unwrap();
        let mut expected = 0;
        let mut found = 0;
        for (tenant, shard, _) in placements
            .iter()
            .filter(|(_, _, placed)| *placed == i32::from(port))
        {
            expected += 3;
            let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM nodes_{shard} WHERE tenant_id = $1"
            )))
            .bind(tenant)
            .fetch_one(&mut worker)
            .await
            .unwrap();
            found += count;
        }
        assert!(expected > 0);
        assert_eq!(found, expected, "worker {port}");
    }
}

#[tokio::test]
async fn a_tenant_table_left_undistributed_is_named_until_distributed() {
    let pool = fresh_database().await;
    // A table a later migration could add: it carries tenant_id, so it is a tenant table.
    sqlx::query("CREATE TABLE later_tenant_things (tenant_id text NOT NULL, thing text NOT NULL, PRIMARY KEY (tenant_id, thing))")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        store::citus::tenant_tables(&pool)
            .await
            .unwrap()
            .contains(&"later_tenant_things".to_string())
    );
    if citus_workers().is_empty() {
        let refused = store::citus::distribution_problems(&pool)
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("no Citus extension"),
            "{refused}"
        );
        return;
    }
    let problems = store::citus::distribution_problems(&pool).await.unwrap();
    assert_eq!(
        problems,
        vec!["later_tenant_things is local, must be distributed".to_string()]
    );
    let changed = store::citus::distribute(&pool).await.unwrap();
    assert_eq!(
        changed,
        vec![store::citus::TableLayout {
            table: "later_tenant_things".to_string(),
            kind: "distributed".to_string(),
        }]
    );
    assert!(
        store::citus::distribution_problems(&pool)
            .await
            .unwrap()
            .is_empty()
    );
}
