//! The response envelope `{"data": …, "meta": {…}, "error": null}` and list metadata, as types
//! that both serialise the answer and are its OpenAPI schema.

use axum::Json;
use serde::Serialize;

use crate::store::paging::{Page, PageRequest};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// The JSON value `null` (the `error` of a success, the `data` of an error).
#[derive(Debug, Clone, Copy, Default)]
pub struct Null;

impl serde::Serialize for Null {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_none()
    }
}

impl PartialSchema for Null {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Null).into()
    }
}

impl ToSchema for Null {}

/// The `meta` of a single-object answer.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct EmptyMeta {}

/// The `meta` of a paged list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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

impl ListMeta {
    /// The meta of page `page` of `per_page` items out of `total`.
    pub fn new(total: i64, page: u32, per_page: u32, next_cursor: Option<String>) -> ListMeta {
        let per_page_wide = i64::from(per_page.max(1));
        let total_pages = if total == 0 {
            0
        } else {
            (total + per_page_wide - 1) / per_page_wide
        };
        ListMeta {
            total,
            page,
            per_page,
            total_pages,
            next_cursor,
        }
    }
}

/// A single-object answer: `{"data": T, "meta": {}, "error": null}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Envelope<T> {
    pub data: T,
    pub meta: EmptyMeta,
    pub error: Null,
}

/// A paged list answer: `{"data": [T], "meta": ListMeta, "error": null}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListEnvelope<T> {
    pub data: Vec<T>,
    pub meta: ListMeta,
    pub error: Null,
}

/// A single-object answer, typed.
pub fn data<T>(value: T) -> Json<Envelope<T>> {
    Json(Envelope {
        data: value,
        meta: EmptyMeta {},
        error: Null,
    })
}

/// A page of DTOs, typed, with `total, page, per_page, total_pages` and `next_cursor` in `meta`.
pub fn list<T, D>(
    page: Page<T>,
    request: &PageRequest,
    to_dto: impl Fn(T) -> D,
) -> Json<ListEnvelope<D>> {
    let meta = ListMeta::new(page.total, request.page, request.per_page, page.next_cursor);
    Json(ListEnvelope {
        data: page.items.into_iter().map(to_dto).collect(),
        meta,
        error: Null,
    })
}
