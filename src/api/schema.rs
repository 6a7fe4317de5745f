//! Schema helpers every resource module shares: the envelope aliases,
//! the shared error responses, path and query parameter builders, string patterns and the JSON
//! value schemas. It names no resource module (they import it), so `api::*` modules form no
//! import cycle; `tests/tidy.rs` checks that. `openapi.rs` assembles the document from the
//! resource routers.

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn, ParameterStyle};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Required};
use utoipa::{PartialSchema, ToSchema};

use crate::store::paging::{self, SortColumn};

/// The name of the bearer security scheme; guarded handlers say `security(("bearer" = []))`.
pub const BEARER: &str = "bearer";

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

pub fn rate_limit_headers() -> Vec<(String, utoipa::openapi::Header)> {
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
                vec![$($crate::api::schema::path_parameter($parameter, $description)),*]
            }
        }
    };
}
pub(crate) use path_params;

/// Declares a query-parameters type from an expression building them:
/// `query_params!(NodeListQuery => schema::list_parameters(…))`.
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

/// A string that is one of `names` (`"default"` when absent from the body), or null when
/// `nullable`.
pub fn names_schema(names: &[&str], default: Option<&str>, nullable: bool) -> Schema {
    let mut values: Vec<serde_json::Value> = names.iter().map(|name| (*name).into()).collect();
    let schema_type = if nullable {
        values.push(serde_json::Value::Null);
        utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null])
    } else {
        utoipa::openapi::schema::SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .enum_values(Some(values))
        .default(default.map(Into::into))
        .into()
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
