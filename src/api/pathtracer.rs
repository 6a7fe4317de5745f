//! `POST /api/v1/tenants/{tenant}/pathtracer/trace` and `GET /api/v1/tenants/{tenant}/exposure`.
//! Both run the path tracer over the tenant's current graph snapshot, off the async threads.

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::envelope::{Envelope, Null};
use super::error::ApiError;
use super::extract::{ApiJson, QueryParams};
use super::schema::{self, TenantPath, query_params};
use super::{AppState, TenantContext, envelope};
use crate::pathtrace::{self, ExposureEntry, TraceError, TraceResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(trace))
        .routes(routes!(exposure))
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

/// An IPv4 CIDR, or any IPv6 CIDR (`::/0`, `2600:1f18::/56`, …): what `parse_query` accepts.
const CIDR_PATTERN: &str = concat!(
    "^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$",
    "|^(",
    "([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}",
    "|([0-9a-fA-F]{1,4}:){1,7}:",
    "|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}",
    "|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}",
    "|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}",
    "|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}",
    "|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}",
    "|[0-9a-fA-F]{1,4}:(:[0-9a-fA-F]{1,4}){1,6}",
    "|:((:[0-9a-fA-F]{1,4}){1,7}|:)",
    ")/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$"
);

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
                    .pattern(Some(CIDR_PATTERN))
                    .examples(["0.0.0.0/0"])
                    .into()
            } else {
                schema::node_id_schema()
            };
            for port_required in [true, false] {
                let mut object = ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property("source_node_id", schema::node_id_schema())
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

/// The `meta` of the exposure list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ExposureMeta {
    total: usize,
    page: u32,
    per_page: usize,
    total_pages: usize,
    /// The graph snapshot the analysis ran on.
    #[schema(minimum = 0)]
    graph_generation: i64,
}

/// A page of exposed resources, with the snapshot it was computed on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ExposureListEnvelope {
    data: Vec<ExposureEntry>,
    meta: ExposureMeta,
    error: Null,
}

query_params!(ExposureQuery => schema::page_parameters());

/// Traces a flow from an instance or ENI to a CIDR or node, hop by hop.
#[utoipa::path(
    post,
    path = "/api/v1/tenants/{tenant}/pathtracer/trace",
    tag = "network",
    params(TenantPath),
    request_body = TraceBody,
    security(("bearer" = [])),
    responses((status = 200, body = Envelope<TraceResult>))
)]
async fn trace(
    State(state): State<AppState>,
    Extension(context): Extension<TenantContext>,
    ApiJson(body): ApiJson<TraceRequest>,
) -> Result<Json<Envelope<TraceResult>>, ApiError> {
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
        Err(error @ (TraceError::UnsupportedSource { .. } | TraceError::FromInternet(_))) => {
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
) -> Result<Json<ExposureListEnvelope>, ApiError> {
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
    Ok(Json(ExposureListEnvelope {
        data: page,
        meta: ExposureMeta {
            total,
            page: page_number,
            per_page,
            total_pages: total.div_ceil(per_page),
            graph_generation: generation,
        },
        error: Null,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_cidr_pattern_admits_exactly_what_the_tracer_parses() {
        let pattern = regex::Regex::new(CIDR_PATTERN).unwrap();
        for cidr in [
            "0.0.0.0/0",
            "10.0.1.0/24",
            "::/0",
            "2600:1f18::/56",
            "2001:db8:aa00:1::/64",
            "fe80::1/128",
            "2001:0db8:0000:0000:0000:0000:0000:0001/128",
        ] {
            assert!(pattern.is_match(cidr), "{cidr}");
            assert!(
                crate::pathtrace::parse_query(
                    "aws:us-east-1:aws.ec2.instance:i-1",
                    Some(cidr),
                    None,
                    Some(1),
                    "tcp"
                )
                .is_ok(),
                "{cidr}"
            );
        }
        for cidr in [
            "0.0.0.0/33",
            "::/129",
            "2600:1f18::",
            "1:2:3:4:5:6:7:8:9/64",
            "not-a-cidr",
            ":::/0",
        ] {
            assert!(!pattern.is_match(cidr), "{cidr}");
        }
    }
}
