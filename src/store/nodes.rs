//! Nodes of a tenant's graph: create, get, list with filters and paging, delete, and loading all
//! live nodes for a graph snapshot.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::Error;
use super::paging::{self, Page, PageRequest, Sort, SortColumn};
use crate::model::{Node, NodeId, NodeType};

/// Columns a node list may be sorted by.
pub const SORT_COLUMNS: &[SortColumn] = &[
    SortColumn {
        field: "name",
        column: "name",
        sql_type: "text",
    },
    SortColumn {
        field: "type",
        column: "type",
        sql_type: "text",
    },
    SortColumn {
        field: "first_seen",
        column: "first_seen",
        sql_type: "timestamptz",
    },
    SortColumn {
        field: "last_seen",
        column: LAST_SEEN,
        sql_type: "timestamptz",
    },
    SortColumn {
        field: "created_at",
        column: "created_at",
        sql_type: "timestamptz",
    },
];

/// A node as stored, with its timestamps.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredNode {
    pub node: Node,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct NodeRow {
    id: String,
    #[sqlx(rename = "type")]
    node_type: String,
    provider: String,
    region: String,
    account: String,
    name: String,
    tags: sqlx::types::Json<BTreeMap<String, String>>,
    properties: sqlx::types::Json<serde_json::Value>,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<NodeRow> for StoredNode {
    type Error = Error;

    fn try_from(row: NodeRow) -> Result<Self, Error> {
        let id = NodeId::parse(&row.id).map_err(|error| Error::Corrupt(error.to_string()))?;
        let node_type =
            NodeType::parse(&row.node_type).map_err(|error| Error::Corrupt(error.to_string()))?;
        Ok(StoredNode {
            node: Node {
                id,
                node_type,
                provider: row.provider,
                region: row.region,
                account: row.account,
                name: row.name,
                tags: row.tags.0,
                properties: row.properties.0,
            },
            first_seen: row.first_seen,
            last_seen: row.last_seen,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A live node's `last_seen`: its row's, or its scope's last completed scan when later (a rescan
/// moves one `scope_scans` row per scope, not every row; see `store::reconcile`).
const LAST_SEEN: &str = "GREATEST(nodes.last_seen, (SELECT s.seen_at FROM scope_scans s
    WHERE s.tenant_id = nodes.tenant_id AND s.provider = nodes.provider
      AND s.account = nodes.account AND s.region = nodes.region))";

const COLUMNS: &str = "id, type, provider, region, account, name, tags, properties, first_seen,
    GREATEST(nodes.last_seen, (SELECT s.seen_at FROM scope_scans s
        WHERE s.tenant_id = nodes.tenant_id AND s.provider = nodes.provider
          AND s.account = nodes.account AND s.region = nodes.region)) AS last_seen,
    created_at, updated_at";

/// Nodes for `store::by_last_seen`: a node's scope is its own provider, account and region.
const SCOPED: super::by_last_seen::ScopedTable = super::by_last_seen::ScopedTable {
    table: "nodes",
    scope_columns: ["provider", "account", "region"],
    select_columns: "id, type, provider, region, account, name, tags, properties, first_seen,
        effective_last_seen AS last_seen, created_at, updated_at",
};

/// The stored columns as they are, for `RETURNING` (a node just written was seen now) and
/// snapshot loads (which keep no times).
const ROW_COLUMNS: &str = "id, type, provider, region, account, name, tags, properties, first_seen, last_seen, created_at, updated_at";

/// Filters of a node list; every given filter must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeFilter {
    pub types: Vec<NodeType>,
    pub region: Option<String>,
    pub provider: Option<String>,
    pub account: Option<String>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    /// `key:value` pairs, all required.
    pub tags: Vec<(String, String)>,
}

/// Creates a node. A live node with the same id is a conflict; a tombstoned one is revived (its
/// times from `EXCLUDED`, the columns' `DEFAULT now()`: Citus refuses `now()` in `DO UPDATE SET`).
pub async fn create(pool: &PgPool, tenant_id: &str, node: &Node) -> Result<StoredNode, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: Option<NodeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO nodes (tenant_id, id, type, provider, region, account, name, tags, properties)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, id) DO UPDATE SET
            type = EXCLUDED.type, provider = EXCLUDED.provider, region = EXCLUDED.region,
            account = EXCLUDED.account, name = EXCLUDED.name, tags = EXCLUDED.tags,
            properties = EXCLUDED.properties, deleted_at = NULL, first_seen = EXCLUDED.first_seen,
            last_seen = EXCLUDED.last_seen, updated_at = EXCLUDED.updated_at, content_hash = NULL
         WHERE nodes.deleted_at IS NOT NULL
         RETURNING {ROW_COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(node.id.as_str())
    .bind(node.node_type.as_str())
    .bind(&node.provider)
    .bind(&node.region)
    .bind(&node.account)
    .bind(&node.name)
    .bind(sqlx::types::Json(&node.tags))
    .bind(sqlx::types::Json(&node.properties))
    .fetch_optional(&mut *transaction)
    .await?;
    if row.is_some() {
        // Snapshots and list totals compare the generation: a created node moves it.
        super::tenants::bump_graph_generation(&mut transaction, tenant_id).await?;
    }
    transaction.commit().await?;
    match row {
        Some(row) => row.try_into(),
        None => Err(Error::Conflict(format!(
            "node `{}` already exists",
            node.id
        ))),
    }
}

pub async fn get(pool: &PgPool, tenant_id: &str, id: &str) -> Result<StoredNode, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: NodeRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM nodes WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL"
    )))
    .bind(tenant_id)
    .bind(id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    row.try_into()
}

/// True when every id names a live node of the tenant.
pub async fn all_exist(pool: &PgPool, tenant_id: &str, ids: &[&str]) -> Result<Vec<String>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let found: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM nodes WHERE tenant_id = $1 AND id = ANY($2) AND deleted_at IS NULL",
    )
    .bind(tenant_id)
    .bind(ids)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(ids
        .iter()
        .filter(|id| !found.iter().any(|found_id| found_id == *id))
        .map(|id| id.to_string())
        .collect())
}

fn push_filters(builder: &mut QueryBuilder<Postgres>, tenant_id: &str, filter: &NodeFilter) {
    builder.push(" WHERE tenant_id = ");
    builder.push_bind(tenant_id.to_string());
    builder.push(" AND deleted_at IS NULL");
    if !filter.types.is_empty() {
        let types: Vec<String> = filter
            .types
            .iter()
            .map(|t| t.as_str().to_string())
            .collect();
        // One type as an equality: an index on `type` then gives rows in its order.
        if let [single] = types.as_slice() {
            builder.push(" AND type = ");
            builder.push_bind(single.clone());
        } else {
            builder.push(" AND type = ANY(");
            builder.push_bind(types);
            builder.push(")");
        }
    }
    for (column, value) in [
        ("region", &filter.region),
        ("provider", &filter.provider),
        ("account", &filter.account),
    ] {
        if let Some(value) = value {
            builder.push(format!(" AND {column} = "));
            builder.push_bind(value.clone());
        }
    }
    if let Some(needle) = &filter.name_contains {
        let escaped = needle
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        builder.push(" AND lower(name) LIKE ");
        builder.push_bind(format!("%{escaped}%"));
    }
    if !filter.tags.is_empty() {
        let required: serde_json::Map<String, serde_json::Value> = filter
            .tags
            .iter()
            .map(|(key, value)| (key.clone(), serde_json::Value::String(value.clone())))
            .collect();
        builder.push(" AND tags @> ");
        builder.push_bind(sqlx::types::Json(serde_json::Value::Object(required)));
    }
}

pub async fn list(
    pool: &PgPool,
    tenant_id: &str,
    filter: &NodeFilter,
    sort: &Sort,
    request: &PageRequest,
) -> Result<Page<StoredNode>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let mut count =
        super::totals::count_query("nodes", super::totals::Generation::Graph, tenant_id);
    push_filters(&mut count, tenant_id, filter);
    let total = super::totals::total(
        &mut transaction,
        "nodes",
        super::totals::Generation::Graph,
        tenant_id,
        format!("{filter:?}"),
        count,
    )
    .await?;

    // `last_seen` is computed, so no index holds it: that sort merges per-scope index ranges
    // (`store::by_last_seen`) unless the tenant has too many scopes for one query.
    let scopes = match sort.column.field {
        "last_seen" => SCOPED.scopes(&mut transaction, tenant_id).await?,
        _ => None,
    };
    // One part per listed type (see `by_last_seen::ScopedTable::page_query`).
    let single_types: Vec<NodeFilter> = match filter.types.len() {
        0 => vec![filter.clone()],
        _ => filter
            .types
            .iter()
            .map(|node_type| NodeFilter {
                types: vec![*node_type],
                ..filter.clone()
            })
            .collect(),
    };
    let type_parts: Vec<_> = single_types
        .iter()
        .map(|single| {
            move |builder: &mut QueryBuilder<Postgres>| push_filters(builder, tenant_id, single)
        })
        .collect();
    let mut select = match &scopes {
        Some(scopes) => SCOPED.page_query(
            scopes,
            |scope| {
                [
                    (&filter.provider, &scope.provider),
                    (&filter.account, &scope.account),
                    (&filter.region, &scope.region),
                ]
                .into_iter()
                .all(|(wanted, value)| wanted.as_ref().is_none_or(|wanted| wanted == value))
            },
            &type_parts,
            sort,
            request,
        )?,
        None => {
            let mut select = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM nodes"));
            push_filters(&mut select, tenant_id, filter);
            if let Some(cursor) = &request.cursor {
                paging::push_keyset(&mut select, sort, cursor);
            }
            paging::push_order_and_limit(&mut select, sort, request);
            select
        }
    };
    let rows: Vec<NodeRow> = select.build_query_as().fetch_all(&mut *transaction).await?;
    transaction.commit().await?;
    let nodes = rows
        .into_iter()
        .map(StoredNode::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paging::finish_page(nodes, total, sort, request, |stored| {
        (
            sort_value(stored, sort.column.field),
            stored.node.id.to_string(),
        )
    }))
}

fn sort_value(stored: &StoredNode, field: &str) -> String {
    match field {
        "name" => stored.node.name.clone(),
        "type" => stored.node.node_type.as_str().to_string(),
        "first_seen" => paging::timestamp_cursor_value(&stored.first_seen),
        "last_seen" => paging::timestamp_cursor_value(&stored.last_seen),
        _ => paging::timestamp_cursor_value(&stored.created_at),
    }
}

/// Deletes a node and every edge that touches it.
pub async fn delete(pool: &PgPool, tenant_id: &str, id: &str) -> Result<(), Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let deleted =
        sqlx::query("DELETE FROM nodes WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *transaction)
            .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    sqlx::query("DELETE FROM edges WHERE tenant_id = $1 AND (src = $2 OR dst = $2)")
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    super::tenants::bump_graph_generation(&mut transaction, tenant_id).await?;
    transaction.commit().await?;
    Ok(())
}

/// A live node with the content hash its last reconcile stored (none when the API wrote it).
#[derive(sqlx::FromRow)]
struct LiveNodeRow {
    #[sqlx(flatten)]
    row: NodeRow,
    content_hash: Option<i64>,
}

/// Every live node of the tenant with its stored content hash, for building a graph snapshot
/// (`TenantGraph::build_with_content_hashes`).
pub async fn load_live(pool: &PgPool, tenant_id: &str) -> Result<Vec<(Node, Option<i64>)>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let rows: Vec<LiveNodeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROW_COLUMNS}, content_hash FROM nodes WHERE tenant_id = $1 AND deleted_at IS NULL"
    )))
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    rows.into_iter()
        .map(|live| StoredNode::try_from(live.row).map(|stored| (stored.node, live.content_hash)))
        .collect()
}
