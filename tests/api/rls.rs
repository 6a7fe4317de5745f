//! Row-level security, the second wall: with the tenant-facing role and `app.tenant_id` set to
//! one tenant, queries that forget their tenant filter see, change and create nothing of another
//! tenant's; with the setting unset they see nothing at all.

use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::helpers::{fresh_database, spawn_app_on};
use infracast::store;

/// Every table holding tenant rows (each has a `tenant_id` column and a policy on it).
const TENANT_TABLES: &[&str] = &[
    "tenants",
    "api_keys",
    "auth_tokens",
    "nodes",
    "edges",
    "jobs",
    "job_changes",
    "schedules",
    "findings",
    "evaluations",
    "webhooks",
    "webhook_events",
    "webhook_deliveries",
    "reports",
    "audit_events",
    "compliance_results",
];

/// One row in every tenant table for `tenant`, written as the owner (platform work).
async fn seed(pool: &PgPool, tenant: &str) {
    let job_id = Uuid::new_v4();
    let webhook_id = Uuid::new_v4();
    let event_id = Uuid::new_v4();
    // `$2` is the job, `$3` the webhook, `$4` the webhook event; every statement names all four
    // (cast, so PostgreSQL knows their types even where a statement does not need one).
    let statements = [
        "INSERT INTO tenants (tenant_id, name, plan) VALUES ($1, $1, 'free')",
        "INSERT INTO api_keys (tenant_id, key_id, name, role, key_hash, key_prefix)
         VALUES ($1, gen_random_uuid(), 'k', 'admin', sha256(convert_to($1 || ':key', 'UTF8')), 'ic_live_x')",
        "INSERT INTO auth_tokens (tenant_id, token_hash, kind, key_id, role, expires_at)
         VALUES ($1, sha256(convert_to($1 || ':token', 'UTF8')), 'access', gen_random_uuid(), 'admin',
                 now() + interval '1 hour')",
        "INSERT INTO nodes (tenant_id, id, type, provider, region)
         VALUES ($1, 'aws:us-east-1:aws.ec2.vpc:vpc-1', 'aws.ec2.vpc', 'aws', 'us-east-1')",
        "INSERT INTO edges (tenant_id, id, kind, src, dst) VALUES ($1, 'edge-1', 'contains', 'a', 'b')",
        "INSERT INTO jobs (tenant_id, job_id, kind, status) VALUES ($1, $2, 'discovery', 'created')",
        "INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
         VALUES ($1, $2, 'node', 'n-1', 'added')",
        "INSERT INTO schedules (tenant_id, schedule_id, name, cron, job_template, next_run_at)
         VALUES ($1, gen_random_uuid(), 's', '0 3 * * *', '{}', now())",
        "INSERT INTO findings (tenant_id, id, rule_id, node_id, node_type, region, severity, status,
                               rule_version, reason)
         VALUES ($1, gen_random_uuid(), 'rule', 'n-1', 'aws.ec2.vpc', 'us-east-1', 'high', 'open', 1, 'why')",
        "INSERT INTO evaluations (tenant_id, evaluation_id, graph_generation) VALUES ($1, gen_random_uuid(), 1)",
        "INSERT INTO webhooks (tenant_id, id, url, events, secret)
         VALUES ($1, $3, 'https://hooks.example/', ARRAY['job.completed'], 'secret')",
        "INSERT INTO webhook_events (tenant_id, id, event_type, payload) VALUES ($1, $4, 'job.completed', '{}')",
        "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, status)
         VALUES ($1, gen_random_uuid(), $3, $4, 'pending')",
        "INSERT INTO reports (tenant_id, id, job_id, format, title, status, requested_by)
         VALUES ($1, gen_random_uuid(), $2, 'csv', 't', 'pending', 'k')",
        "INSERT INTO audit_events (tenant_id, action, method, path, status)
         VALUES ($1, 'nodes.create', 'POST', '/x', 201)",
        "INSERT INTO compliance_results (tenant_id, framework_id, evaluation_id, graph_generation,
                                         evaluated_at, rule_ids, summary, result)
         VALUES ($1, 'cis', gen_random_uuid(), 1, now(), '{}', '{}', '{}')",
    ];
    for statement in statements {
        let wrapped = format!(
            "WITH parameters AS (SELECT $1::text AS t, $2::uuid AS j, $3::uuid AS w, $4::uuid AS e) {statement}"
        );
        sqlx::query(sqlx::AssertSqlSafe(wrapped))
            .bind(tenant)
            .bind(job_id)
            .bind(webhook_id)
            .bind(event_id)
            .execute(pool)
            .await
            .unwrap_or_else(|error| panic!("seed `{statement}`: {error}"));
    }
}

/// Rows per tenant in `table`, counted as the owner (who is not subject to the policies).
async fn owner_count(pool: &PgPool, table: &str, tenant: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM {table} WHERE tenant_id = $1"
    )))
    .bind(tenant)
    .fetch_one(pool)
    .await
    .expect("owner count")
}

async fn two_seeded_tenants() -> PgPool {
    let pool = fresh_database().await;
    seed(&pool, "rls-a").await;
    seed(&pool, "rls-b").await;
    for table in TENANT_TABLES {
        for tenant in ["rls-a", "rls-b"] {
            assert_eq!(
                owner_count(&pool, table, tenant).await,
                1,
                "{table} holds one row of {tenant}"
            );
        }
    }
    pool
}

#[tokio::test]
async fn set_to_one_tenant_every_table_shows_only_that_tenants_rows() {
    let pool = two_seeded_tenants().await;
    let mut transaction = pool.begin().await.unwrap();
    // The role and the setting exactly as request paths set them (`set_config` would not reach
    // Citus's workers; `enter_tenant` uses `SET LOCAL`, which does).
    store::enter_tenant(&mut transaction, "rls-a")
        .await
        .unwrap();
    for table in TENANT_TABLES {
        // No tenant filter on purpose: the policy is the only thing standing between A and B.
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FILTER (WHERE tenant_id = 'rls-a') AS own,
                    count(*) FILTER (WHERE tenant_id <> 'rls-a') AS others
             FROM {table}"
        )))
        .fetch_one(&mut *transaction)
        .await
        .unwrap_or_else(|error| panic!("read {table}: {error}"));
        let own: i64 = row.get("own");
        let others: i64 = row.get("others");
        assert_eq!(own, 1, "{table}: tenant A sees its own row");
        assert_eq!(others, 0, "{table}: tenant A sees another tenant's rows");
    }
}

#[tokio::test]
async fn with_the_tenant_unset_every_table_is_empty() {
    let pool = two_seeded_tenants().await;
    let mut transaction = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE infracast_app")
        .execute(&mut *transaction)
        .await
        .unwrap();
    for table in TENANT_TABLES {
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut *transaction)
                .await
                .unwrap_or_else(|error| panic!("read {table}: {error}"));
        assert_eq!(count, 0, "{table} without app.tenant_id");
    }
}

#[tokio::test]
async fn set_to_one_tenant_another_tenants_rows_cannot_be_written() {
    let pool = two_seeded_tenants().await;
    let inserts = [
        (
            "nodes",
            "INSERT INTO nodes (tenant_id, id, type, provider, region)
             VALUES ('rls-b', 'aws:us-east-1:aws.ec2.vpc:vpc-evil', 'aws.ec2.vpc', 'aws', 'us-east-1')",
        ),
        (
            "findings",
            "INSERT INTO findings (tenant_id, id, rule_id, node_id, node_type, region, severity, status,
                                   rule_version, reason)
             VALUES ('rls-b', gen_random_uuid(), 'evil', 'n', 'aws.ec2.vpc', 'us-east-1', 'low', 'open', 1, 'x')",
        ),
        (
            "jobs",
            "INSERT INTO jobs (tenant_id, job_id, kind, status)
             VALUES ('rls-b', gen_random_uuid(), 'discovery', 'pending')",
        ),
        (
            "audit_events",
            "INSERT INTO audit_events (tenant_id, action, method, path, status)
             VALUES ('rls-b', 'nodes.delete', 'DELETE', '/forged', 204)",
        ),
        (
            "api_keys",
            "INSERT INTO api_keys (tenant_id, key_id, name, role, key_hash, key_prefix)
             VALUES ('rls-b', gen_random_uuid(), 'evil', 'admin', '\\x00', 'ic_live_e')",
        ),
    ];
    for (table, insert) in inserts {
        let mut transaction = store::tenant_transaction(&pool, "rls-a").await.unwrap();
        let error = sqlx::query(insert)
            .execute(&mut *transaction)
            .await
            .expect_err(&format!("inserting a B row into {table} while set to A"));
        let code = error
            .as_database_error()
            .and_then(|database| database.code())
            .map(|code| code.to_string());
        assert_eq!(
            code.as_deref(),
            Some("42501"),
            "{table}: refused by the policy, not something else: {error}"
        );
    }

    // Updates and deletes of B's rows find nothing to change.
    let mut transaction = store::tenant_transaction(&pool, "rls-a").await.unwrap();
    for table in [
        "nodes",
        "findings",
        "jobs",
        "schedules",
        "webhooks",
        "tenants",
    ] {
        let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET updated_at = now() WHERE tenant_id = 'rls-b'"
        )))
        .execute(&mut *transaction)
        .await
        .unwrap();
        assert_eq!(updated.rows_affected(), 0, "{table}: B's rows updated as A");
    }
    for table in [
        "nodes",
        "edges",
        "findings",
        "reports",
        "webhook_deliveries",
    ] {
        let deleted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE tenant_id = 'rls-b'"
        )))
        .execute(&mut *transaction)
        .await
        .unwrap();
        assert_eq!(deleted.rows_affected(), 0, "{table}: B's rows deleted as A");
    }
    transaction.commit().await.unwrap();
    for table in TENANT_TABLES {
        assert_eq!(owner_count(&pool, table, "rls-b").await, 1, "{table} of B");
    }
}

#[tokio::test]
async fn the_scoped_transaction_runs_as_the_app_role_and_leaves_the_connection_clean() {
    let pool = two_seeded_tenants().await;
    let mut transaction = store::tenant_transaction(&pool, "rls-b").await.unwrap();
    let (role, tenant): (String, String) =
        sqlx::query_as("SELECT current_user::text, current_setting('app.tenant_id')")
            .fetch_one(&mut *transaction)
            .await
            .unwrap();
    assert_eq!((role.as_str(), tenant.as_str()), ("infracast_app", "rls-b"));
    let nodes: Vec<String> = sqlx::query_scalar("SELECT tenant_id FROM nodes")
        .fetch_all(&mut *transaction)
        .await
        .unwrap();
    assert_eq!(nodes, ["rls-b"]);
    transaction.commit().await.unwrap();

    // Every pooled connection is back to the owner with no tenant set.
    let mut seen = Vec::new();
    for _ in 0..12 {
        let (role, tenant): (String, Option<String>) = sqlx::query_as(
            "SELECT current_user::text, nullif(current_setting('app.tenant_id', true), '')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        seen.push((role, tenant));
    }
    assert!(
        seen.iter()
            .all(|(role, tenant)| role != "infracast_app" && tenant.is_none()),
        "{seen:?}"
    );
}

#[tokio::test]
async fn every_table_with_tenant_rows_has_a_policy_and_the_app_role_cannot_bypass_it() {
    let pool = fresh_database().await;
    let tables: Vec<(String, bool, i64)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity,
                (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r'
           AND EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
         ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(tables.len() >= TENANT_TABLES.len(), "{tables:?}");
    for (table, row_security, policies) in &tables {
        assert!(
            *row_security && *policies >= 1,
            "{table} holds tenant rows without row-level security"
        );
    }
    let (superuser, bypass): (bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'infracast_app'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(!superuser && !bypass);
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
         WHERE r.rolname = 'infracast_app'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        owned, 0,
        "the app role owns tables (owners bypass the policies)"
    );
}

#[tokio::test]
async fn the_api_reads_tenant_data_through_the_policies() {
    // Proof that request paths run under row-level security and not as the owner: with data in
    // place, the policies of this (private) database are narrowed to `false`. Were a handler's
    // store call on the owner connection, it would still see its rows.
    let pool = fresh_database().await;
    let app = spawn_app_on(pool.clone()).await;
    let key = app.tenant_with_key("rls-api", "enterprise", "admin").await;
    let base = "/api/v1/tenants/rls-api";
    let vpc = "aws:us-east-1:aws.ec2.vpc:vpc-api";
    let subnet = "aws:us-east-1:aws.ec2.subnet:subnet-api";
    for id in [vpc, subnet] {
        let created = app
            .post(
                &format!("{base}/nodes"),
                &key,
                serde_json::json!({"id": id}),
            )
            .await;
        assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    }
    let writes = [
        (
            "edges",
            serde_json::json!({"kind": "contains", "src": vpc, "dst": subnet}),
        ),
        (
            "jobs",
            serde_json::json!({"provider": "fixture", "config": {"sample": true}}),
        ),
        (
            "schedules",
            serde_json::json!({"cron": "0 3 * * *", "job": {"provider": "fixture", "config": {"sample": true}}}),
        ),
    ];
    for (resource, body) in writes {
        let created = app.post(&format!("{base}/{resource}"), &key, body).await;
        assert_eq!(created.status.as_u16(), 201, "{}", created.body);
    }
    seed(&pool, "rls-other").await;
    let lists = ["nodes", "edges", "jobs", "schedules", "api-keys"];
    for resource in lists {
        let listed = app.get(&format!("{base}/{resource}"), &key).await;
        assert!(
            !listed.body["data"].as_array().unwrap().is_empty(),
            "{resource} lists something before the policies narrow"
        );
    }

    for table in ["nodes", "edges", "jobs", "schedules", "api_keys"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER POLICY tenant_isolation ON {table} USING (false) WITH CHECK (false)"
        )))
        .execute(&pool)
        .await
        .unwrap();
        assert!(owner_count(&pool, table, "rls-api").await >= 1);
    }
    for resource in lists {
        let listed = app.get(&format!("{base}/{resource}"), &key).await;
        assert_eq!(listed.status.as_u16(), 200, "{}", listed.body);
        assert_eq!(
            listed.body["data"].as_array().unwrap().len(),
            0,
            "{resource} was read past the policy: {}",
            listed.body
        );
    }
    app.get(
        &format!("{base}/nodes/{}", crate::helpers::encode(vpc)),
        &key,
    )
    .await
    .assert_error(404, "NOT_FOUND");
    // Writes are checked by the policy too.
    let refused = app
        .post(
            &format!("{base}/nodes"),
            &key,
            serde_json::json!({"id": "aws:us-east-1:aws.ec2.vpc:vpc-late"}),
        )
        .await;
    assert!(refused.status.is_server_error() || refused.status.is_client_error());
    assert_eq!(
        owner_count(&pool, "nodes", "rls-api").await,
        2,
        "a node was written past the policy"
    );
}

#[tokio::test]
async fn job_commits_write_through_the_policies() {
    // A discovery job's commit (reconcile with COPY, then the evaluation's findings) runs as the
    // job's tenant. With the policy on findings narrowed to refuse every write, a commit on the
    // owner connection would still store findings; under the policy it stores none.
    let pool = fresh_database().await;
    let app = spawn_app_on(pool.clone()).await;
    let key = app.tenant_with_key("rls-job", "enterprise", "admin").await;
    let runtime = infracast::jobs::JobRuntime::new(
        pool.clone(),
        std::sync::Arc::new(infracast::snapshots::GraphSnapshots::default()),
        infracast::compliance::Catalog::builtin().unwrap(),
    );
    let run_sample = || async {
        let created = app
            .post(
                "/api/v1/tenants/rls-job/jobs",
                &key,
                serde_json::json!({"provider": "fixture", "config": {"sample": true}, "start": true}),
            )
            .await;
        assert_eq!(created.status.as_u16(), 201, "{}", created.body);
        infracast::jobs::run_next(&runtime).await
    };
    let first = run_sample()
        .await
        .expect("the job runs")
        .expect("a pending job");
    assert_eq!(first.status, "succeeded");
    let findings = owner_count(&pool, "findings", "rls-job").await;
    assert!(findings > 0, "the sample estate has findings");
    assert!(owner_count(&pool, "nodes", "rls-job").await > 0);

    sqlx::query("DELETE FROM findings")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("ALTER POLICY tenant_isolation ON findings WITH CHECK (false)")
        .execute(&pool)
        .await
        .unwrap();
    let refused = run_sample()
        .await
        .expect_err("the evaluation's findings are refused");
    assert!(
        format!("{refused:#}").contains("row-level security policy for table \"findings"),
        "{refused:#}"
    );
    assert_eq!(
        owner_count(&pool, "findings", "rls-job").await,
        0,
        "findings were written past the policy"
    );

    // The reconcile (COPY into staging, then the upsert) is under the policy too.
    sqlx::query("DELETE FROM edges")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM nodes")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("ALTER POLICY tenant_isolation ON nodes WITH CHECK (false)")
        .execute(&pool)
        .await
        .unwrap();
    let refused = run_sample()
        .await
        .expect_err("the reconciled nodes are refused");
    assert!(
        format!("{refused:#}").contains("row-level security policy for table \"nodes"),
        "{refused:#}"
    );
    assert_eq!(owner_count(&pool, "nodes", "rls-job").await, 0);
}
