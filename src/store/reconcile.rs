//! Reconcile an inventory into a tenant's stored graph inside the job's commit transaction:
//! stage the rows with COPY, record the diff (added, changed, removed), upsert, and tombstone what
//! was not seen again, **only in the scopes that completed**.
//!
//! Everything happens in the caller's transaction, so a failed or fenced job changes nothing.
//!
//! Plans must not go quadratic. The staging tables are analysed once filled; tombstones are
//! written by the same statement that finds them (`UPDATE … RETURNING` into the diff), never by
//! joining the diff back to `nodes`, and without nested loops: in a tenant whose table statistics
//! predate its rows the planner believes it has one node, and its nested loops ran every row
//! against every other (61,880 × 61,880 on a second tenant's import).

use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use super::Error;
use crate::model::{Edge, Inventory, Node, Scope};

/// What a reconcile changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileCounts {
    pub nodes_seen: u64,
    pub nodes_added: u64,
    pub nodes_changed: u64,
    pub nodes_removed: u64,
    pub edges_seen: u64,
    pub edges_added: u64,
    pub edges_changed: u64,
    pub edges_removed: u64,
}

/// Appends one field in COPY text format (tab-separated, `\N` for null, backslash escapes).
fn push_field(buffer: &mut Vec<u8>, value: &str) {
    for byte in value.bytes() {
        match byte {
            b'\\' => buffer.extend_from_slice(b"\\\\"),
            b'\t' => buffer.extend_from_slice(b"\\t"),
            b'\n' => buffer.extend_from_slice(b"\\n"),
            b'\r' => buffer.extend_from_slice(b"\\r"),
            other => buffer.push(other),
        }
    }
}

/// Appends one row in COPY text format; `store::findings` stages its observations with it too.
pub(super) fn push_row(buffer: &mut Vec<u8>, fields: &[&str]) {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            buffer.push(b'\t');
        }
        push_field(buffer, field);
    }
    buffer.push(b'\n');
}

fn encode_nodes(nodes: &[Node]) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(nodes.len() * 512);
    for node in nodes {
        // Invariant: maps of strings and JSON values always serialize.
        let tags = serde_json::to_string(&node.tags).unwrap_or_else(|_| "{}".to_string());
        let properties =
            serde_json::to_string(&node.properties).unwrap_or_else(|_| "{}".to_string());
        push_row(
            &mut buffer,
            &[
                node.id.as_str(),
                node.node_type.as_str(),
                &node.provider,
                &node.region,
                &node.account,
                &node.name,
                &tags,
                &properties,
            ],
        );
    }
    buffer
}

fn encode_edges(edges: &[Edge]) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(edges.len() * 200);
    for edge in edges {
        let properties =
            serde_json::to_string(&edge.properties).unwrap_or_else(|_| "{}".to_string());
        push_row(
            &mut buffer,
            &[
                &edge.id,
                edge.kind.as_str(),
                edge.src.as_str(),
                edge.dst.as_str(),
                &properties,
            ],
        );
    }
    buffer
}

/// Streams COPY text rows into `statement` (`COPY … FROM STDIN`), aborting the COPY on failure.
pub(super) async fn copy_in(
    connection: &mut PgConnection,
    statement: &'static str,
    data: Vec<u8>,
) -> Result<(), Error> {
    let mut copy = connection.copy_in_raw(statement).await?;
    // Send in chunks so one huge buffer is not held twice by the driver.
    for chunk in data.chunks(1 << 20) {
        if let Err(error) = copy.send(chunk).await {
            let _ = copy.abort("staging failed").await;
            return Err(error.into());
        }
    }
    copy.finish().await?;
    Ok(())
}

async fn execute(
    connection: &mut PgConnection,
    statement: &'static str,
    tenant_id: &str,
    job_id: Uuid,
) -> Result<u64, Error> {
    let result = sqlx::query(statement)
        .bind(tenant_id)
        .bind(job_id)
        .execute(&mut *connection)
        .await?;
    Ok(result.rows_affected())
}

/// Reconciles `inventory` for the tenant within the caller's transaction. Nodes and edges not in
/// the inventory are tombstoned only when their node's scope is in `completed_scopes`.
pub async fn reconcile(
    connection: &mut PgConnection,
    tenant_id: &str,
    job_id: Uuid,
    inventory: &Inventory,
    completed_scopes: &[Scope],
) -> Result<ReconcileCounts, Error> {
    sqlx::query(
        "CREATE TEMP TABLE staged_nodes (id text PRIMARY KEY, type text, provider text, region text,
            account text, name text, tags jsonb, properties jsonb) ON COMMIT DROP",
    )
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "CREATE TEMP TABLE staged_edges (id text PRIMARY KEY, kind text, src text, dst text, properties jsonb)
         ON COMMIT DROP",
    )
    .execute(&mut *connection)
    .await?;
    sqlx::query("CREATE TEMP TABLE completed_scopes (provider text, account text, region text) ON COMMIT DROP")
        .execute(&mut *connection)
        .await?;

    copy_in(
        connection,
        "COPY staged_nodes (id, type, provider, region, account, name, tags, properties) FROM STDIN",
        encode_nodes(&inventory.nodes),
    )
    .await?;
    copy_in(
        connection,
        "COPY staged_edges (id, kind, src, dst, properties) FROM STDIN",
        encode_edges(&inventory.edges),
    )
    .await?;
    let providers: Vec<&str> = completed_scopes
        .iter()
        .map(|scope| scope.provider.as_str())
        .collect();
    let accounts: Vec<&str> = completed_scopes
        .iter()
        .map(|scope| scope.account.as_str())
        .collect();
    let regions: Vec<&str> = completed_scopes
        .iter()
        .map(|scope| scope.region.as_str())
        .collect();
    sqlx::query(
        "INSERT INTO completed_scopes SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[])",
    )
    .bind(&providers)
    .bind(&accounts)
    .bind(&regions)
    .execute(&mut *connection)
    .await?;
    // Fresh temp tables have no statistics (the planner would guess); these give it true counts.
    sqlx::query("ANALYZE staged_nodes, staged_edges, completed_scopes")
        .execute(&mut *connection)
        .await?;

    let mut counts = ReconcileCounts {
        nodes_seen: inventory.nodes.len() as u64,
        edges_seen: inventory.edges.len() as u64,
        ..ReconcileCounts::default()
    };

    // The diff, computed before anything changes.
    counts.nodes_added = execute(
        connection,
        "INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
         SELECT $1, $2, 'node', s.id, 'added' FROM staged_nodes s
         WHERE NOT EXISTS (SELECT 1 FROM nodes n WHERE n.tenant_id = $1 AND n.id = s.id AND n.deleted_at IS NULL)",
        tenant_id,
        job_id,
    )
    .await?;
    counts.nodes_changed = execute(
        connection,
        "INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
         SELECT $1, $2, 'node', s.id, 'changed' FROM staged_nodes s
         JOIN nodes n ON n.tenant_id = $1 AND n.id = s.id AND n.deleted_at IS NULL
         WHERE (n.type, n.provider, n.region, n.account, n.name, n.tags, n.properties)
               IS DISTINCT FROM (s.type, s.provider, s.region, s.account, s.name, s.tags, s.properties)",
        tenant_id,
        job_id,
    )
    .await?;
    counts.edges_added = execute(
        connection,
        "INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
         SELECT $1, $2, 'edge', s.id, 'added' FROM staged_edges s
         WHERE NOT EXISTS (SELECT 1 FROM edges e WHERE e.tenant_id = $1 AND e.id = s.id AND e.deleted_at IS NULL)",
        tenant_id,
        job_id,
    )
    .await?;
    counts.edges_changed = execute(
        connection,
        "INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
         SELECT $1, $2, 'edge', s.id, 'changed' FROM staged_edges s
         JOIN edges e ON e.tenant_id = $1 AND e.id = s.id AND e.deleted_at IS NULL
         WHERE e.properties IS DISTINCT FROM s.properties",
        tenant_id,
        job_id,
    )
    .await?;
    // Tombstones, each written together with its diff row by one statement. Edges first: their
    // scope is their source node's, read before any node changes. Nodes and edges that the
    // upserts below bring back are staged, so never among these.
    //
    // These walk the tenant's whole stored graph, and the planner cannot be trusted with that:
    // while the statistics predate the tenant's rows it expects one row and picks a nested loop
    // whose inner side has no index (edges by `src`), which ran for minutes on a rescan of 5,000
    // instances. Without nested loops these are hash joins, linear in the tenant's size.
    sqlx::query("SET LOCAL enable_nestloop = off")
        .execute(&mut *connection)
        .await?;
    counts.edges_removed = execute(
        connection,
        "WITH removed AS (
            UPDATE edges e SET deleted_at = now(), updated_at = now()
            FROM nodes n, completed_scopes c
            WHERE e.tenant_id = $1 AND e.deleted_at IS NULL
              AND n.tenant_id = e.tenant_id AND n.id = e.src
              AND c.provider = n.provider AND c.account = n.account AND c.region = n.region
              AND NOT EXISTS (SELECT 1 FROM staged_edges s WHERE s.id = e.id)
            RETURNING e.id)
         INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
         SELECT DISTINCT $1, $2, 'edge', id, 'removed' FROM removed",
        tenant_id,
        job_id,
    )
    .await?;
    counts.nodes_removed = execute(
        connection,
        "WITH removed AS (
            UPDATE nodes n SET deleted_at = now(), updated_at = now()
            WHERE n.tenant_id = $1 AND n.deleted_at IS NULL
              AND EXISTS (SELECT 1 FROM completed_scopes c
                          WHERE c.provider = n.provider AND c.account = n.account AND c.region = n.region)
              AND NOT EXISTS (SELECT 1 FROM staged_nodes s WHERE s.id = n.id)
            RETURNING n.id)
         INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
         SELECT $1, $2, 'node', id, 'removed' FROM removed",
        tenant_id,
        job_id,
    )
    .await?;

    sqlx::query("SET LOCAL enable_nestloop TO DEFAULT")
        .execute(&mut *connection)
        .await?;

    // Apply: upsert what was seen. Times come from `EXCLUDED` (the columns' `DEFAULT now()`, the
    // same instant as `now()`): Citus refuses non-immutable functions in `DO UPDATE SET`.
    execute(
        connection,
        "INSERT INTO nodes AS n (tenant_id, id, type, provider, region, account, name, tags, properties)
         SELECT $1, id, type, provider, region, account, name, tags, properties FROM staged_nodes
         WHERE $2::uuid IS NOT NULL
         ON CONFLICT (tenant_id, id) DO UPDATE SET
            type = EXCLUDED.type, provider = EXCLUDED.provider, region = EXCLUDED.region,
            account = EXCLUDED.account, name = EXCLUDED.name, tags = EXCLUDED.tags,
            properties = EXCLUDED.properties, last_seen = EXCLUDED.last_seen, deleted_at = NULL,
            first_seen = CASE WHEN n.deleted_at IS NOT NULL THEN EXCLUDED.first_seen ELSE n.first_seen END,
            updated_at = CASE
                WHEN n.deleted_at IS NULL AND (n.type, n.name, n.account, n.tags, n.properties)
                     IS NOT DISTINCT FROM (EXCLUDED.type, EXCLUDED.name, EXCLUDED.account, EXCLUDED.tags, EXCLUDED.properties)
                THEN n.updated_at ELSE EXCLUDED.updated_at END",
        tenant_id,
        job_id,
    )
    .await?;
    execute(
        connection,
        "INSERT INTO edges AS e (tenant_id, id, kind, src, dst, properties)
         SELECT $1, id, kind, src, dst, properties FROM staged_edges WHERE $2::uuid IS NOT NULL
         ON CONFLICT (tenant_id, id) DO UPDATE SET
            properties = EXCLUDED.properties, last_seen = EXCLUDED.last_seen, deleted_at = NULL,
            first_seen = CASE WHEN e.deleted_at IS NOT NULL THEN EXCLUDED.first_seen ELSE e.first_seen END,
            updated_at = CASE WHEN e.deleted_at IS NULL AND e.properties IS NOT DISTINCT FROM EXCLUDED.properties
                THEN e.updated_at ELSE EXCLUDED.updated_at END",
        tenant_id,
        job_id,
    )
    .await?;
    super::tenants::bump_graph_generation(connection, tenant_id).await?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_format_escapes_separators_and_backslashes() {
        let mut buffer = Vec::new();
        push_row(
            &mut buffer,
            &["a\tb", "line\nbreak", "back\\slash", "plain"],
        );
        assert_eq!(
            String::from_utf8(buffer).unwrap(),
            "a\\tb\tline\\nbreak\tback\\\\slash\tplain\n"
        );
    }
}
