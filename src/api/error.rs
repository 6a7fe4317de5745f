//! `ApiError`: the one way any failure becomes an HTTP response, in the documented shape
//! `{"data": null, "error": {"code", "message", "details"}}`. Causes of 5xx answers are logged and
//! never sent to clients.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::{auth, store};

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

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "BAD_REQUEST", message.clone())
            }
            ApiError::Validation(message) => {
                (StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message.clone())
            }
            ApiError::Unauthorized(message) => {
                (StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message.clone())
            }
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, "FORBIDDEN", message.clone()),
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, "NOT_FOUND", message.clone()),
            ApiError::Conflict(message) => (StatusCode::CONFLICT, "CONFLICT", message.clone()),
            ApiError::PayloadTooLarge(message) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                message.clone(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "BAD_REQUEST",
                "method not allowed on this path".to_string(),
            ),
            ApiError::RateLimited {
                retry_after_seconds,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!("Rate limit exceeded. Retry after {retry_after_seconds} seconds."),
            ),
            ApiError::UriTooLong(message) => {
                (StatusCode::URI_TOO_LONG, "BAD_REQUEST", message.clone())
            }
            ApiError::TimedOut(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "INTERNAL_ERROR",
                "the request did not finish in time; try again shortly".to_string(),
            ),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "INTERNAL_ERROR",
                "the database is unavailable; try again shortly".to_string(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
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
        let mut error = json!({"code": code, "message": message, "details": Value::Null});
        if let ApiError::RateLimited {
            retry_after_seconds,
        } = &self
        {
            error["retry_after"] = json!(retry_after_seconds);
        }
        let mut response =
            (status, Json(json!({"data": Value::Null, "error": error}))).into_response();
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
