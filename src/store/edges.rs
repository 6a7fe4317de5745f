//! Edges of a tenant's graph: create (both ends must exist), get, list with filters, delete.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::Error;
use super::paging::{self, Page, PageRequest, Sort, SortColumn};
use crate::model::{Edge, EdgeKind, NodeId};

pub const SORT_COLUMNS: &[SortColumn] = &[
    SortColumn {
        field: "created_at",
        column: "created_at",
        sql_type: "timestamptz",
    },
    SortColumn {
        field: "kind",
        column: "kind",
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
];

#[derive(Debug, Clone, PartialEq)]
pub struct StoredEdge {
    pub edge: Edge,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct EdgeRow {
    id: String,
    kind: String,
    src: String,
    dst: String,
    properties: sqlx::types::Json<serde_json::Value>,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<EdgeRow> for StoredEdge {
    type Error = Error;

    fn try_from(row: EdgeRow) -> Result<Self, Error> {
        let corrupt = |message: String| Error::Corrupt(message);
        Ok(StoredEdge {
            edge: Edge {
                id: row.id,
                kind: EdgeKind::parse(&row.kind).map_err(|error| corrupt(error.to_string()))?,
                src: NodeId::parse(&row.src).map_err(|error| corrupt(error.to_string()))?,
                dst: NodeId::parse(&row.dst).map_err(|error| corrupt(error.to_string()))?,
                properties: row.properties.0,
            },
            first_seen: row.first_seen,
            last_seen: row.last_seen,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A live edge's `last_seen`: its row's, or its scope's last completed scan when later (a rescan
/// moves one `scope_scans` row per scope, not every row; see `store::reconcile`). An edge's scope
/// is its source node's, copied onto it when it is written (`scope_*`).
const LAST_SEEN: &str = "GREATEST(edges.last_seen, (SELECT s.seen_at FROM scope_scans s
    WHERE s.tenant_id = edges.tenant_id AND s.provider = edges.scope_provider
      AND s.account = edges.scope_account AND s.region = edges.scope_region))";

const COLUMNS: &str = "id, kind, src, dst, properties, first_seen,
    GREATEST(edges.last_seen, (SELECT s.seen_at FROM scope_scans s
        WHERE s.tenant_id = edges.tenant_id AND s.provider = edges.scope_provider
          AND s.account = edges.scope_account AND s.region = edges.scope_region)) AS last_seen,
    created_at, updated_at";

/// Edges for `store::by_last_seen`: an edge's scope is its source node's.
const SCOPED: super::by_last_seen::ScopedTable = super::by_last_seen::ScopedTable {
    table: "edges",
    scope_columns: ["scope_provider", "scope_account", "scope_region"],
    select_columns: "id, kind, src, dst, properties, first_seen, effective_last_seen AS last_seen,
        created_at, updated_at",
};

/// The stored columns as they are, for `RETURNING` (an edge just written was seen now) and
/// snapshot loads (which keep no times).
const ROW_COLUMNS: &str =
    "id, kind, src, dst, properties, first_seen, last_seen, created_at, updated_at";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EdgeFilter {
    pub kind: Option<EdgeKind>,
    pub src: Option<String>,
    pub dst: Option<String>,
    /// Either end.
    pub node: Option<String>,
}

/// Creates an edge. Both ends must be live nodes of the tenant (checked in the same statement);
/// a live edge with the same id is a conflict.
pub async fn create(pool: &PgPool, tenant_id: &str, edge: &Edge) -> Result<StoredEdge, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let ends: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT id, provider, account, region FROM nodes
         WHERE tenant_id = $1 AND id IN ($2, $3) AND deleted_at IS NULL FOR SHARE",
    )
    .bind(tenant_id)
    .bind(edge.src.as_str())
    .bind(edge.dst.as_str())
    .fetch_all(&mut *transaction)
    .await?;
    for end in [&edge.src, &edge.dst] {
        if !ends.iter().any(|(found, ..)| found == end.as_str()) {
            return Err(Error::InvalidReference(format!(
                "node `{end}` does not exist in this tenant"
            )));
        }
    }
    // The edge's scope is its source node's (its `last_seen` follows that scope's scans).
    let Some((_, provider, account, region)) = ends
        .into_iter()
        .find(|(found, ..)| found == edge.src.as_str())
    else {
        return Err(Error::InvalidReference(format!(
            "node `{}` does not exist in this tenant",
            edge.src
        )));
    };
    let row: Option<EdgeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO edges (tenant_id, id, kind, src, dst, properties, scope_provider, scope_account, scope_region)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (tenant_id, id) DO UPDATE SET properties = EXCLUDED.properties, deleted_at = NULL,
            scope_provider = EXCLUDED.scope_provider, scope_account = EXCLUDED.scope_account,
            scope_region = EXCLUDED.scope_region,
            first_seen = EXCLUDED.first_seen, last_seen = EXCLUDED.last_seen,
            updated_at = EXCLUDED.updated_at, content_hash = NULL
         WHERE edges.deleted_at IS NOT NULL
         RETURNING {ROW_COLUMNS}"
    )))
    .bind(tenant_id)
    .bind(&edge.id)
    .bind(edge.kind.as_str())
    .bind(edge.src.as_str())
    .bind(edge.dst.as_str())
    .bind(sqlx::types::Json(&edge.properties))
    .bind(provider)
    .bind(account)
    .bind(region)
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(row) = row else {
        return Err(Error::Conflict(format!(
            "edge `{}` ({} from `{}` to `{}`) already exists",
            edge.id, edge.kind, edge.src, edge.dst
        )));
    };
    super::tenants::bump_graph_generation(&mut transaction, tenant_id).await?;
    transaction.commit().await?;
    row.try_into()
}

pub async fn get(pool: &PgPool, tenant_id: &str, id: &str) -> Result<StoredEdge, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let row: EdgeRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM edges WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL"
    )))
    .bind(tenant_id)
    .bind(id)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    row.try_into()
}

fn push_filters(builder: &mut QueryBuilder<Postgres>, tenant_id: &str, filter: &EdgeFilter) {
    builder.push(" WHERE tenant_id = ");
    builder.push_bind(tenant_id.to_string());
    builder.push(" AND deleted_at IS NULL");
    if let Some(kind) = filter.kind {
        builder.push(" AND kind = ");
        builder.push_bind(kind.as_str().to_string());
    }
    for (column, value) in [("src", &filter.src), ("dst", &filter.dst)] {
        if let Some(value) = value {
            builder.push(format!(" AND {column} = "));
            builder.push_bind(value.clone());
        }
    }
    if let Some(node) = &filter.node {
        builder.push(" AND (src = ");
        builder.push_bind(node.clone());
        builder.push(" OR dst = ");
        builder.push_bind(node.clone());
        builder.push(")");
    }
}

pub async fn list(
    pool: &PgPool,
    tenant_id: &str,
    filter: &EdgeFilter,
    sort: &Sort,
    request: &PageRequest,
) -> Result<Page<StoredEdge>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let mut count =
        super::totals::count_query("edges", super::totals::Generation::Graph, tenant_id);
    push_filters(&mut count, tenant_id, filter);
    let total = super::totals::total(
        &mut transaction,
        "edges",
        super::totals::Generation::Graph,
        tenant_id,
        format!("{filter:?}"),
        count,
    )
    .await?;

    // As for nodes: `last_seen` merges per-scope index ranges (`store::by_last_seen`).
    let scopes = match sort.column.field {
        "last_seen" => SCOPED.scopes(&mut transaction, tenant_id).await?,
        _ => None,
    };
    let mut select = match &scopes {
        Some(scopes) => SCOPED.page_query(
            scopes,
            |_| true,
            &[|builder: &mut QueryBuilder<Postgres>| push_filters(builder, tenant_id, filter)],
            sort,
            request,
        )?,
        None => {
            let mut select = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM edges"));
            push_filters(&mut select, tenant_id, filter);
            if let Some(cursor) = &request.cursor {
                paging::push_keyset(&mut select, sort, cursor);
            }
            paging::push_order_and_limit(&mut select, sort, request);
            select
        }
    };
    let rows: Vec<EdgeRow> = select.build_query_as().fetch_all(&mut *transaction).await?;
    transaction.commit().await?;
    let edges = rows
        .into_iter()
        .map(StoredEdge::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paging::finish_page(edges, total, sort, request, |stored| {
        let value = match sort.column.field {
            "kind" => stored.edge.kind.as_str().to_string(),
            "first_seen" => paging::timestamp_cursor_value(&stored.first_seen),
            "last_seen" => paging::timestamp_cursor_value(&stored.last_seen),
            _ => paging::timestamp_cursor_value(&stored.created_at),
        };
        (value, stored.edge.id.clone())
    }))
}

pub async fn delete(pool: &PgPool, tenant_id: &str, id: &str) -> Result<(), Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let deleted =
        sqlx::query("DELETE FROM edges WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL")
            .bind(tenant_id)
            .bind(id)
            .execute(&mut *transaction)
            .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    super::tenants::bump_graph_generation(&mut transaction, tenant_id).await?;
    transaction.commit().await?;
    Ok(())
}

/// Every live edge of the tenant, for building a graph snapshot.
pub async fn load_live(pool: &PgPool, tenant_id: &str) -> Result<Vec<Edge>, Error> {
    let mut transaction = super::tenant_transaction(pool, tenant_id).await?;
    let rows: Vec<EdgeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ROW_COLUMNS} FROM edges WHERE tenant_id = $1 AND deleted_at IS NULL"
    )))
    .bind(tenant_id)
    .fetch_all(&mut *transaction)
    .await?;
    transaction.commit().await?;
    rows.into_iter()
        .map(|row| StoredEdge::try_from(row).map(|stored| stored.edge))
        .collect()
}
