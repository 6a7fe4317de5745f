//! Citus mode: distributes the schema by tenant on a Citus coordinator (`infracast migrate
//! --distribute`) and checks that every tenant table is distributed.
//!
//! Which tables are tenant tables is read from the catalog, never listed here: every table of the
//! schema with a `tenant_id` column is distributed on it and co-located with the others, except
//! the platform tables of [`REFERENCE_TABLES`], which are copied to every node. So a table another
//! migration adds is distributed by the next `migrate --distribute` without an edit here. On plain
//! PostgreSQL nothing here runs (the extension is absent) and the schema stays as migrated.
//! This module does not decide when to distribute: the command line does.

use sqlx::PgPool;

use super::Error;

/// Tables copied whole to every node instead of split by tenant, and why each one is:
/// * `tenants`: every tenant table but `findings` has a foreign key to it, and Citus allows a
///   foreign key from a distributed table only to a reference table (or a co-located distributed
///   table);
/// * `api_keys`, `auth_tokens`: authentication finds a credential by its hash before the tenant
///   is known (a unique index on the hash alone, which a distributed table cannot have), and
///   platform keys carry tenant `*`.
pub const REFERENCE_TABLES: &[&str] = &["tenants", "api_keys", "auth_tokens"];

/// The table every distributed table is co-located with (the same tenant's rows of all tables live
/// in the same shard group, on the same worker, so a tenant's joins and transactions stay local).
pub const COLOCATION_ANCHOR: &str = "nodes";

/// How a table is laid out on Citus, from `pg_dist_partition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLayout {
    pub table: String,
    /// `distributed` (hash on `tenant_id`), `reference`, or `local` (not in Citus's catalog).
    pub kind: String,
}

/// Whether the database has the Citus extension (on a pool, or inside a transaction).
pub async fn is_citus<'c>(executor: impl sqlx::PgExecutor<'c>) -> Result<bool, Error> {
    let installed: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")
            .fetch_one(executor)
            .await?;
    Ok(installed)
}

/// The tables of the current schema that carry a `tenant_id` column, by name.
pub async fn tenant_tables(pool: &PgPool) -> Result<Vec<String>, Error> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
         WHERE c.relkind IN ('r', 'p')
         ORDER BY c.relname",
    )
    .fetch_all(pool)
    .await?;
    Ok(tables)
}

/// Makes the schema distributed: [`REFERENCE_TABLES`] become reference tables, every other
/// tenant table a hash-distributed table on `tenant_id` co-located with [`COLOCATION_ANCHOR`].
/// Tables already laid out are left alone, so running it again (after new migrations) only
/// distributes what is new. Returns the tables it changed.
pub async fn distribute(pool: &PgPool) -> Result<Vec<TableLayout>, Error> {
    if !is_citus(pool).await? {
        return Err(Error::Migration(
            "the database has no Citus extension: `migrate --distribute` needs a Citus coordinator \
             (CREATE EXTENSION citus, with its workers added)"
                .to_string(),
        ));
    }
    let mut changed = Vec::new();
    let current = layout(pool).await?;
    let kind_of = |table: &str| {
        current
            .iter()
            .find(|layout| layout.table == table)
            .map(|layout| layout.kind.as_str())
            .unwrap_or("local")
    };
    let mut connection = pool.acquire().await?;
    // The append-only trigger of `audit_events` runs on each shard and only refuses changes; Citus
    // refuses to distribute a table with triggers unless told the triggers are shard-safe.
    sqlx::query("SET citus.enable_unsafe_triggers TO on")
        .execute(&mut *connection)
        .await?;
    inline_policy_settings(&mut connection).await?;
    // Citus opens its connections to the workers as the current role, and tenant work runs as
    // `infracast_app` (`store::enter_tenant`): that role must be able to log in to the workers
    // (it has no password; node-to-node authentication is the operator's, README "Scaling out").
    // Propagated to every worker by Citus.
    let can_login: bool = sqlx::query_scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1")
        .bind(super::TENANT_ROLE)
        .fetch_one(&mut *connection)
        .await?;
    if !can_login {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER ROLE {} LOGIN",
            quote(super::TENANT_ROLE)
        )))
        .execute(&mut *connection)
        .await?;
    }
    for table in REFERENCE_TABLES {
        if kind_of(table) == "local" {
            sqlx::query("SELECT create_reference_table($1::regclass)")
                .bind(*table)
                .execute(&mut *connection)
                .await?;
            changed.push(TableLayout {
                table: table.to_string(),
                kind: "reference".to_string(),
            });
        }
    }
    let mut tables = tenant_tables(pool).await?;
    // The anchor first: the others are co-located with it.
    tables.sort_by_key(|table| table != COLOCATION_ANCHOR);
    for table in tables {
        if REFERENCE_TABLES.contains(&table.as_str()) || kind_of(&table) != "local" {
            continue;
        }
        let colocate_with = if table == COLOCATION_ANCHOR {
            "default"
        } else {
            COLOCATION_ANCHOR
        };
        sqlx::query(
            "SELECT create_distributed_table($1::regclass, 'tenant_id', colocate_with => $2)",
        )
        .bind(&table)
        .bind(colocate_with)
        .execute(&mut *connection)
        .await?;
        changed.push(TableLayout {
            table,
            kind: "distributed".to_string(),
        });
    }
    sqlx::query("RESET citus.enable_unsafe_triggers")
        .execute(&mut *connection)
        .await?;
    Ok(changed)
}

/// Citus refuses policies with sub-queries on distributed tables, and the row-level security
/// policies read the tenant setting through one (`(SELECT current_setting('app.tenant_id', true))`,
/// evaluated once per statement on plain PostgreSQL). On Citus the policies read the setting
/// directly (still an index condition on `tenant_id`); the comparison is unchanged. A policy that
/// still has a sub-query after that is refused by name rather than left for Citus to reject.
async fn inline_policy_settings(connection: &mut sqlx::PgConnection) -> Result<(), Error> {
    let policies: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT tablename::text, policyname::text, qual, with_check FROM pg_policies
         WHERE schemaname = current_schema() ORDER BY tablename, policyname",
    )
    .fetch_all(&mut *connection)
    .await?;
    let inline = |expression: &str| {
        expression.replace(
            "( SELECT current_setting('app.tenant_id'::text, true) AS current_setting)",
            "current_setting('app.tenant_id'::text, true)",
        )
    };
    for (table, policy, using, with_check) in policies {
        let using = using.as_deref().map(inline);
        let with_check = with_check.as_deref().map(inline);
        if [&using, &with_check]
            .into_iter()
            .flatten()
            .any(|expression| expression.to_ascii_uppercase().contains("SELECT"))
        {
            return Err(Error::Migration(format!(
                "policy {policy} on {table} has a sub-query, which Citus cannot distribute"
            )));
        }
        let mut statement = format!("ALTER POLICY {} ON {}", quote(&policy), quote(&table));
        if let Some(using) = using {
            statement.push_str(&format!(" USING ({using})"));
        }
        if let Some(with_check) = with_check {
            statement.push_str(&format!(" WITH CHECK ({with_check})"));
        }
        // The expressions come from the catalog (our own migrations), not from any request.
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// An identifier quoted for SQL.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// How every tenant table is laid out now (`local` when Citus does not know it).
pub async fn layout(pool: &PgPool) -> Result<Vec<TableLayout>, Error> {
    let layouts: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text,
                coalesce(CASE p.partmethod WHEN 'h' THEN 'distributed' WHEN 'n' THEN 'reference'
                              ELSE p.partmethod::text END, 'local')
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
         LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
         WHERE c.relkind IN ('r', 'p')
         ORDER BY c.relname",
    )
    .fetch_all(pool)
    .await?;
    Ok(layouts
        .into_iter()
        .map(|(table, kind)| TableLayout { table, kind })
        .collect())
}

/// The tenant tables not laid out as they must be (a reference table that is not one, a tenant
/// table not distributed on `tenant_id`): empty when the schema is fully distributed. Fails on a
/// database without Citus.
pub async fn distribution_problems(pool: &PgPool) -> Result<Vec<String>, Error> {
    if !is_citus(pool).await? {
        return Err(Error::Migration(
            "the database has no Citus extension".to_string(),
        ));
    }
    let mut problems = Vec::new();
    for TableLayout { table, kind } in layout(pool).await? {
        let expected = if REFERENCE_TABLES.contains(&table.as_str()) {
            "reference"
        } else {
            "distributed"
        };
        if kind != expected {
            problems.push(format!("{table} is {kind}, must be {expected}"));
        }
    }
    // Distributed on `tenant_id` and co-located with the anchor, not merely distributed.
    let misplaced: Vec<String> = sqlx::query_scalar(
        "SELECT p.logicalrelid::regclass::text FROM pg_dist_partition p
         WHERE p.partmethod = 'h'
           AND (column_to_column_name(p.logicalrelid, p.partkey) <> 'tenant_id'
                OR p.colocationid <> (SELECT colocationid FROM pg_dist_partition
                                      WHERE logicalrelid = $1::regclass))
         ORDER BY 1",
    )
    .bind(COLOCATION_ANCHOR)
    .fetch_all(pool)
    .await?;
    problems.extend(
        misplaced.into_iter().map(|table| {
            format!("{table} is not distributed on tenant_id with {COLOCATION_ANCHOR}")
        }),
    );
    Ok(problems)
}
