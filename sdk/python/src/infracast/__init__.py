"""Infracast SDK: `InfracastClient(api_url=..., api_token=...)`, typed models and errors, and
`verify_webhook` for receivers of signed deliveries."""

from .client import InfracastClient, __version__
from .errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionFailedError,
    InfracastError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ReportFailedError,
    ServerError,
    TimeoutError,
    WebhookSignatureError,
)
from .models import *  # noqa: F401,F403 - the answer types are part of the public surface
from .operations import OPERATIONS
from .webhooks import compute_signature, verify_webhook

__all__ = [
    "InfracastClient",
    "__version__",
    "OPERATIONS",
    "verify_webhook",
    "compute_signature",
    "InfracastError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "PayloadTooLargeError",
    "RateLimitError",
    "ServerError",
    "ConnectionFailedError",
    "TimeoutError",
    "ReportFailedError",
    "WebhookSignatureError",
]
