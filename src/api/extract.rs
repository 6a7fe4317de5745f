//! Request extractors that answer in our error shape: JSON bodies, path parameters and query
//! strings, plus the parsing of list parameters (paging, sorting) shared by list endpoints.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Path, RawQuery};
use axum::http::request::Parts;

use super::error::ApiError;
use crate::store::paging::{self, Cursor, PageRequest, Sort, SortColumn};

/// `axum::Json` whose rejections are `ApiError`s (400 with the reason, 413 when too large).
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Path` whose rejections are `ApiError`s.
#[derive(Debug, FromRequestParts)]
#[from_request(via(Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The query string as key/value pairs; every key must be one the endpoint knows.
#[derive(Debug, Default)]
pub struct QueryParams {
    pairs: BTreeMap<String, Vec<String>>,
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::BadRequest("unreadable query string".to_string()))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
            .map_err(|error| ApiError::BadRequest(format!("malformed query string: {error}")))?;
        let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, value) in pairs {
            grouped.entry(key).or_default().push(value);
        }
        Ok(QueryParams { pairs: grouped })
    }
}

impl QueryParams {
    /// Fails when a parameter is not in `allowed`, naming it and the allowed ones.
    pub fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        for key in self.pairs.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(ApiError::Validation(format!(
                    "unknown query parameter `{key}`; allowed: {}",
                    allowed.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The single value of `key`; given twice is an error.
    pub fn single(&self, key: &str) -> Result<Option<&str>, ApiError> {
        match self.pairs.get(key).map(Vec::as_slice) {
            None => Ok(None),
            Some([value]) => Ok(Some(value.as_str())),
            Some(_) => Err(ApiError::Validation(format!(
                "query parameter `{key}` given more than once"
            ))),
        }
    }

    /// The single value of `key`, empty strings treated as absent.
    pub fn non_empty(&self, key: &str) -> Result<Option<String>, ApiError> {
        Ok(self
            .single(key)?
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_string))
    }

    /// Every value of a repeatable key.
    pub fn all(&self, key: &str) -> &[String] {
        self.pairs.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Comma-separated lists, across repeated keys, trimmed, empty items dropped.
    pub fn comma_list(&self, key: &str) -> Vec<String> {
        self.all(key)
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn positive_integer(&self, key: &str, default: u32, maximum: u32) -> Result<u32, ApiError> {
        let Some(raw) = self.single(key)? else {
            return Ok(default);
        };
        let value: u32 = raw.parse().map_err(|_| {
            ApiError::Validation(format!(
                "`{key}` must be a whole number from 1 to {maximum}, got `{raw}`"
            ))
        })?;
        if value == 0 || value > maximum {
            return Err(ApiError::Validation(format!(
                "`{key}` must be a whole number from 1 to {maximum}, got `{raw}`"
            )));
        }
        Ok(value)
    }

    /// `page`, `per_page` (max 500) and `cursor`; a cursor made for another sort is rejected.
    pub fn page_request(&self, sort: &Sort) -> Result<PageRequest, ApiError> {
        let page = self.positive_integer("page", 1, 1_000_000)?;
        let per_page =
            self.positive_integer("per_page", paging::DEFAULT_PER_PAGE, paging::MAX_PER_PAGE)?;
        let cursor = match self.non_empty("cursor")? {
            None => None,
            Some(raw) => {
                let cursor = Cursor::decode(&raw).map_err(ApiError::Validation)?;
                if cursor.sort_field != sort.column.field {
                    return Err(ApiError::Validation(format!(
                        "cursor was made for sort `{}` but this request sorts by `{}`",
                        cursor.sort_field, sort.column.field
                    )));
                }
                Some(cursor)
            }
        };
        Ok(PageRequest {
            page,
            per_page,
            cursor,
        })
    }

    /// `sort` against the allowed columns, or `default` when absent.
    pub fn sort(&self, allowed: &[SortColumn], default: &str) -> Result<Sort, ApiError> {
        let raw = self
            .non_empty("sort")?
            .unwrap_or_else(|| default.to_string());
        Sort::parse(&raw, allowed).map_err(ApiError::Validation)
    }
}

/// Query keys every list endpoint accepts.
pub const PAGING_KEYS: &[&str] = &["page", "per_page", "cursor", "sort"];
