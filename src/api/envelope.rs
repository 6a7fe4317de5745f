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
