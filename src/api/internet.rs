//! The `internet` pseudo-node under the node and edge routes. It is derived from the tenant's
//! current snapshot (`Snapshot::internet`: attached gateways → internet → exposed resources),
//! never stored, so `GET /nodes/{internet id}` and edge lists that name it by `src`, `dst` or
//! `node` answer from the snapshot; every other node and edge comes from the store. No route of
//! its own: `nodes.rs` and `edges.rs` call in here when the id is the internet's.

use chrono::{DateTime, Utc};

use super::AppState;
use super::error::ApiError;
use crate::model::{Edge, EdgeKind, Node, NodeId};
use crate::store::edges::StoredEdge;
use crate::store::nodes::{NodeFilter, StoredNode};
use crate::store::paging::{self, Page, PageRequest, Sort};

/// Whether `raw` names the internet node.
pub fn is_internet(raw: &str) -> bool {
    raw == crate::model::INTERNET_NODE_ID
}

/// The internet node and its edges in the tenant's current snapshot, with the snapshot's build
/// time as their timestamps (they exist as long as the snapshot they derive from).
async fn neighbourhood(
    state: &AppState,
    tenant_id: &str,
) -> Result<Option<(Node, Vec<Edge>, DateTime<Utc>)>, ApiError> {
    let snapshot = state.snapshots.current(&state.pool, tenant_id).await?;
    tokio::task::spawn_blocking(move || {
        snapshot
            .internet()
            .map(|found| (found.node.clone(), found.edges.clone(), snapshot.built_at))
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("internet node task failed: {error}")))
}

/// The internet node, as `GET /nodes/{id}` answers it; `None` when nothing reaches the internet.
pub async fn node(state: &AppState, tenant_id: &str) -> Result<Option<StoredNode>, ApiError> {
    Ok(neighbourhood(state, tenant_id)
        .await?
        .map(|(node, _, built_at)| StoredNode {
            node,
            first_seen: built_at,
            last_seen: built_at,
            created_at: built_at,
            updated_at: built_at,
        }))
}

fn stored(edge: Edge, built_at: DateTime<Utc>) -> StoredEdge {
    StoredEdge {
        edge,
        first_seen: built_at,
        last_seen: built_at,
        created_at: built_at,
        updated_at: built_at,
    }
}

/// One edge of the internet node by id, as `GET /edges/{id}` answers it.
pub async fn edge(
    state: &AppState,
    tenant_id: &str,
    edge_id: &str,
) -> Result<Option<StoredEdge>, ApiError> {
    let Some((_, edges, built_at)) = neighbourhood(state, tenant_id).await? else {
        return Ok(None);
    };
    Ok(edges
        .into_iter()
        .find(|edge| edge.id == edge_id)
        .map(|edge| stored(edge, built_at)))
}

/// `GET /nodes?types=internet`: the internet node when it exists and matches the other filters
/// (its provider and region are `global`, its account empty, its name `internet`, no tags).
pub async fn node_page(
    state: &AppState,
    tenant_id: &str,
    filter: &NodeFilter,
    request: &PageRequest,
) -> Result<Page<StoredNode>, ApiError> {
    let found = node(state, tenant_id).await?.filter(|stored| {
        let node = &stored.node;
        filter
            .region
            .as_deref()
            .is_none_or(|region| region == node.region)
            && filter
                .provider
                .as_deref()
                .is_none_or(|provider| provider == node.provider)
            && filter
                .account
                .as_deref()
                .is_none_or(|account| account == node.account)
            && filter
                .name_contains
                .as_deref()
                .is_none_or(|text| node.name.to_lowercase().contains(&text.to_lowercase()))
            && filter
                .tags
                .iter()
                .all(|(key, value)| node.tags.get(key) == Some(value))
    });
    let total = i64::from(found.is_some());
    // One node at most: it is on the first page, and a cursor can only point past it.
    let items = if request.page <= 1 && request.cursor.is_none() {
        found.into_iter().collect()
    } else {
        Vec::new()
    };
    Ok(Page {
        items,
        total,
        next_cursor: None,
    })
}

/// What an edge list asks for.
pub struct EdgeQuery<'a> {
    pub kind: Option<EdgeKind>,
    pub src: Option<&'a str>,
    pub dst: Option<&'a str>,
    pub node: Option<&'a str>,
}

/// The internet's edges matching `query`, one page of them. The edges share one timestamp, so
/// any sort orders them by id (reversed for a descending sort), and a cursor resumes after its id.
pub async fn edges(
    state: &AppState,
    tenant_id: &str,
    query: &EdgeQuery<'_>,
    sort: &Sort,
    request: &PageRequest,
) -> Result<Page<StoredEdge>, ApiError> {
    let Some((_, edges, built_at)) = neighbourhood(state, tenant_id).await? else {
        return Ok(Page {
            items: Vec::new(),
            total: 0,
            next_cursor: None,
        });
    };
    let named = |wanted: Option<&str>, id: &NodeId| wanted.is_none_or(|raw| raw == id.as_str());
    let mut matching: Vec<Edge> = edges
        .into_iter()
        .filter(|edge| query.kind.is_none_or(|kind| edge.kind == kind))
        .filter(|edge| named(query.src, &edge.src) && named(query.dst, &edge.dst))
        .filter(|edge| named(query.node, &edge.src) || named(query.node, &edge.dst))
        .collect();
    if sort.descending {
        matching.reverse();
    }
    let total = matching.len() as i64;
    let after: Vec<Edge> = match &request.cursor {
        Some(cursor) => matching
            .into_iter()
            .skip_while(|edge| {
                if sort.descending {
                    edge.id >= cursor.id
                } else {
                    edge.id <= cursor.id
                }
            })
            .collect(),
        None => matching
            .into_iter()
            .skip((request.page.saturating_sub(1) as usize) * request.per_page as usize)
            .collect(),
    };
    let rows: Vec<StoredEdge> = after
        .into_iter()
        .take(request.per_page as usize + 1)
        .map(|edge| stored(edge, built_at))
        .collect();
    Ok(paging::finish_page(rows, total, sort, request, |row| {
        (
            paging::timestamp_cursor_value(&row.created_at),
            row.edge.id.clone(),
        )
    }))
}
