//! `ApiError`: the one way any failure becomes an HTTP response, in the documented shape
//! `{"data": null, "error": {"code", "message", "details"}}`. Causes of 5xx answers are logged and
//! never sent to clients.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::envelope::Null;

use crate::{auth, store};

/// The error codes of the API (405 answers use `BAD_REQUEST`, 503 answers `INTERNAL_ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub details: Option<Value>,
    /// Seconds to wait; present on `RATE_LIMITED` only.
    #[schema(minimum = 1)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// Every error answer: `{"data": null, "error": {…}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub data: Null,
    pub error: ErrorDetail,
}

#[derive(Debug)]
pub enum ApiError {
    /// Malformed request: bad JSON syntax, bad query string, missing content type.
    BadRequest(String),
    /// Well-formed but invalid: unknown field, bad enum value, out-of-range number, bad reference.
    Validation(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    PayloadTooLarge(String),
    MethodNotAllowed,
    RateLimited {
        retry_after_seconds: u64,
    },
    /// The request line is too long (414; code BAD_REQUEST, as no code of its own is documented).
    UriTooLong(String),
    /// The request did not finish in time (503; the cause is logged).
    TimedOut(String),
    /// The database cannot be reached right now.
    Unavailable(String),
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn not_found(what: &str) -> ApiError {
        ApiError::NotFound(format!("{what} not found"))
    }

    fn parts(&self) -> (StatusCode, ErrorCode, String) {
        match self {
            ApiError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                message.clone(),
            ),
            ApiError::Validation(message) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::ValidationError,
                message.clone(),
            ),
            ApiError::Unauthorized(message) => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                message.clone(),
            ),
            ApiError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, ErrorCode::Forbidden, message.clone())
            }
            ApiError::NotFound(message) => {
                (StatusCode::NOT_FOUND, ErrorCode::NotFound, message.clone())
            }
            ApiError::Conflict(message) => {
                (StatusCode::CONFLICT, ErrorCode::Conflict, message.clone())
            }
            ApiError::PayloadTooLarge(message) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                message.clone(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::BadRequest,
                "method not allowed on this path".to_string(),
            ),
            ApiError::RateLimited {
                retry_after_seconds,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!("Rate limit exceeded. Retry after {retry_after_seconds} seconds."),
            ),
            ApiError::UriTooLong(message) => (
                StatusCode::URI_TOO_LONG,
                ErrorCode::BadRequest,
                message.clone(),
            ),
            ApiError::TimedOut(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::InternalError,
                "the request did not finish in time; try again shortly".to_string(),
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::InternalError,
                "the database is unavailable; try again shortly".to_string(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalError,
                "internal error".to_string(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        match &self {
            ApiError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            ApiError::TimedOut(cause) => tracing::warn!(error = %cause, "request timed out"),
            _ => {}
        }
        let retry_after = match &self {
            ApiError::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let body = ErrorBody {
            data: Null,
            error: ErrorDetail {
                code,
                message,
                details: None,
                retry_after,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::RateLimited {
            retry_after_seconds,
        } = &self
            && let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<store::Error> for ApiError {
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::NotFound => ApiError::NotFound("resource not found".to_string()),
            store::Error::Conflict(message) | store::Error::Fenced(message) => {
                ApiError::Conflict(message)
            }
            store::Error::InvalidReference(message) | store::Error::Invalid(message) => {
                ApiError::Validation(message)
            }
            store::Error::LimitReached(message) => ApiError::Conflict(message),
            store::Error::Unavailable(message) => ApiError::Unavailable(message),
            error @ (store::Error::Migration(_)
            | store::Error::Embedded(_)
            | store::Error::Corrupt(_)
            | store::Error::Database(_)) => ApiError::Internal(anyhow::Error::new(error)),
        }
    }
}

impl From<auth::Error> for ApiError {
    fn from(error: auth::Error) -> Self {
        match error {
            auth::Error::RoleScopeMismatch { .. } => ApiError::Validation(error.to_string()),
            auth::Error::Store(error) => error.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(error) => ApiError::Validation(error.body_text()),
            JsonRejection::JsonSyntaxError(error) => ApiError::BadRequest(error.body_text()),
            JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest(
                "expected a request body with `Content-Type: application/json`".to_string(),
            ),
            JsonRejection::BytesRejection(error)
                if error.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::PayloadTooLarge("request body is larger than 1 MiB".to_string())
            }
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}
