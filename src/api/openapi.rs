//! The OpenAPI 3.1 document, assembled from the resource routers (each module declares its
//! routes with `utoipa_axum::routes!` beside their `#[utoipa::path(...)]` annotations, so a route
//! and its documentation are declared once) and served without auth at
//! `GET /api/v1/openapi.yaml` and `GET /api/v1/openapi.json`.
//!
//! This module only assembles and serves: shared schema helpers live in `schema.rs`, which names
//! no resource module. Responses every operation shares are added by [`CommonResponses`]: 414 for
//! every operation, 401 and 429 (and the security requirement's 500/503) for guarded operations,
//! 400 where there are parameters or a body, 413 where there is a body and 404 where the path has
//! parameters. `tests/api/openapi.rs` fails when a route is not documented.

use std::sync::LazyLock;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::schema::{Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::envelope::{EmptyMeta, ListMeta};
use super::error::{ErrorBody, ErrorCode, ErrorDetail};
use super::schema::{
    BEARER, BadRequest, Conflict, Forbidden, InternalError, JsonObject, JsonValue, NO_NUL_PATTERN,
    NotFound, PayloadTooLarge, RateLimited, Unauthorized, Unavailable, UriTooLong,
    rate_limit_headers,
};

/// The document's frame: info, shared components and tags. The paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Infracast API",
        description = "Graph-based infrastructure discovery and compliance. Every answer is an \
            envelope `{\"data\": …, \"meta\": {…}, \"error\": null}`; every error is \
            `{\"data\": null, \"error\": {\"code\", \"message\", \"details\"}}`. Authenticate with \
            `Authorization: Bearer <API key ic_live_… or access token>`."
    ),
    components(
        schemas(ErrorBody, ErrorDetail, ErrorCode, EmptyMeta, ListMeta, JsonValue, JsonObject),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PayloadTooLarge,
            RateLimited,
            InternalError,
            Unavailable,
            UriTooLong
        )
    ),
    tags(
        (name = "health", description = "Liveness, status and this document"),
        (name = "auth", description = "API keys to access tokens"),
        (name = "tenants", description = "Tenants (platform admins) and their API keys"),
        (name = "graph", description = "Nodes and edges of a tenant's graph"),
        (name = "jobs", description = "Discovery jobs and schedules"),
        (name = "findings", description = "Findings, rules and evaluations"),
        (name = "network", description = "Path tracer and internet exposure"),
        (name = "compliance", description = "Framework and control scores"),
        (name = "webhooks", description = "Webhooks and their delivery log"),
        (name = "reports", description = "Compliance reports (HTML, PDF, CSV, JSON, OCSF) and their downloads"),
        (name = "audit", description = "The append-only trail of every write: who, what, which object, when"),
    )
)]
pub struct ApiDoc;

/// The whole document: the frame, every documented route, and the shared responses.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = super::documented_routes().into_openapi();
    CommonResponses.modify(&mut document);
    NoNulStrings.modify(&mut document);
    document
}

static JSON_DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    document()
        .to_pretty_json()
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
});

static YAML_DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    document()
        .to_yaml()
        .unwrap_or_else(|error| format!("error: \"{error}\"\n"))
});

/// The two documents, outside the auth guard.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(openapi_yaml))
        .routes(routes!(openapi_json))
}

/// This document as YAML.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.yaml",
    tag = "health",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/yaml", body = Object))
)]
async fn openapi_yaml() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/yaml")],
        YAML_DOCUMENT.as_str(),
    )
        .into_response()
}

/// This document as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "health",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
async fn openapi_json() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        JSON_DOCUMENT.as_str(),
    )
        .into_response()
}

/// Adds the bearer scheme, and the responses every operation of a kind shares.
pub struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key (`ic_live_…`) or an access token from `POST /api/v1/auth/token`",
                    ))
                    .build(),
            ),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_parameters = path.contains('{');
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let guarded = operation
                    .security
                    .as_ref()
                    .is_some_and(|requirements| !requirements.is_empty());
                let has_parameters = has_path_parameters
                    || operation
                        .parameters
                        .as_ref()
                        .is_some_and(|parameters| !parameters.is_empty());
                let has_body = operation.request_body.is_some();
                let mut add = |status: &str, name: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| Ref::from_response_name(name).into());
                };
                if has_parameters || has_body {
                    add("400", "BadRequest");
                }
                add("414", "UriTooLong");
                if guarded {
                    add("401", "Unauthorized");
                }
                if has_path_parameters {
                    add("404", "NotFound");
                }
                if has_body {
                    add("413", "PayloadTooLarge");
                }
                if guarded {
                    add("429", "RateLimited");
                }
                if guarded || has_body {
                    add("500", "InternalError");
                    add("503", "Unavailable");
                }
                if guarded {
                    for (_, response) in operation.responses.responses.iter_mut() {
                        if let RefOr::T(response) = response {
                            for (name, header) in rate_limit_headers() {
                                response.headers.entry(name).or_insert(header.into());
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Says "no NUL" on every string a client sends (parameters and request bodies, and the
/// components they use) that has no pattern, enum or format of its own: the API answers 400 to
/// NUL anywhere in a body or query and 404 in a path.
pub struct NoNulStrings;

impl Modify for NoNulStrings {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for schema in components.schemas.values_mut() {
                forbid_nul(schema);
            }
        }
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if let RefOr::T(parameter) = parameter
                        && let Some(schema) = parameter.schema.as_mut()
                    {
                        forbid_nul(schema);
                    }
                }
                if let Some(RefOr::T(body)) = operation.request_body.as_mut() {
                    for content in body.content.values_mut() {
                        if let RefOr::T(content) = content
                            && let Some(schema) = content.schema.as_mut()
                        {
                            forbid_nul(schema);
                        }
                    }
                }
            }
        }
    }
}

fn forbid_nul(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => {
            let is_string = match &object.schema_type {
                utoipa::openapi::schema::SchemaType::Type(Type::String) => true,
                utoipa::openapi::schema::SchemaType::Array(types) => types.contains(&Type::String),
                _ => false,
            };
            if is_string
                && object.pattern.is_none()
                && object.enum_values.is_none()
                && object.format.is_none()
            {
                object.pattern = Some(NO_NUL_PATTERN.to_string());
            }
            for property in object.properties.values_mut() {
                forbid_nul(property);
            }
            if let Some(additional) = object.additional_properties.as_mut()
                && let utoipa::openapi::schema::AdditionalProperties::RefOr(additional) =
                    additional.as_mut()
            {
                forbid_nul(additional);
            }
        }
        Schema::Array(array) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut array.items {
                forbid_nul(items);
            }
        }
        Schema::OneOf(one_of) => one_of.items.iter_mut().for_each(forbid_nul),
        Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(forbid_nul),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}
