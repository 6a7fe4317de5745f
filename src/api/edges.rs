//! Edges under `/api/v1/tenants/{tenant}/edges`: list (filters `kind`, `src`, `dst`, `node`),
//! get, create (both ends must exist in the tenant), delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, PAGING_KEYS, QueryParams};
use super::{AppState, TenantContext, envelope};
use crate::model::{Edge, EdgeKind, NodeId};
use crate::store::{self, edges::EdgeFilter, edges::StoredEdge};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants/{tenant}/edges", get(list).post(create))
        .route(
            "/api/v1/tenants/{tenant}/edges/{edge_id}",
            get(read).delete(delete),
        )
}

#[derive(Debug, Serialize)]
struct EdgeDto {
    id: String,
    kind: String,
    src: String,
    dst: String,
    properties: Value,
    first_seen: chrono::DateTime<chrono::Utc>,
    last_seen: chrono::DateTime<chrono::Utc>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<StoredEdge> for EdgeDto {
    fn from(stored: StoredEdge) -> Self {
        EdgeDto {
            id: stored.edge.id,
            kind: stored.edge.kind.as_str().to_string(),
            src: stored.edge.src.to_string(),
            dst: stored.edge.dst.to_string(),
            properties: stored.edge.properties,
            first_seen: stored.first_seen,
            last_seen: stored.last_seen,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateEdge {
    kind: String,
    src: String,
    dst: String,
    properties: Option<Value>,
}

fn edge_from_request(body: CreateEdge) -> Result<Edge, ApiError> {
    let kind =
        EdgeKind::parse(&body.kind).map_err(|error| ApiError::Validation(error.to_string()))?;
    let src = NodeId::parse(&body.src)
        .map_err(|error| ApiError::Validation(format!("`src`: {error}")))?;
    let dst = NodeId::parse(&body.dst)
        .map_err(|error| ApiError::Validation(format!("`dst`: {error}")))?;
    if src == dst {
        return Err(ApiError::Validation(
            "`src` and `dst` must be different nodes".to_string(),
        ));
    }
    let properties = body
        .properties
        .unwrap_or_else(|| Value::Object(Default::default()));
    if !properties.is_object() {
        return Err(ApiError::Validation(
            "`properties` must be a JSON object".to_string(),
        ));
    }
    Ok(Edge::new(kind, src, dst).with_properties(properties))
}

async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    let mut allowed = vec!["kind", "src", "dst", "node"];
    allowed.extend_from_slice(PAGING_KEYS);
    query.only(&allowed)?;
    let kind = query
        .non_empty("kind")?
        .map(|kind| EdgeKind::parse(&kind).map_err(|error| ApiError::Validation(error.to_string())))
        .transpose()?;
    let filter = EdgeFilter {
        kind,
        src: query.non_empty("src")?,
        dst: query.non_empty("dst")?,
        node: query.non_empty("node")?,
    };
    let sort = query.sort(store::edges::SORT_COLUMNS, "created_at")?;
    let request = query.page_request(&sort)?;
    let page =
        store::edges::list(&state.pool, context.tenant_id(), &filter, &sort, &request).await?;
    Ok(envelope::list(page, &request, EdgeDto::from))
}

async fn read(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, edge_id)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let edge = store::edges::get(&state.pool, context.tenant_id(), &edge_id)
        .await
        .map_err(not_found_as_edge)?;
    Ok(envelope::data(EdgeDto::from(edge)))
}

async fn create(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(body): ApiJson<CreateEdge>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    context.require_write()?;
    let edge = edge_from_request(body)?;
    let stored = store::edges::create(&state.pool, context.tenant_id(), &edge).await?;
    Ok((StatusCode::CREATED, envelope::data(EdgeDto::from(stored))))
}

async fn delete(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, edge_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    context.require_write()?;
    store::edges::delete(&state.pool, context.tenant_id(), &edge_id)
        .await
        .map_err(not_found_as_edge)?;
    Ok(StatusCode::NO_CONTENT)
}

fn not_found_as_edge(error: store::Error) -> ApiError {
    match error {
        store::Error::NotFound => ApiError::not_found("edge"),
        other => other.into(),
    }
}
