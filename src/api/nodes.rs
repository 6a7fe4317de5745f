//! Nodes under `/api/v1/tenants/{tenant}/nodes`: list (filters, sort, page or cursor), get,
//! create, delete.

use std::collections::BTreeMap;

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
use crate::model::{Node, NodeId, NodeType};
use crate::store::{self, nodes::NodeFilter, nodes::StoredNode};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, delete))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NodeDto {
    /// `provider:region:type:resource-id`.
    id: String,
    #[serde(rename = "type")]
    #[schema(value_type = NodeTypeName)]
    node_type: String,
    provider: String,
    region: String,
    account: String,
    name: String,
    tags: BTreeMap<String, String>,
    /// Typed properties per node type (security group rules, routes, public IP…).
    #[schema(value_type = Object)]
    properties: Value,
    first_seen: chrono::DateTime<chrono::Utc>,
    last_seen: chrono::DateTime<chrono::Utc>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<StoredNode> for NodeDto {
    fn from(stored: StoredNode) -> Self {
        NodeDto {
            id: stored.node.id.to_string(),
            node_type: stored.node.node_type.as_str().to_string(),
            provider: stored.node.provider,
            region: stored.node.region,
            account: stored.node.account,
            name: stored.node.name,
            tags: stored.node.tags,
            properties: stored.node.properties,
            first_seen: stored.first_seen,
            last_seen: stored.last_seen,
            created_at: stored.created_at,
            updated_at: stored.updated_at,
        }
    }
}

/// A node to create; the id decides provider, region and type (given ones must agree with it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateNode {
    /// `provider:region:type:resource-id`, e.g. `aws:us-east-1:aws.ec2.instance:i-0abc`.
    #[schema(schema_with = schema::node_id_schema)]
    id: String,
    /// Must be the type named in `id`.
    #[serde(rename = "type")]
    #[schema(value_type = Option<NodeTypeName>)]
    node_type: Option<String>,
    /// Must be the provider named in `id`.
    provider: Option<String>,
    /// Must be the region named in `id`.
    region: Option<String>,
    account: Option<String>,
    /// Defaults to the resource id.
    name: Option<String>,
    #[schema(value_type = Option<schema::Tags>)]
    tags: Option<BTreeMap<String, String>>,
    #[schema(value_type = Option<schema::JsonObject>)]
    properties: Option<Value>,
}

/// A node type name (`aws.ec2.instance`, …).
struct NodeTypeName;

impl utoipa::PartialSchema for NodeTypeName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(schema::node_type_names()))
            .into()
    }
}

impl utoipa::ToSchema for NodeTypeName {}

path_params!(NodePath {
    "tenant" => "Tenant id (slug)",
    "node_id" => "Node id (`provider:region:type:resource-id`)",
});

query_params!(NodeListQuery => {
    let mut parameters = vec![
        schema::comma_list_parameter(
            "types",
            "Node types, comma-separated",
            &schema::node_type_names(),
        ),
        schema::text_parameter("region", "Exact region"),
        schema::text_parameter("provider", "Exact provider"),
        schema::text_parameter("account", "Exact account"),
        schema::text_parameter("q", "Name contains (case-insensitive)"),
        schema::query_parameter(
            "tag",
            "`key:value`, repeatable; every tag must match",
            utoipa::openapi::ArrayBuilder::new().items(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::String)
                    .pattern(Some("^[^:\\x00]+:[^\\x00]*$")),
            ),
        ),
    ];
    parameters.extend(schema::list_parameters(
        store::nodes::SORT_COLUMNS,
        "created_at",
    ));
    parameters
});

/// Validates a create request into a node; the id decides provider, region and type.
fn node_from_request(body: CreateNode) -> Result<Node, ApiError> {
    let id = NodeId::parse(&body.id).map_err(|error| ApiError::Validation(error.to_string()))?;
    if super::internet::is_internet(id.as_str()) {
        return Err(ApiError::Validation(
            "the internet node is derived from the graph's exposure; it cannot be created"
                .to_string(),
        ));
    }
    if let Some(node_type) = &body.node_type {
        let node_type =
            NodeType::parse(node_type).map_err(|error| ApiError::Validation(error.to_string()))?;
        if node_type != id.node_type() {
            return Err(ApiError::Validation(format!(
                "`type` is `{node_type}` but the id says `{}`",
                id.node_type()
            )));
        }
    }
    for (field, given, from_id) in [
        ("provider", &body.provider, id.provider()),
        ("region", &body.region, id.region()),
    ] {
        if let Some(given) = given
            && given != from_id
        {
            return Err(ApiError::Validation(format!(
                "`{field}` is `{given}` but the id says `{from_id}`"
            )));
        }
    }
    let properties = body
        .properties
        .unwrap_or_else(|| Value::Object(Default::default()));
    if !properties.is_object() {
        return Err(ApiError::Validation(
            "`properties` must be a JSON object".to_string(),
        ));
    }
    let node = Node {
        node_type: id.node_type(),
        provider: id.provider().to_string(),
        region: id.region().to_string(),
        account: body.account.unwrap_or_default(),
        name: body.name.unwrap_or_else(|| id.resource_id().to_string()),
        tags: body.tags.unwrap_or_default(),
        properties,
        id,
    };
    node.check_lengths().map_err(ApiError::Validation)?;
    Ok(node)
}

fn filter_from_query(query: &QueryParams) -> Result<NodeFilter, ApiError> {
    let types = query
        .comma_list("types")
        .iter()
        .map(|name| NodeType::parse(name).map_err(|error| ApiError::Validation(error.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let tags = query
        .all("tag")
        .iter()
        .map(|pair| match pair.split_once(':') {
            Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
            _ => Err(ApiError::Validation(format!(
                "`tag` must look like `key:value`, got `{pair}`"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(NodeFilter {
        types,
        region: query.non_empty("region")?,
        provider: query.non_empty("provider")?,
        account: query.non_empty("account")?,
        name_contains: query.non_empty("q")?,
        tags,
    })
}

/// Lists nodes with filters, sort and page or cursor.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/nodes",
    tag = "graph",
    params(TenantPath, NodeListQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ListEnvelope<NodeDto>))
)]
async fn list(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<ListEnvelope<NodeDto>>, ApiError> {
    let mut allowed = vec!["types", "region", "provider", "account", "q", "tag"];
    allowed.extend_from_slice(PAGING_KEYS);
    query.only(&allowed)?;
    let filter = filter_from_query(&query)?;
    let sort = query.sort(store::nodes::SORT_COLUMNS, "created_at")?;
    let request = query.page_request(&sort)?;
    // `types=internet` asks for the derived internet node (`api/internet.rs`), not the store.
    if filter.types == [NodeType::Internet] {
        let page =
            super::internet::node_page(&state, context.tenant_id(), &filter, &request).await?;
        return Ok(envelope::list(page, &request, NodeDto::from));
    }
    let page =
        store::nodes::list(&state.pool, context.tenant_id(), &filter, &sort, &request).await?;
    Ok(envelope::list(page, &request, NodeDto::from))
}

/// Gets a node.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/nodes/{node_id}",
    tag = "graph",
    params(NodePath),
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<NodeDto>))
)]
async fn read(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, node_id)): ApiPath<(String, String)>,
) -> Result<Json<Envelope<NodeDto>>, ApiError> {
    // The internet node is derived from the snapshot, not stored (`api/internet.rs`).
    if super::internet::is_internet(&node_id) {
        let node = super::internet::node(&state, context.tenant_id())
            .await?
            .ok_or_else(|| ApiError::not_found("node"))?;
        return Ok(envelope::data(NodeDto::from(node)));
    }
    let node = store::nodes::get(&state.pool, context.tenant_id(), &node_id)
        .await
        .map_err(not_found_as_node)?;
    Ok(envelope::data(NodeDto::from(node)))
}

/// Creates a node (admins).
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/nodes",
    tag = "graph",
    params(TenantPath),
    request_body = CreateNode,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Envelope<NodeDto>),
        (status = 403, response = schema::Forbidden),
        (status = 409, response = schema::Conflict),
    )
)]
async fn create(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(body): ApiJson<CreateNode>,
) -> Result<(StatusCode, Json<Envelope<NodeDto>>), ApiError> {
    context.require_write()?;
    let node = node_from_request(body)?;
    let stored = store::nodes::create(&state.pool, context.tenant_id(), &node).await?;
    Ok((StatusCode::CREATED, envelope::data(NodeDto::from(stored))))
}

/// Deletes a node and its edges (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/tenants/{tenant}/nodes/{node_id}",
    tag = "graph",
    params(NodePath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = schema::Forbidden),
    )
)]
async fn delete(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiPath((_, node_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    context.require_write()?;
    store::nodes::delete(&state.pool, context.tenant_id(), &node_id)
        .await
        .map_err(not_found_as_node)?;
    Ok(StatusCode::NO_CONTENT)
}

fn not_found_as_node(error: store::Error) -> ApiError {
    match error {
        store::Error::NotFound => ApiError::not_found("node"),
        other => other.into(),
    }
}
