//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and the
//! DTOs' `ToSchema`/`IntoParams` derives, served without auth at `GET /api/v1/openapi.yaml` and
//! `GET /api/v1/openapi.json`.
//!
//! To document a new handler: annotate it with `#[utoipa::path(...)]` beside its code (see
//! `nodes.rs`), then append it to `paths(...)` of [`ApiDoc`]. Responses every operation shares
//! are added by [`CommonResponses`]: 414 for every operation, 401 and 429 (and the security
//! requirement's 500/503) for guarded operations, 400 where there are parameters or a body, 413 where there is a body and
//! 404 where the path has parameters. `tests/api/openapi.rs` fails when a `.route(` is missing.

use std::sync::LazyLock;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Required};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::AppState;
use crate::store::paging::{self, SortColumn};

/// The whole API. Append new handlers to `paths(...)`, grouped by resource.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Infracast API",
        description = "Graph-based infrastructure discovery and compliance. Every answer is an \
            envelope `{\"data\": …, \"meta\": {…}, \"error\": null}`; every error is \
            `{\"data\": null, \"error\": {\"code\", \"message\", \"details\"}}`. Authenticate with \
            `Authorization: Bearer <API key ic_live_… or access token>`."
    ),
    paths(
        // health and status
        super::health::healthz,
        super::health::livez,
        super::health::status,
        openapi_yaml,
        openapi_json,
        // auth
        super::auth_routes::issue_token,
        super::auth_routes::refresh_token,
        super::auth_routes::me,
        // tenants and their API keys
        super::tenants::list,
        super::tenants::create,
        super::tenants::read,
        super::tenants::update,
        super::tenants::delete,
        super::api_keys::list,
        super::api_keys::create,
        super::api_keys::revoke,
        // graph
        super::nodes::list,
        super::nodes::create,
        super::nodes::read,
        super::nodes::delete,
        super::edges::list,
        super::edges::create,
        super::edges::read,
        super::edges::delete,
        // jobs and schedules
        super::jobs::list,
        super::jobs::create,
        super::jobs::read,
        super::jobs::start,
        super::jobs::cancel,
        super::jobs::diff,
        super::jobs::events,
        super::schedules::list,
        super::schedules::create,
        super::schedules::read,
        super::schedules::delete,
        super::schedules::enable,
        super::schedules::disable,
        // findings, rules, evaluations
        super::findings::list,
        super::findings::read,
        super::findings::accept,
        super::findings::resolve,
        super::rules::list,
        super::rules::read,
        super::rules::evaluate,
        // network analysis
        super::pathtracer::trace,
        super::pathtracer::exposure,
        // compliance
        super::compliance::summary,
        super::compliance::frameworks,
        super::compliance::controls,
        // webhooks
        super::webhooks::list,
        super::webhooks::create,
        super::webhooks::read,
        super::webhooks::delete,
        super::webhooks::deliveries,
        super::webhooks::send_test,
        // reports
        super::reports::generate,
        super::reports::list,
        super::reports::read,
        super::reports::download,
        // audit trail
        super::audit::tenant_list,
        super::audit::platform_list,
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
    modifiers(&CommonResponses, &NoNulStrings),
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

/// The name of the bearer security scheme; guarded handlers say `security(("bearer" = []))`.
pub const BEARER: &str = "bearer";

static JSON_DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
});

static YAML_DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_yaml()
        .unwrap_or_else(|error| format!("error: \"{error}\"\n"))
});

/// The two documents, outside the auth guard.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.yaml", get(openapi_yaml))
        .route("/api/v1/openapi.json", get(openapi_json))
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

// ---------------------------------------------------------------------------------------------
// Envelope and error schemas

/// The JSON value `null` (the `error` of a success, the `data` of an error).
pub struct Null;

impl PartialSchema for Null {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Null).into()
    }
}

impl ToSchema for Null {}

/// The error codes of the API (405 answers use `BAD_REQUEST`, 503 answers `INTERNAL_ERROR`).
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: `ApiError` writes the codes.
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    BadRequest,
    ValidationError,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    RateLimited,
    InternalError,
}

/// What went wrong: a stable code, a human message and optional details.
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: `ApiError` writes this shape.
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// Seconds to wait; present on `RATE_LIMITED` only.
    #[schema(minimum = 1)]
    pub retry_after: Option<u64>,
}

/// Every error answer: `{"data": null, "error": {…}}`.
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: `ApiError` writes this shape.
pub struct ErrorBody {
    pub data: Null,
    pub error: ErrorDetail,
}

/// The `meta` of a single-object answer.
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only.
pub struct EmptyMeta {}

/// The `meta` of a paged list.
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: `envelope::list` writes it.
pub struct ListMeta {
    #[schema(minimum = 0)]
    pub total: i64,
    #[schema(minimum = 1)]
    pub page: u32,
    #[schema(minimum = 1, maximum = 500)]
    pub per_page: u32,
    #[schema(minimum = 0)]
    pub total_pages: i64,
    /// Pass as `cursor` to get the next page by keyset (absent or null on the last page).
    pub next_cursor: Option<String>,
}

/// Declares schema-only envelope types: `envelope_schema!(NodeEnvelope, NodeDto)` for
/// `{"data": NodeDto, "meta": {}, "error": null}` and
/// `envelope_schema!(NodeListEnvelope, list NodeDto)` for a paged list.
macro_rules! envelope_schema {
    ($(#[$attr:meta])* $name:ident, list $item:ty) => {
        $(#[$attr])*
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)] // A schema only: `envelope::list` writes this shape.
        struct $name {
            data: Vec<$item>,
            meta: $crate::api::openapi::ListMeta,
            error: $crate::api::openapi::Null,
        }
    };
    ($(#[$attr:meta])* $name:ident, $item:ty) => {
        $(#[$attr])*
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)] // A schema only: `envelope::data` writes this shape.
        struct $name {
            data: $item,
            meta: $crate::api::openapi::EmptyMeta,
            error: $crate::api::openapi::Null,
        }
    };
}
pub(crate) use envelope_schema;

// ---------------------------------------------------------------------------------------------
// Shared error responses (`response = NotFound` in a path's `responses(...)`)

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn integer_header(description: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        ))
        .description(Some(description))
        .build()
}

macro_rules! error_responses {
    ($($name:ident => $description:literal),* $(,)?) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                    (stringify!($name), error_response($description).into())
                }
            }
        )*
    };
}

error_responses! {
    BadRequest => "BAD_REQUEST (malformed JSON, query string or path) or VALIDATION_ERROR (unknown field or query parameter, bad value)",
    Unauthorized => "UNAUTHORIZED: missing, invalid, revoked or expired credentials",
    Forbidden => "FORBIDDEN: the caller's role may not do this",
    NotFound => "NOT_FOUND: no such resource (or tenant) visible to the caller",
    Conflict => "CONFLICT: the resource exists already or is in a state that forbids this",
    PayloadTooLarge => "PAYLOAD_TOO_LARGE: the body is larger than 1 MiB",
    InternalError => "INTERNAL_ERROR: an unexpected failure (logged, never detailed)",
    Unavailable => "INTERNAL_ERROR with status 503: the database cannot be reached right now (or the request did not finish within 120 s)",
    UriTooLong => "BAD_REQUEST with status 414: the request line is longer than 16,384 bytes",
}

/// 429 with `Retry-After` and the `X-RateLimit-*` headers.
pub struct RateLimited;

impl<'r> utoipa::ToResponse<'r> for RateLimited {
    fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
        let mut response = error_response(
            "RATE_LIMITED: the tenant's plan allowance is used up, or a guard limit (token calls \
             per API key or client address; requests without a valid credential per client \
             address); `error.retry_after` and `Retry-After` say how many seconds to wait",
        );
        response.headers.insert(
            "Retry-After".to_string(),
            integer_header("Seconds to wait before retrying").into(),
        );
        for (name, header) in rate_limit_headers() {
            response.headers.insert(name, header.into());
        }
        ("RateLimited", response.into())
    }
}

fn rate_limit_headers() -> Vec<(String, utoipa::openapi::Header)> {
    vec![
        (
            "X-RateLimit-Limit".to_string(),
            integer_header("Requests per minute of the plan"),
        ),
        (
            "X-RateLimit-Remaining".to_string(),
            integer_header("Requests left in the current burst"),
        ),
        (
            "X-RateLimit-Reset".to_string(),
            integer_header("Unix time when the full burst is available again"),
        ),
    ]
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

// ---------------------------------------------------------------------------------------------
// Parameters built from the code's own constants

/// A path parameter (always required).
pub fn path_parameter(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// An optional query parameter with `schema`.
pub fn query_parameter(
    name: &str,
    description: &str,
    schema: impl Into<RefOr<Schema>>,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// A comma-separated list of `values` (`severity=HIGH,CRITICAL`), also repeatable.
/// Each name in lower and in upper case (what `QueryParams::comma_names` accepts).
pub fn both_cases(values: &[&str]) -> Vec<String> {
    values
        .iter()
        .flat_map(|value| [value.to_string(), value.to_ascii_uppercase()])
        .collect()
}

pub fn comma_list_parameter(name: &str, description: &str, values: &[&str]) -> Parameter {
    let mut parameter = query_parameter(
        name,
        description,
        ArrayBuilder::new().items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(values.iter().copied())),
        ),
    );
    parameter.style = Some(ParameterStyle::Form);
    parameter.explode = Some(false);
    parameter
}

/// A free-text filter (empty means absent).
pub fn text_parameter(name: &str, description: &str) -> Parameter {
    query_parameter(
        name,
        description,
        ObjectBuilder::new().schema_type(Type::String),
    )
}

/// `page` (from 1) and `per_page` (1 to 500, default 50).
pub fn page_parameters() -> Vec<Parameter> {
    vec![
        query_parameter(
            "page",
            "Page number, from 1",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(1_000_000))
                .default(Some(1.into())),
        ),
        query_parameter(
            "per_page",
            "Items per page",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(paging::MAX_PER_PAGE))
                .default(Some(paging::DEFAULT_PER_PAGE.into())),
        ),
    ]
}

/// `page`, `per_page`, `sort` (one of `columns`, `-` for descending) and `cursor`.
pub fn list_parameters(columns: &[SortColumn], default_sort: &str) -> Vec<Parameter> {
    let mut sorts = Vec::new();
    for column in columns {
        sorts.push(column.field.to_string());
        sorts.push(format!("-{}", column.field));
    }
    let mut parameters = page_parameters();
    parameters.push(query_parameter(
        "sort",
        "Sort field, `-` first for descending; unknown fields are a 400",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(sorts))
            .default(Some(default_sort.into())),
    ));
    parameters.push(query_parameter(
        "cursor",
        "`meta.next_cursor` of the previous page (keyset paging; made for the same `sort`)",
        ObjectBuilder::new().schema_type(Type::String),
    ));
    parameters
}

/// `{tenant}`, the path parameter of every tenant-scoped route.
pub struct TenantPath;

impl utoipa::IntoParams for TenantPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![path_parameter("tenant", "Tenant id (slug)")]
    }
}

/// Declares a path-parameters type: `path_params!(NodePath { "tenant" => "…", "node_id" => "…" })`.
macro_rules! path_params {
    ($name:ident { $($parameter:literal => $description:literal),* $(,)? }) => {
        /// Path parameters (a schema only).
        struct $name;

        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                vec![$($crate::api::openapi::path_parameter($parameter, $description)),*]
            }
        }
    };
}
pub(crate) use path_params;

/// Declares a query-parameters type from an expression building them:
/// `query_params!(NodeListQuery => openapi::list_parameters(…))`.
macro_rules! query_params {
    ($name:ident => $parameters:expr) => {
        /// Query parameters (a schema only).
        struct $name;

        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                $parameters
            }
        }
    };
}
pub(crate) use query_params;

/// The characters Rust's `char::is_whitespace` accepts, as a regex character class body.
pub const WHITESPACE_CLASS: &str =
    "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// Strings without NUL: PostgreSQL text cannot hold it, so the API refuses it everywhere.
pub const NO_NUL_PATTERN: &str = "^[^\\x00]*$";

/// A string without NUL that has a character that is not whitespace (what `trim().is_empty()`
/// refuses).
pub fn not_blank_pattern() -> String {
    format!("^[^\\x00]*[^{WHITESPACE_CLASS}\\x00][^\\x00]*$")
}

/// A string schema that is not blank.
pub fn not_blank_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(not_blank_pattern()))
        .into()
}

/// A string of at most `max_length` characters that is not blank, or null when `nullable`.
pub fn text_schema(max_length: Option<usize>, nullable: bool) -> Schema {
    let schema_type = if nullable {
        utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null])
    } else {
        utoipa::openapi::schema::SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .pattern(Some(not_blank_pattern()))
        .max_length(max_length)
        .into()
}

/// The names of every node type, for `enum` schemas.
pub fn node_type_names() -> Vec<&'static str> {
    crate::model::NodeType::ALL
        .iter()
        .map(|node_type| node_type.as_str())
        .collect()
}

/// A regular expression every valid node id matches (`provider:region:type:resource-id`).
pub fn node_id_pattern() -> String {
    let types: Vec<String> = node_type_names()
        .iter()
        .map(|name| name.replace('.', "\\."))
        .collect();
    format!(
        "^(aws|global):[a-z0-9-]+:({}):[^{WHITESPACE_CLASS}\\x00]+$",
        types.join("|")
    )
}

/// A string schema for node ids.
pub fn node_id_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(node_id_pattern()))
        .into()
}

/// Any JSON value whose strings and keys hold no NUL (what `jsonb` columns can store).
pub struct JsonValue;

impl PartialSchema for JsonValue {
    fn schema() -> RefOr<Schema> {
        utoipa::openapi::schema::AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .item(ObjectBuilder::new().schema_type(Type::Number))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(NO_NUL_PATTERN)),
            )
            .item(ArrayBuilder::new().items(Ref::from_schema_name("JsonValue")))
            .item(Ref::from_schema_name("JsonObject"))
            .into()
    }
}

impl ToSchema for JsonValue {}

/// A JSON object whose strings and keys hold no NUL.
pub struct JsonObject;

impl PartialSchema for JsonObject {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(NO_NUL_PATTERN)),
            ))
            .additional_properties(Some(Ref::from_schema_name("JsonValue")))
            .into()
    }
}

impl ToSchema for JsonObject {}

/// String tags: keys and values without NUL.
pub struct Tags;

impl PartialSchema for Tags {
    fn schema() -> RefOr<Schema> {
        let text = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(NO_NUL_PATTERN))
        };
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(text()))
            .additional_properties(Some(text()))
            .into()
    }
}

impl ToSchema for Tags {}

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
