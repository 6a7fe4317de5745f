//! Request extractors that answer in our error shape: JSON bodies, path parameters and query
//! strings, plus the parsing of list parameters (paging, sorting) shared by list endpoints.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Path, RawQuery};
use axum::http::request::Parts;

use super::error::ApiError;
use crate::store::paging::{self, Cursor, IdType, PageRequest, Sort, SortColumn};

/// A JSON object body whose rejections are `ApiError`s (400 with the reason, 413 when too large).
///
/// The body must be an object: serde would also read a struct from an array of its fields
/// (`[null, null]`), which no client means and the OpenAPI document does not allow.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) =
            axum::Json::<serde_json::Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(ApiError::Validation(
                "the request body must be a JSON object".to_string(),
            ));
        }
        if let Some(path) = nul_path(&value, "") {
            return Err(ApiError::Validation(format!(
                "{NUL_MESSAGE} (at `{}`)",
                path.trim_start_matches('.')
            )));
        }
        let body = serde_path_to_error::deserialize(value).map_err(|error| {
            ApiError::Validation(format!(
                "Failed to deserialize the JSON body into the target type: {error}"
            ))
        })?;
        Ok(ApiJson(body))
    }
}

/// Why a string with NUL is refused: PostgreSQL text cannot hold it.
const NUL_MESSAGE: &str = "strings may not contain the NUL character (\\u0000)";

/// Where in `value` (keys included) a string holds NUL, as a dotted path.
fn nul_path(value: &serde_json::Value, at: &str) -> Option<String> {
    match value {
        serde_json::Value::String(text) if text.contains('\0') => Some(at.to_string()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| nul_path(item, &format!("{at}[{index}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, field)| {
            if key.contains('\0') {
                return Some(at.to_string());
            }
            nul_path(field, &format!("{at}.{key}"))
        }),
        _ => None,
    }
}

/// `axum::extract::Path` whose rejections are `ApiError`s. A segment with NUL names nothing
/// that can exist (404).
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await?;
        let raw = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
        if raw.iter().any(|(_, segment)| segment.contains('\0')) {
            return Err(ApiError::NotFound("resource not found".to_string()));
        }
        Ok(ApiPath(value))
    }
}

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
            if key.contains('\0') || value.contains('\0') {
                return Err(ApiError::Validation(format!(
                    "query parameter `{}`: {NUL_MESSAGE}",
                    key.replace('\0', "\\u0000")
                )));
            }
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
    /// A comma list of names from a closed vocabulary, each written in lower or upper case
    /// (`open`, `OPEN`), returned in lower case. `Err` is the first value that is not one.
    pub fn comma_names(&self, key: &str, allowed: &[&str]) -> Result<Vec<String>, String> {
        let mut names = Vec::new();
        for raw in self.comma_list(key) {
            let lower = raw.to_ascii_lowercase();
            if !allowed.contains(&lower.as_str())
                || (raw != lower && raw != raw.to_ascii_uppercase())
            {
                return Err(raw);
            }
            names.push(lower);
        }
        Ok(names)
    }

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
        self.page_request_with_id_type(sort, IdType::Text)
    }

    /// Like `page_request`, for a list whose rows are keyed by an id of `id_type` (the cursor's
    /// id is checked against it).
    pub fn page_request_with_id_type(
        &self,
        sort: &Sort,
        id_type: IdType,
    ) -> Result<PageRequest, ApiError> {
        let page = self.positive_integer("page", 1, 1_000_000)?;
        let per_page =
            self.positive_integer("per_page", paging::DEFAULT_PER_PAGE, paging::MAX_PER_PAGE)?;
        let cursor = match self.non_empty("cursor")? {
            None => None,
            Some(raw) => Some(
                Cursor::decode(&raw)
                    .and_then(|cursor| cursor.validated(sort, id_type))
                    .map_err(ApiError::Validation)?,
            ),
        };
        Ok(PageRequest {
            page,
            per_page,
            cursor,
        })
    }

    /// `sort` against the allowed columns, or `default` when absent.
    pub fn sort(&self, allowed: &[SortColumn], default: &str) -> Result<Sort, ApiError> {
        // An empty `sort=` is not "the default": the schema's enum has no empty name, so it is a 400.
        let raw = match self.single("sort")? {
            None => default.to_string(),
            Some(given) if given.trim().is_empty() => {
                return Err(ApiError::Validation(
                    "`sort` is empty; name a field, `-field` for descending, or leave it out"
                        .to_string(),
                ));
            }
            Some(given) => given.trim().to_string(),
        };
        Sort::parse(&raw, allowed).map_err(ApiError::Validation)
    }
}

/// Deserializes an optional whole number written `443` or `443.0`: JSON Schema's `integer` (what
/// the OpenAPI document promises) allows both.
pub fn optional_whole_number<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    use serde::de::Error;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(whole) = number.as_i64() {
        return Ok(Some(whole));
    }
    match number.as_f64() {
        Some(value) if value.fract() == 0.0 && value.abs() < 9.0e15 => Ok(Some(value as i64)),
        _ => Err(D::Error::custom(format!(
            "expected a whole number, got {number}"
        ))),
    }
}

/// Rewrites whole numbers written with a fraction (`4.0`) as integers, so configs that other
/// parts deserialize into integer fields accept every JSON Schema `integer`.
pub fn normalise_whole_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(number)
            if number.as_i64().is_none() && number.as_u64().is_none() =>
        {
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() < 9.0e15
            {
                *value = serde_json::Value::from(float as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(normalise_whole_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(normalise_whole_numbers),
        _ => {}
    }
}

/// Query keys every list endpoint accepts.
pub const PAGING_KEYS: &[&str] = &["page", "per_page", "cursor", "sort"];

/// The client's IP address as the TCP peer (never a header: `X-Forwarded-For` is the client's to
/// forge); `unknown` when the request did not come through `api::server`.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(ClientAddress(client_address_of(&parts.extensions)))
    }
}

/// The peer IP recorded by `api::server` in a request's extensions, or `unknown`.
pub fn client_address_of(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|axum::extract::ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}
