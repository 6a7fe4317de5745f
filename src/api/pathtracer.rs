//! `POST /api/v1/tenants/{tenant}/pathtracer/trace` and `GET /api/v1/tenants/{tenant}/exposure`.
//! Both run the path tracer over the tenant's current graph snapshot, off the async threads.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::extract::{ApiJson, QueryParams};
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
    port: Option<i64>,
    #[serde(default = "tcp")]
    protocol: String,
}

fn tcp() -> String {
    "tcp".to_string()
}

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
        Err(TraceError::UnknownNode(node)) => {
            Err(ApiError::NotFound(format!("node `{node}` not found")))
        }
        Err(error @ TraceError::UnsupportedSource { .. }) => {
            Err(ApiError::Validation(error.to_string()))
        }
    }
}

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
