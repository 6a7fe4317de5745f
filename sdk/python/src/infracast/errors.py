"""Typed errors: every non-2xx answer becomes an `InfracastError` subclass chosen by HTTP status,
carrying the API's `{"code", "message", "details"}` and, for 429, `retry_after` (seconds)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Type


class InfracastError(Exception):
    """An error answer from the API (or a failure to reach it, see `ConnectionFailedError`)."""

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        details: Any = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retry_after = retry_after

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        return f"{self.status} {self.code}: {self.message}"


class BadRequestError(InfracastError):
    """400: BAD_REQUEST or VALIDATION_ERROR."""


class AuthenticationError(InfracastError):
    """401: missing, invalid or expired token."""


class PermissionDeniedError(InfracastError):
    """403: the key's role may not do this."""


class NotFoundError(InfracastError):
    """404: the resource (or the tenant, for a key of another tenant) does not exist."""


class ConflictError(InfracastError):
    """409: it exists already, or its state forbids the change."""


class PayloadTooLargeError(InfracastError):
    """413: the body is over the server's limit."""


class RateLimitError(InfracastError):
    """429: over the plan's rate limit; `retry_after` says how many seconds to wait."""


class ServerError(InfracastError):
    """5xx: the server failed or its database is unavailable."""


class ConnectionFailedError(InfracastError):
    """The server could not be reached (no HTTP answer)."""


class TimeoutError(InfracastError):  # noqa: A001 - scoped to this package
    """A helper waited longer than its timeout (report or job still not finished)."""


class ReportFailedError(InfracastError):
    """A report ended as FAILED; `details` holds the report."""


class WebhookSignatureError(InfracastError):
    """A webhook delivery's signature or timestamp did not verify."""


_BY_STATUS: Dict[int, Type[InfracastError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}


def error_from_response(status: int, body: Any, retry_after_header: Optional[str]) -> InfracastError:
    """Builds the typed error for an answer; tolerates bodies that are not our error shape."""
    error: Dict[str, Any] = {}
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
    code = error.get("code") or ("INTERNAL_ERROR" if status >= 500 else "HTTP_ERROR")
    message = error.get("message") or f"HTTP {status}"
    retry_after: Optional[float] = None
    for candidate in (retry_after_header, error.get("retry_after")):
        if candidate is None:
            continue
        try:
            retry_after = float(candidate)
            break
        except (TypeError, ValueError):
            continue
    error_class = _BY_STATUS.get(status, ServerError if status >= 500 else InfracastError)
    return error_class(
        message,
        status=status,
        code=code,
        details=error.get("details"),
        retry_after=retry_after,
    )
