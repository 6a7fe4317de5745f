//! `POST /api/v1/tenants/{tenant}/pathtracer/trace` and `GET /api/v1/tenants/{tenant}/exposure`.
//! Both run the path tracer over the tenant's current graph snapshot, off the async threads.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::{ApiJson, QueryParams};
use super::openapi::{self, TenantPath, envelope_schema, query_params};
use super::{AppState, TenantContext, envelope};
use crate::pathtrace::{self, TraceError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tenants/{tenant}/pathtracer/trace", post(trace))
        .route("/api/v1/tenants/{tenant}/exposure", get(exposure))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TraceRequest {
    source_node_id: String,
    destination_cidr: Option<String>,
    destination_node_id: Option<String>,
    #[serde(default, deserialize_with = "super::extract::optional_whole_number")]
    port: Option<i64>,
    #[serde(default = "tcp")]
    protocol: String,
}

fn tcp() -> String {
    "tcp".to_string()
}

const IPV4_CIDR_PATTERN: &str = "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$|^::/0$";

/// The trace request: a source, exactly one destination (`destination_cidr` or
/// `destination_node_id`), a protocol (default tcp) and a port (required for tcp and udp).
struct TraceBody;

impl utoipa::PartialSchema for TraceBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, OneOfBuilder, SchemaType};
        use utoipa::openapi::{ObjectBuilder, Type};
        let port = |nullable: bool| {
            ObjectBuilder::new()
                .schema_type(if nullable {
                    SchemaType::from_iter([Type::Integer, Type::Null])
                } else {
                    SchemaType::Type(Type::Integer)
                })
                .minimum(Some(0))
                .maximum(Some(65535))
        };
        let protocol = |names: &[&str]| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(names.iter().copied()))
        };
        let mut body = OneOfBuilder::new();
        for destination in ["destination_cidr", "destination_node_id"] {
            let destination_schema = if destination == "destination_cidr" {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(IPV4_CIDR_PATTERN))
                    .examples(["0.0.0.0/0"])
                    .into()
            } else {
                openapi::node_id_schema()
            };
            for port_required in [true, false] {
                let mut object = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property("source_node_id", openapi::node_id_schema())
                    .required("source_node_id")
                    .property(destination, destination_schema.clone())
                    .required(destination)
                    .additional_properties(Some(AdditionalProperties::FreeForm(false)));
                object = if port_required {
                    object
                        .property(
                            "protocol",
                            protocol(&["tcp", "udp", "TCP", "UDP", "6", "17"]),
                        )
                        .property("port", port(false))
                        .required("port")
                } else {
                    object
                        .property(
                            "protocol",
                            protocol(&["icmp", "all", "ICMP", "ALL", "1", "-1"]),
                        )
                        .required("protocol")
                        .property("port", port(true))
                };
                body = body.item(object);
            }
        }
        body.into()
    }
}

impl utoipa::ToSchema for TraceBody {}

/// One step of the path, with the exact rule or route that decided it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `pathtrace::Hop`.
struct Hop {
    #[schema(minimum = 1)]
    seq: u64,
    node_id: String,
    /// `security_group_egress`, `network_acl_outbound`, `route_table`, `internet_gateway`, …
    component: String,
    #[schema(value_type = HopVerdict)]
    verdict: String,
    /// The SG rule, NACL rule number or route (destination, prefix length, target) that decided.
    matched: Option<Value>,
    /// A stable reason code (`SG_NO_MATCHING_EGRESS_RULE`, `ROUTE_BLACKHOLE`, …).
    reason_code: String,
    text: String,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)] // A schema only: mirrors `pathtrace::Verdict`.
enum HopVerdict {
    Allow,
    Deny,
    Forward,
    Skip,
    Unknown,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(dead_code)] // A schema only: mirrors `pathtrace::Disposition`.
enum Disposition {
    Accepted,
    ExitsNetwork,
    DeniedOut,
    DeniedIn,
    NoRoute,
    Blackhole,
    InsufficientInfo,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `pathtrace::Explanation`.
struct Explanation {
    reason_code: String,
    text: String,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `pathtrace::BlockedAt`.
struct BlockedAt {
    seq: u64,
    component: String,
    node_id: String,
}

/// The verdict of a trace with hop-by-hop evidence both ways.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `pathtrace::TraceResult`.
struct TraceResult {
    reachable: bool,
    disposition: Disposition,
    forward_hops: Vec<Hop>,
    return_hops: Vec<Hop>,
    explanations: Vec<Explanation>,
    /// What was assumed where data was missing.
    assumptions: Vec<String>,
    blocked_at: Option<BlockedAt>,
}

/// An open port range on one protocol.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `pathtrace::exposure::OpenPorts`.
struct OpenPorts {
    /// `tcp`, `udp`, `icmp` or `all`.
    protocol: String,
    from_port: Option<u16>,
    to_port: Option<u16>,
    /// `ipv4` or `ipv6`.
    address_family: String,
}

/// A resource reachable from the internet, with its open ports and path proof.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: mirrors `pathtrace::exposure::ExposureEntry`.
struct ExposureEntry {
    node_id: String,
    node_type: String,
    public_address: Option<String>,
    open: Vec<OpenPorts>,
    path: Vec<Hop>,
}

/// The `meta` of the exposure list.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `exposure` writes it.
struct ExposureMeta {
    total: u64,
    page: u32,
    per_page: u32,
    total_pages: u64,
    /// The graph snapshot the analysis ran on.
    graph_generation: u64,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // A schema only: `exposure` writes it.
struct ExposureListEnvelope {
    data: Vec<ExposureEntry>,
    meta: ExposureMeta,
    error: openapi::Null,
}

envelope_schema!(TraceEnvelope, TraceResult);

query_params!(ExposureQuery => openapi::page_parameters());

/// Traces a flow from an instance or ENI to a CIDR or node, hop by hop.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/pathtracer/trace",
    tag = "network",
    params(TenantPath),
    request_body = TraceBody,
    security(("bearer" = [])),
    responses((status = 200, body = TraceEnvelope))
)]
async fn trace(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(body): ApiJson<TraceRequest>,
) -> Result<Json<Value>, ApiError> {
    let query = pathtrace::parse_query(
        &body.source_node_id,
        body.destination_cidr.as_deref(),
        body.destination_node_id.as_deref(),
        body.port,
        &body.protocol,
    )
    .map_err(|error| ApiError::Validation(error.to_string()))?;
    let snapshot = state
        .snapshots
        .current(&state.pool, context.tenant_id())
        .await?;
    let result = tokio::task::spawn_blocking(move || {
        pathtrace::trace_indexed(&snapshot.graph, Some(snapshot.path_index()), &query)
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("trace task failed: {error}")))?;
    match result {
        Ok(result) => Ok(envelope::data(result)),
        // A node named in the body is a bad reference, not a missing resource at this path (the
        // tenant exists): 400, so a client can tell it from a tenant it cannot see.
        Err(TraceError::UnknownNode(node)) => Err(ApiError::Validation(format!(
            "node `{node}` is not in this tenant's graph"
        ))),
        Err(error @ TraceError::UnsupportedSource { .. }) => {
            Err(ApiError::Validation(error.to_string()))
        }
    }
}

/// Resources reachable from the internet, with ports and path proofs, by node id.
#[utoipa::path(
    get,
    path = "/api/v1/tenants/{tenant}/exposure",
    tag = "network",
    params(TenantPath, ExposureQuery),
    security(("bearer" = [])),
    responses((status = 200, body = ExposureListEnvelope))
)]
async fn exposure(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    query.only(&["page", "per_page"])?;
    let sort = query.sort(
        &[crate::store::paging::SortColumn {
            field: "node_id",
            column: "node_id",
            sql_type: "text",
        }],
        "node_id",
    )?;
    let request = query.page_request(&sort)?;
    let (page_number, per_page) = (request.page, request.per_page as usize);
    let snapshot = state
        .snapshots
        .current(&state.pool, context.tenant_id())
        .await?;
    let (page, total, generation) = tokio::task::spawn_blocking(move || {
        let report = snapshot.exposure();
        let start = (page_number as usize - 1) * per_page;
        let page: Vec<_> = report
            .entries()
            .iter()
            .skip(start)
            .take(per_page)
            .cloned()
            .collect();
        (page, report.entries().len(), snapshot.generation)
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("exposure task failed: {error}")))?;
    Ok(Json(json!({
        "data": page,
        "meta": {
            "total": total,
            "page": page_number,
            "per_page": per_page,
            "total_pages": total.div_ceil(per_page),
            "graph_generation": generation,
        },
        "error": Value::Null,
    })))
}
