//! Reconcile an inventory into a tenant's stored graph inside the job's commit transaction:
//! compare content hashes with what is stored, record the diff (added, changed, removed), and
//! write only what is new, changed or gone; tombstone what was not seen again **only in the scopes
//! that completed**. Must not write a row whose content did not change: a rescan that changes
//! nothing moves one `scope_scans` row per completed scope (that is how `last_seen` advances) and
//! the graph generation, nothing else.
//!
//! Everything happens in the caller's transaction, so a failed or fenced job changes nothing.
//!
//! The diff is computed in Rust: the stored `(id, content_hash)` of the tenant's live rows are
//! read with one `COPY … TO STDOUT` each and compared with the inventory's hashes. Only the rows
//! to write (new, changed, or stored without a hash) are staged (`reconcile_staging`: temporary
//! tables filled with COPY on PostgreSQL, the distributed `reconcile_staged_*` tables on Citus),
//! and only the ids of rows that may be gone (stored, not seen) or seen outside a completed scope
//! are marked. Every statement after that is driven by those small staging tables, filtered on the
//! tenant, and reaches `nodes` / `edges` through their primary keys, so its cost follows the
//! change, not the tenant's size.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use rayon::prelude::*;
use serde::Serialize;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::Error;
use super::reconcile_staging::StagingTables;
use crate::model::{Edge, Inventory, Node, Scope};
pub use crate::model::{edge_content_hash, node_content_hash};

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

/// Undoes `push_field` (COPY text format) for one field read back by `COPY … TO STDOUT`.
fn unescape_field(field: &[u8]) -> String {
    if !field.contains(&b'\\') {
        return String::from_utf8_lossy(field).into_owned();
    }
    let mut out = Vec::with_capacity(field.len());
    let mut bytes = field.iter();
    while let Some(&byte) = bytes.next() {
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        match bytes.next() {
            Some(b't') => out.push(b'\t'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b'b') => out.push(0x08),
            Some(b'f') => out.push(0x0C),
            Some(b'v') => out.push(0x0B),
            Some(&other) => out.push(other),
            None => out.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why a row is staged for writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Staging {
    /// No live row with this id (never stored, or tombstoned).
    Added,
    /// A live row whose hash differs.
    Changed,
    /// A live row stored without a hash: compared by content in SQL, and written to store it.
    Unverified,
}

impl Staging {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Staging::Added => "added",
            Staging::Changed => "changed",
            Staging::Unverified => "unverified",
        }
    }
}

pub(super) fn encode_nodes(nodes: &[Node], staged: &[(usize, i64, Staging)]) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(staged.len() * 512);
    for &(index, hash, staging) in staged {
        let node = &nodes[index];
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
                &hash.to_string(),
                staging.as_str(),
            ],
        );
    }
    buffer
}

pub(super) fn encode_edges(edges: &[Edge], staged: &[(usize, i64, Staging)]) -> Vec<u8> {
    let mut buffer = Vec::with_capacity(staged.len() * 200);
    for &(index, hash, staging) in staged {
        let edge = &edges[index];
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
                &hash.to_string(),
                staging.as_str(),
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
    // Sent in chunks (slices of the one buffer, not copies) so the driver never holds it twice.
    let chunks = data.chunks(1 << 20).map(Ok);
    copy_in_batches(connection, statement, chunks).await
}

/// Streams COPY text rows into `statement`, one batch at a time as `batches` yields them (each
/// encoded only when the previous one has been sent), aborting the COPY on failure. A lazy
/// iterator that encodes its batch when asked makes this process encode the next batch while
/// PostgreSQL parses the last: the two overlap instead of running one after the other.
pub(super) async fn copy_in_batches(
    connection: &mut PgConnection,
    statement: &'static str,
    batches: impl Iterator<Item = Result<impl std::ops::Deref<Target = [u8]>, Error>>,
) -> Result<(), Error> {
    let mut copy = connection.copy_in_raw(statement).await?;
    for batch in batches {
        let sent = match batch {
            Ok(batch) => copy.send(batch).await.map_err(Error::from),
            Err(error) => Err(error),
        };
        if let Err(error) = sent {
            let _ = copy.abort("staging failed").await;
            return Err(error);
        }
    }
    copy.finish().await?;
    Ok(())
}

/// The stored content hash of every live row of `table` for the tenant, by id (`None`: stored
/// without one). One `COPY … TO STDOUT`: reading ids and hashes back is far cheaper than writing.
async fn stored_hashes(
    connection: &mut PgConnection,
    table: &'static str,
    tenant_id: &str,
) -> Result<HashMap<String, Option<i64>>, Error> {
    // `COPY (query) TO STDOUT` takes no parameters: the tenant is quoted in.
    let statement = format!(
        "COPY (SELECT id, content_hash FROM {table} WHERE tenant_id = {} AND deleted_at IS NULL) TO STDOUT",
        super::quote_literal(tenant_id)
    );
    let mut stream = connection.copy_out_raw(&statement).await?;
    let mut hashes = HashMap::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut parse_line = |line: &[u8]| -> Result<(), Error> {
        let Some(tab) = line.iter().position(|&byte| byte == b'\t') else {
            return Err(Error::Corrupt(format!("unexpected COPY row from {table}")));
        };
        let (id, hash) = (&line[..tab], &line[tab + 1..]);
        let hash = if hash == b"\\N" {
            None
        } else {
            let text = std::str::from_utf8(hash)
                .map_err(|_| Error::Corrupt(format!("content hash in {table} is not text")))?;
            Some(text.parse::<i64>().map_err(|_| {
                Error::Corrupt(format!("content hash `{text}` in {table} is not a bigint"))
            })?)
        };
        hashes.insert(unescape_field(id), hash);
        Ok(())
    };
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        pending.extend_from_slice(&chunk);
        let mut start = 0;
        while let Some(end) = pending[start..].iter().position(|&byte| byte == b'\n') {
            parse_line(&pending[start..start + end])?;
            start += end + 1;
        }
        pending.drain(..start);
    }
    if !pending.is_empty() {
        parse_line(&pending)?;
    }
    Ok(hashes)
}

/// What to write for one table: rows to stage (index into the inventory, hash, why), ids stored
/// live but not seen (gone if their scope completed), and ids seen unchanged whose `last_seen`
/// must move on their row because no completed scope carries it.
struct TableDiff {
    staged: Vec<(usize, i64, Staging)>,
    gone: Vec<String>,
    seen_outside_completed: Vec<usize>,
}

/// Compares the inventory's hashes with the stored ones. `carried_by_scope(index)` says whether
/// an unchanged row's `last_seen` is carried by a completed scope's `scope_scans` row.
fn diff<'a>(
    hashes: &[i64],
    id_of: impl Fn(usize) -> &'a str,
    mut stored: HashMap<String, Option<i64>>,
    carried_by_scope: impl Fn(usize) -> bool,
) -> TableDiff {
    let mut staged = Vec::new();
    let mut seen_outside_completed = Vec::new();
    for (index, &hash) in hashes.iter().enumerate() {
        match stored.remove(id_of(index)) {
            None => staged.push((index, hash, Staging::Added)),
            Some(None) => staged.push((index, hash, Staging::Unverified)),
            Some(Some(stored_hash)) if stored_hash != hash => {
                staged.push((index, hash, Staging::Changed))
            }
            Some(Some(_)) => {
                if !carried_by_scope(index) {
                    seen_outside_completed.push(index);
                }
            }
        }
    }
    // Staged in id order (byte order, as PostgreSQL's C collation sorts): the staging table's key
    // and the table's own `(tenant_id, id)` key then take the rows at their right edge, page
    // after page, instead of at random pages all over the index (a first load stages ~1M rows).
    staged.sort_unstable_by(|left, right| id_of(left.0).cmp(id_of(right.0)));
    TableDiff {
        staged,
        gone: stored.into_keys().collect(),
        seen_outside_completed,
    }
}

/// What a reconcile did, for the job that ran it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    pub counts: ReconcileCounts,
    /// The tenant's graph generation once the caller's transaction commits.
    pub generation: i64,
    /// True when the tenant's live graph is now exactly the inventory: every live row the
    /// inventory did not hold was tombstoned (no other scope, provider or partial scan keeps rows
    /// alive beside it). The caller may then build the snapshot from the inventory it holds
    /// instead of reading the graph back.
    pub live_graph_is_inventory: bool,
    /// `node_content_hash` of each inventory node, in inventory order: a snapshot built from the
    /// inventory takes them instead of hashing its nodes again (`TenantGraph::touched_since`).
    pub node_content_hashes: Vec<i64>,
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
    reconcile_graph(connection, tenant_id, job_id, inventory, completed_scopes)
        .await
        .map(|reconciled| reconciled.counts)
}

/// `reconcile`, also saying which generation it wrote and whether the live graph is now the
/// inventory.
pub async fn reconcile_graph(
    connection: &mut PgConnection,
    tenant_id: &str,
    job_id: Uuid,
    inventory: &Inventory,
    completed_scopes: &[Scope],
) -> Result<Reconciled, Error> {
    // First, as today: the generation moves with every discovery. The row lock it takes also
    // serialises reconciles of one tenant, so the stored hashes read below stay true until commit.
    let generation = super::tenants::bump_graph_generation(connection, tenant_id).await?;
    // One instant for every time this reconcile writes (the transaction's, as `DEFAULT now()`),
    // bound as a value: Citus refuses `now()` in `DO UPDATE SET` and in UPDATEs.
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *connection)
        .await?;

    let (node_hashes, edge_hashes): (Vec<i64>, Vec<i64>) = rayon::join(
        || inventory.nodes.par_iter().map(node_content_hash).collect(),
        || inventory.edges.par_iter().map(edge_content_hash).collect(),
    );
    let stored_nodes = stored_hashes(connection, "nodes", tenant_id).await?;
    let stored_edges = stored_hashes(connection, "edges", tenant_id).await?;

    let completed: HashSet<(&str, &str, &str)> = completed_scopes
        .iter()
        .map(|scope| {
            (
                scope.provider.as_str(),
                scope.account.as_str(),
                scope.region.as_str(),
            )
        })
        .collect();
    let in_completed_scope = |node: &Node| {
        completed.contains(&(
            node.provider.as_str(),
            node.account.as_str(),
            node.region.as_str(),
        ))
    };
    let nodes = diff(
        &node_hashes,
        |index| inventory.nodes[index].id.as_str(),
        stored_nodes,
        |index| in_completed_scope(&inventory.nodes[index]),
    );
    // An edge's scope is its source node's; a source that is not in this inventory is not known
    // here, so such an edge's row is touched (correct either way, and rare).
    let sources_in_completed_scopes: HashSet<&str> = inventory
        .nodes
        .iter()
        .filter(|node| in_completed_scope(node))
        .map(|node| node.id.as_str())
        .collect();
    let edges = diff(
        &edge_hashes,
        |index| inventory.edges[index].id.as_str(),
        stored_edges,
        |index| sources_in_completed_scopes.contains(inventory.edges[index].src.as_str()),
    );

    let mut counts = ReconcileCounts {
        nodes_seen: inventory.nodes.len() as u64,
        edges_seen: inventory.edges.len() as u64,
        ..ReconcileCounts::default()
    };

    let staging = StagingTables::open(connection, tenant_id).await?;
    let StagingTables {
        nodes: staged_nodes,
        edges: staged_edges,
        marks: reconcile_marks,
        scopes: completed_scopes,
        ..
    } = staging;
    staging
        .stage_nodes(connection, tenant_id, &inventory.nodes, &nodes.staged)
        .await?;
    staging
        .stage_edges(connection, tenant_id, &inventory.edges, &edges.staged)
        .await?;
    let mut marks: Vec<(&str, &str, &str)> = Vec::new();
    marks.extend(nodes.gone.iter().map(|id| ("node", "gone", id.as_str())));
    marks.extend(edges.gone.iter().map(|id| ("edge", "gone", id.as_str())));
    marks.extend(
        nodes
            .seen_outside_completed
            .iter()
            .map(|&index| ("node", "seen", inventory.nodes[index].id.as_str())),
    );
    marks.extend(
        edges
            .seen_outside_completed
            .iter()
            .map(|&index| ("edge", "seen", inventory.edges[index].id.as_str())),
    );
    staging.stage_marks(connection, tenant_id, &marks).await?;
    let mut scope_keys: Vec<(&str, &str, &str)> = completed.iter().copied().collect();
    scope_keys.sort_unstable();
    staging
        .stage_scopes(connection, tenant_id, &scope_keys)
        .await?;
    staging.analyze(connection).await?;

    // Every statement below filters each table on the tenant, so on Citus it runs on the one
    // worker holding the tenant's shards. Writes into `job_changes` sit in a CTE that the
    // statement counts: Citus plans a top-level INSERT … SELECT through the coordinator.

    // The diff, recorded before anything changes. Rows stored without a hash count as changed
    // only when their content differs.
    counts.nodes_added = count(
        connection,
        format!(
            "WITH recorded AS (
                INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
                SELECT s.tenant_id, $2, 'node', s.id, 'added' FROM {staged_nodes} s
                WHERE s.tenant_id = $1 AND s.staging = 'added'
                RETURNING 1)
             SELECT count(*) FROM recorded"
        ),
        tenant_id,
        job_id,
        None,
    )
    .await?;
    counts.nodes_changed = count(
        connection,
        format!(
            "WITH recorded AS (
                INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
                SELECT s.tenant_id, $2, 'node', s.id, 'changed' FROM {staged_nodes} s
                WHERE s.tenant_id = $1
                  AND (s.staging = 'changed'
                       OR (s.staging = 'unverified' AND EXISTS (
                           SELECT 1 FROM nodes n WHERE n.tenant_id = $1 AND n.id = s.id AND n.deleted_at IS NULL
                             AND (n.type, n.provider, n.region, n.account, n.name, n.tags, n.properties)
                                 IS DISTINCT FROM (s.type, s.provider, s.region, s.account, s.name, s.tags, s.properties))))
                RETURNING 1)
             SELECT count(*) FROM recorded"
        ),
        tenant_id,
        job_id,
        None,
    )
    .await?;
    counts.edges_added = count(
        connection,
        format!(
            "WITH recorded AS (
                INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
                SELECT s.tenant_id, $2, 'edge', s.id, 'added' FROM {staged_edges} s
                WHERE s.tenant_id = $1 AND s.staging = 'added'
                RETURNING 1)
             SELECT count(*) FROM recorded"
        ),
        tenant_id,
        job_id,
        None,
    )
    .await?;
    counts.edges_changed = count(
        connection,
        format!(
            "WITH recorded AS (
                INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
                SELECT s.tenant_id, $2, 'edge', s.id, 'changed' FROM {staged_edges} s
                WHERE s.tenant_id = $1
                  AND (s.staging = 'changed'
                       OR (s.staging = 'unverified' AND EXISTS (
                           SELECT 1 FROM edges e WHERE e.tenant_id = $1 AND e.id = s.id AND e.deleted_at IS NULL
                             AND e.properties IS DISTINCT FROM s.properties)))
                RETURNING 1)
             SELECT count(*) FROM recorded"
        ),
        tenant_id,
        job_id,
        None,
    )
    .await?;

    // Tombstones of the marked rows, each written together with its diff row by one statement.
    // Edges first: their scope is their source node's, read before any node changes. A tombstone
    // keeps the last time it was seen: the later of its row's and its scope's previous scan,
    // read before this scan's `scope_scans` rows are written.
    counts.edges_removed = count(
        connection,
        format!(
            "WITH removed AS (
                UPDATE edges e SET deleted_at = $3, updated_at = $3,
                    last_seen = GREATEST(e.last_seen, (
                        SELECT s.seen_at FROM scope_scans s
                        WHERE s.tenant_id = $1 AND s.provider = n.provider AND s.account = n.account
                          AND s.region = n.region))
                FROM {reconcile_marks} m, nodes n, {completed_scopes} c
                WHERE m.tenant_id = $1 AND m.entity = 'edge' AND m.mark = 'gone'
                  AND e.tenant_id = $1 AND e.id = m.id AND e.deleted_at IS NULL
                  AND n.tenant_id = $1 AND n.id = e.src
                  AND c.tenant_id = $1 AND c.provider = n.provider AND c.account = n.account
                  AND c.region = n.region
                RETURNING e.tenant_id, e.id),
             recorded AS (
                INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
                SELECT DISTINCT tenant_id, $2, 'edge', id, 'removed' FROM removed
                RETURNING 1)
             SELECT count(*) FROM recorded"
        ),
        tenant_id,
        job_id,
        Some(now),
    )
    .await?;
    counts.nodes_removed = count(
        connection,
        format!(
            "WITH removed AS (
                UPDATE nodes n SET deleted_at = $3, updated_at = $3,
                    last_seen = GREATEST(n.last_seen, (
                        SELECT s.seen_at FROM scope_scans s
                        WHERE s.tenant_id = $1 AND s.provider = n.provider AND s.account = n.account
                          AND s.region = n.region))
                FROM {reconcile_marks} m
                WHERE m.tenant_id = $1 AND m.entity = 'node' AND m.mark = 'gone'
                  AND n.tenant_id = $1 AND n.id = m.id AND n.deleted_at IS NULL
                  AND EXISTS (SELECT 1 FROM {completed_scopes} c
                              WHERE c.tenant_id = $1 AND c.provider = n.provider
                                AND c.account = n.account AND c.region = n.region)
                RETURNING n.tenant_id, n.id),
             recorded AS (
                INSERT INTO job_changes (tenant_id, job_id, entity, entity_id, change)
                SELECT tenant_id, $2, 'node', id, 'removed' FROM removed
                RETURNING 1)
             SELECT count(*) FROM recorded"
        ),
        tenant_id,
        job_id,
        Some(now),
    )
    .await?;

    // Apply: upsert what is new or changed. Times come from `EXCLUDED` (the columns'
    // `DEFAULT now()`, the same instant as `now` above): Citus refuses non-immutable functions in
    // `DO UPDATE SET`. An unverified row keeps its `updated_at` when its content is the same.
    if !nodes.staged.is_empty() {
        count(
            connection,
            format!(
                "WITH written AS (
                    INSERT INTO nodes AS n (tenant_id, id, type, provider, region, account, name, tags, properties, content_hash)
                    SELECT s.tenant_id, s.id, s.type, s.provider, s.region, s.account, s.name, s.tags, s.properties, s.content_hash
                    FROM {staged_nodes} s
                    WHERE s.tenant_id = $1 AND $2::uuid IS NOT NULL
                    ON CONFLICT (tenant_id, id) DO UPDATE SET
                       type = EXCLUDED.type, provider = EXCLUDED.provider, region = EXCLUDED.region,
                       account = EXCLUDED.account, name = EXCLUDED.name, tags = EXCLUDED.tags,
                       properties = EXCLUDED.properties, content_hash = EXCLUDED.content_hash,
                       last_seen = EXCLUDED.last_seen, deleted_at = NULL,
                       first_seen = CASE WHEN n.deleted_at IS NOT NULL THEN EXCLUDED.first_seen ELSE n.first_seen END,
                       updated_at = CASE
                           WHEN n.deleted_at IS NULL AND (n.type, n.provider, n.region, n.name, n.account, n.tags, n.properties)
                                IS NOT DISTINCT FROM (EXCLUDED.type, EXCLUDED.provider, EXCLUDED.region, EXCLUDED.name, EXCLUDED.account, EXCLUDED.tags, EXCLUDED.properties)
                           THEN n.updated_at ELSE EXCLUDED.updated_at END
                    RETURNING 1)
                 SELECT count(*) FROM written"
            ),
            tenant_id,
            job_id,
            None,
        )
        .await?;
    }
    if !edges.staged.is_empty() {
        count(
            connection,
            format!(
                "WITH written AS (
                    INSERT INTO edges AS e (tenant_id, id, kind, src, dst, properties, content_hash,
                                            scope_provider, scope_account, scope_region)
                    SELECT s.tenant_id, s.id, s.kind, s.src, s.dst, s.properties, s.content_hash,
                           coalesce(n.provider, ''), coalesce(n.account, ''), coalesce(n.region, '')
                    FROM {staged_edges} s
                    LEFT JOIN nodes n ON n.tenant_id = $1 AND n.id = s.src
                    WHERE s.tenant_id = $1 AND $2::uuid IS NOT NULL
                    ON CONFLICT (tenant_id, id) DO UPDATE SET
                       properties = EXCLUDED.properties, content_hash = EXCLUDED.content_hash,
                       scope_provider = EXCLUDED.scope_provider, scope_account = EXCLUDED.scope_account,
                       scope_region = EXCLUDED.scope_region,
                       last_seen = EXCLUDED.last_seen, deleted_at = NULL,
                       first_seen = CASE WHEN e.deleted_at IS NOT NULL THEN EXCLUDED.first_seen ELSE e.first_seen END,
                       updated_at = CASE WHEN e.deleted_at IS NULL AND e.properties IS NOT DISTINCT FROM EXCLUDED.properties
                           THEN e.updated_at ELSE EXCLUDED.updated_at END
                    RETURNING 1)
                 SELECT count(*) FROM written"
            ),
            tenant_id,
            job_id,
            None,
        )
        .await?;
    }

    // `last_seen`: rows seen unchanged outside a completed scope move one by one (few: a partial
    // scan); everything else in a completed scope moves with its scope's row.
    if !nodes.seen_outside_completed.is_empty() {
        execute_at(
            connection,
            format!(
                "UPDATE nodes n SET last_seen = $3 FROM {reconcile_marks} m
                 WHERE m.tenant_id = $1 AND m.entity = 'node' AND m.mark = 'seen' AND $2::uuid IS NOT NULL
                   AND n.tenant_id = $1 AND n.id = m.id AND n.deleted_at IS NULL"
            ),
            tenant_id,
            job_id,
            now,
        )
        .await?;
    }
    if !edges.seen_outside_completed.is_empty() {
        execute_at(
            connection,
            format!(
                "UPDATE edges e SET last_seen = $3 FROM {reconcile_marks} m
                 WHERE m.tenant_id = $1 AND m.entity = 'edge' AND m.mark = 'seen' AND $2::uuid IS NOT NULL
                   AND e.tenant_id = $1 AND e.id = m.id AND e.deleted_at IS NULL"
            ),
            tenant_id,
            job_id,
            now,
        )
        .await?;
    }
    if !scope_keys.is_empty() {
        let mut upsert: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO scope_scans (tenant_id, provider, account, region, seen_at) ",
        );
        upsert.push_values(&scope_keys, |mut row, (provider, account, region)| {
            row.push_bind(tenant_id)
                .push_bind(*provider)
                .push_bind(*account)
                .push_bind(*region)
                .push_bind(now);
        });
        upsert.push(
            " ON CONFLICT (tenant_id, provider, account, region) DO UPDATE SET seen_at = EXCLUDED.seen_at",
        );
        upsert.build().execute(&mut *connection).await?;
    }
    staging.close(connection, tenant_id).await?;
    // Every live row the inventory did not hold was tombstoned, and no id appears twice (a
    // repeated id is written once, with one of its contents).
    let live_graph_is_inventory = counts.nodes_removed == nodes.gone.len() as u64
        && counts.edges_removed == edges.gone.len() as u64
        && ids_are_unique(inventory.nodes.iter().map(|node| node.id.as_str()))
        && ids_are_unique(inventory.edges.iter().map(|edge| edge.id.as_str()));
    Ok(Reconciled {
        counts,
        generation,
        live_graph_is_inventory,
        node_content_hashes: node_hashes,
    })
}

fn ids_are_unique<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> bool {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.into_iter().all(|id| seen.insert(id))
}

/// Runs a statement that answers one count (`SELECT count(*) FROM …`), with the tenant as `$1`,
/// the job as `$2` and, when given, the reconcile's instant as `$3`.
async fn count(
    connection: &mut PgConnection,
    statement: String,
    tenant_id: &str,
    job_id: Uuid,
    now: Option<DateTime<Utc>>,
) -> Result<u64, Error> {
    let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(statement))
        .bind(tenant_id)
        .bind(job_id);
    if let Some(now) = now {
        query = query.bind(now);
    }
    let counted = query.fetch_one(&mut *connection).await?;
    Ok(counted.max(0) as u64)
}

/// Runs a statement with the tenant as `$1`, the job as `$2` and the reconcile's instant as `$3`.
async fn execute_at(
    connection: &mut PgConnection,
    statement: String,
    tenant_id: &str,
    job_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    let result = sqlx::query(sqlx::AssertSqlSafe(statement))
        .bind(tenant_id)
        .bind(job_id)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EdgeKind, NodeId};
    use serde_json::Value;
    use serde_json::json;

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

    #[test]
    fn copy_text_fields_read_back_as_written() {
        for text in ["plain", "a\tb", "line\nbreak\r", "back\\slash\\", ""] {
            let mut buffer = Vec::new();
            push_field(&mut buffer, text);
            assert_eq!(unescape_field(&buffer), text);
        }
    }

    fn node(properties: Value) -> Node {
        let id = NodeId::parse("aws:us-east-1:aws.ec2.vpc:vpc-1").unwrap();
        Node {
            node_type: id.node_type(),
            provider: "aws".into(),
            region: "us-east-1".into(),
            account: "111".into(),
            name: "main".into(),
            tags: [("env".to_string(), "prod".to_string())].into(),
            properties,
            id,
        }
    }

    #[test]
    fn content_hash_ignores_key_order_and_sees_every_field() {
        let base = node(
            json!({"cidr": "10.0.0.0/16", "flags": [1, 2.5, true, null], "nested": {"a": 1, "b": "x"}}),
        );
        let reordered = node(
            serde_json::from_str(
                r#"{"nested": {"b": "x", "a": 1}, "flags": [1, 2.5, true, null], "cidr": "10.0.0.0/16"}"#,
            )
            .unwrap(),
        );
        assert_eq!(node_content_hash(&base), node_content_hash(&reordered));

        let mut variants = Vec::new();
        let mut renamed = base.clone();
        renamed.name = "main2".into();
        variants.push(renamed);
        let mut moved = base.clone();
        moved.region = "us-east-2".into();
        variants.push(moved);
        let mut other_account = base.clone();
        other_account.account = "222".into();
        variants.push(other_account);
        let mut retagged = base.clone();
        retagged.tags.insert("team".into(), "a".into());
        variants.push(retagged);
        variants.push(node(json!({"cidr": "10.0.0.0/16", "flags": [1, 2.5, true, null], "nested": {"a": 2, "b": "x"}})));
        variants.push(node(json!({"cidr": "10.0.0.0/16", "flags": [1, 2.5, false, null], "nested": {"a": 1, "b": "x"}})));
        variants.push(node(
            json!({"cidr": "10.0.0.0/16", "flags": [1, 2.5, true], "nested": {"a": 1, "b": "x"}}),
        ));
        variants.push(node(json!({"cidr": "10.0.0.0/16", "flags": [1, 2.5, true, null], "nested": {"a": "1", "b": "x"}})));
        // Field boundaries count: moving text from one field to the next is a change.
        variants.push(node(json!({"cidr": "10.0.0.0/1", "flags": [1, 2.5, true, null], "nested": {"a": 1, "b": "6x"}})));
        let base_hash = node_content_hash(&base);
        let mut hashes: Vec<i64> = variants.iter().map(node_content_hash).collect();
        assert!(hashes.iter().all(|hash| *hash != base_hash));
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(
            hashes.len(),
            variants.len(),
            "variants must differ from each other too"
        );
    }

    #[test]
    fn edge_content_hash_sees_kind_ends_and_properties() {
        let vpc = NodeId::parse("aws:us-east-1:aws.ec2.vpc:vpc-1").unwrap();
        let subnet = NodeId::parse("aws:us-east-1:aws.ec2.subnet:subnet-1").unwrap();
        let edge = Edge::new(EdgeKind::Contains, vpc.clone(), subnet.clone());
        let mut with_property = edge.clone();
        with_property.properties = json!({"port": 443});
        let reversed = Edge::new(EdgeKind::Contains, subnet, vpc);
        let hash = edge_content_hash(&edge);
        assert_eq!(hash, edge_content_hash(&edge.clone()));
        assert_ne!(hash, edge_content_hash(&with_property));
        assert_ne!(hash, edge_content_hash(&reversed));
    }
}
