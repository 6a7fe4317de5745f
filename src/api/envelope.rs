//! The response envelope `{"data": …, "meta": {…}, "error": null}` and list metadata.

use axum::Json;
use serde::Serialize;
use serde_json::{Value, json};

use crate::store::paging::{Page, PageRequest};

/// A single-object answer.
pub fn data<T: Serialize>(value: T) -> Json<Value> {
    Json(json!({"data": value, "meta": {}, "error": Value::Null}))
}

/// A list answer with `total, page, per_page, total_pages` and `next_cursor` in `meta`.
pub fn list<T, D: Serialize>(
    page: Page<T>,
    request: &PageRequest,
    to_dto: impl Fn(T) -> D,
) -> Json<Value> {
    let per_page = i64::from(request.per_page);
    let total_pages = if page.total == 0 {
        0
    } else {
        (page.total + per_page - 1) / per_page
    };
    let items: Vec<D> = page.items.into_iter().map(to_dto).collect();
    Json(json!({
        "data": items,
        "meta": {
            "total": page.total,
            "page": request.page,
            "per_page": request.per_page,
            "total_pages": total_pages,
            "next_cursor": page.next_cursor,
        },
        "error": Value::Null,
    }))
}

/// A single-object answer as a type: `{"data": T, "meta": {}, "error": null}`. A handler that
/// returns it documents exactly what it sends.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Data<T> {
    pub data: T,
    pub meta: NoMeta,
    pub error: NoError,
}

/// A paged list as a type: `{"data": [T], "meta": PageMeta, "error": null}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct List<T> {
    pub data: Vec<T>,
    pub meta: PageMeta,
    pub error: NoError,
}

/// The `meta` of a single-object answer: `{}`.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct NoMeta {}

/// The `error` of a success: always `null`.
#[derive(Debug, Default)]
pub struct NoError;

impl Serialize for NoError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_none()
    }
}

impl utoipa::PartialSchema for NoError {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Null)
            .into()
    }
}

impl utoipa::ToSchema for NoError {}

/// The `meta` of a paged list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageMeta {
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

/// A single-object answer, typed.
pub fn typed<T: Serialize>(value: T) -> Json<Data<T>> {
    Json(Data {
        data: value,
        meta: NoMeta {},
        error: NoError,
    })
}

/// A list answer, typed: the same `meta` as [`list`].
pub fn typed_list<T, D: Serialize>(
    page: Page<T>,
    request: &PageRequest,
    to_dto: impl Fn(T) -> D,
) -> Json<List<D>> {
    let per_page = i64::from(request.per_page);
    let total_pages = if page.total == 0 {
        0
    } else {
        (page.total + per_page - 1) / per_page
    };
    Json(List {
        data: page.items.into_iter().map(to_dto).collect(),
        meta: PageMeta {
            total: page.total,
            page: request.page,
            per_page: request.per_page,
            total_pages,
            next_cursor: page.next_cursor,
        },
        error: NoError,
    })
}
