//! Edges under `/api/v1/tenants/{tenant}/edges`: list (filters `kind`, `src`, `dst`, `node`),
//! get, create (both ends must exist in the tenant), delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::{Envelope, ListEnvelope};
use super::error::ApiError;
use super::extract::{ApiJson, ApiPath, PAGING_KEYS, QueryParams};
use super::schema::{self, TenantPath, path_params, query_params};
use super::{AppState, TenantContext, envelope};
use crate::model::{Edge, EdgeKind, NodeId};
use crate::store::{self, edges::EdgeFilter, edges::StoredEdge};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, delete))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct EdgeDto {
    /// Deterministic from (kind, src, dst).
    id: String,
    #[schema(value_type = EdgeKindName)]
    kind: String,
    src: String,
    dst: String,
    #[schema(value_type = Object)]
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

/// An edge to create; both ends must exist in the tenant and differ.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateEdge {
    #[schema(value_type = EdgeKindName)]
    kind: String,
    #[schema(schema_with = schema::node_id_schema)]
    src: String,
    #[schema(schema_with = schema::node_id_schema)]
    dst: String,
    #[schema(value_type = Option<schema::JsonObject>)]
    properties: Option<Value>,
}

fn edge_kind_names() -> Vec<&'static str> {
    EdgeKind::ALL.iter().map(|kind| kind.as_str()).collect()
}

/// An edge kind (`contains`, `member_of`, …).
struct EdgeKindName;

impl utoipa::PartialSchema for EdgeKindName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(edge_kind_names()))
            .into()
    }
}

impl utoipa::ToSchema for EdgeKindName {}

path_params!(EdgePath {
    "tenant" => "Tenant id (slug)",
    "edge_id" => "Edge id",
});

query_params!(EdgeListQuery => {
    let mut parameters = vec![
        schema::query_parameter(
            "kind",
            "Edge kind",
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::String)
                .enum_values(Some(edge_kind_names())),
        ),
        schema::text_parameter("src", "Source node id"),
        schema::text_parameter("dst", "Destination node id"),
        schema::text_parameter("node", "Either end is this node id"),
    ];
    parameters.extend(schema::list_parameters(
        store::edges::SORT_COLUMNS,
        "created_at",
    ));
    parameters
});

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

/// Lists edges with filters, sort and page or cursor.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/edges",
    tag = "graph",
    params(TenantPath, EdgeListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ListEnvelope<EdgeDto>))
)]
async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<ListEnvelope<EdgeDto>>, ApiError> {
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
    // Edges of the internet node are derived from the snapshot, not stored (`api/internet.rs`).
    let names_internet = [&filter.src, &filter.dst, &filter.node]
        .into_iter()
        .flatten()
        .any(|raw| super::internet::is_internet(raw));
    if names_internet {
        let wanted = super::internet::EdgeQuery {
            kind: filter.kind,
            src: filter.src.as_deref(),
            dst: filter.dst.as_deref(),
            node: filter.node.as_deref(),
        };
        let page =
            super::internet::edges(&state, context.tenant_id(), &wanted, &sort, &request).await?;
        return Ok(envelope::list(page, &request, EdgeDto::from));
    }
    let page =
        store::edges::list(&state.pool, context.tenant_id(), &filter, &sort, &request).await?;
    Ok(envelope::list(page, &request, EdgeDto::from))
}

/// Gets an edge.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/edges/{edge_id}",
    tag = "graph",
    params(EdgePath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<EdgeDto>))
)]
async fn read(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, edge_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<EdgeDto>>, ApiError> {
    let edge = match store::edges::get(&state.pool, context.tenant_id(), &edge_id).await {
        Ok(edge) => edge,
        // Not stored: perhaps an edge of the internet node, derived from the snapshot.
        Err(store::Error::NotFound) => super::internet::edge(&state, context.tenant_id(), &edge_id)
            .await?
            .ok_or_else(|| ApiError::not_found("edge"))?,
        Err(other) => return Err(not_found_as_edge(other)),
    };
    Ok(envelope::data(EdgeDto::from(edge)))
}

/// Creates an edge between two existing nodes (admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/edges",
    tag = "graph",
    params(TenantPath),
    request_body = CreateEdge,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Envelope<EdgeDto>),
        (status = 403, response = schema::Forbidden),
        (status = 409, response = schema::Conflict),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(body): ApiJson<CreateEdge>,
) -> Result<(StatusCode, Json<Envelope<EdgeDto>>), ApiError> {
    context.require_write()?;
    let edge = edge_from_request(body)?;
    let stored = store::edges::create(&state.pool, context.tenant_id(), &edge).await?;
    Ok((StatusCode::CREATED, envelope::data(EdgeDto::from(stored))))
}

/// Deletes an edge (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/edges/{edge_id}",
    tag = "graph",
    params(EdgePath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = schema::Forbidden),
    )
)]
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
