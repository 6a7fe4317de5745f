"""Verifies a webhook delivery: `X-Infracast-Signature` is `sha256=<hex>` of
HMAC-SHA256(secret, f"{X-Infracast-Timestamp}.{raw body}"); a timestamp older (or newer) than the
tolerance is refused so a captured delivery cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Mapping, Optional, Union

from .errors import WebhookSignatureError
from .models import WebhookEvent

SIGNATURE_HEADER = "X-Infracast-Signature"
TIMESTAMP_HEADER = "X-Infracast-Timestamp"
DEFAULT_TOLERANCE_SECONDS = 300


def compute_signature(secret: str, timestamp: Union[int, str], body: bytes) -> str:
    """The signature the server sends for `body` at `timestamp`."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_webhook(
    body: bytes,
    *,
    secret: str,
    signature: Optional[str] = None,
    timestamp: Optional[Union[int, str]] = None,
    headers: Optional[Mapping[str, str]] = None,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[float] = None,
) -> WebhookEvent:
    """Checks the signature over the raw body and the timestamp's age; returns the parsed event
    or raises `WebhookSignatureError`. Pass the request's `headers` (any case), or `signature`
    and `timestamp` directly."""
    if headers is not None:
        lowered = {name.lower(): value for name, value in headers.items()}
        signature = signature or lowered.get(SIGNATURE_HEADER.lower())
        timestamp = timestamp if timestamp is not None else lowered.get(TIMESTAMP_HEADER.lower())
    if not signature or timestamp is None:
        raise WebhookSignatureError("missing signature or timestamp header", code="BAD_SIGNATURE")
    try:
        sent_at = int(str(timestamp))
    except ValueError:
        raise WebhookSignatureError("timestamp is not a whole number", code="BAD_SIGNATURE") from None
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_seconds:
        raise WebhookSignatureError(
            f"timestamp is {int(current - sent_at)} s away from now (tolerance {tolerance_seconds} s)",
            code="STALE_TIMESTAMP",
        )
    expected = compute_signature(secret, sent_at, body)
    if not hmac.compare_digest(expected, signature.strip()):
        raise WebhookSignatureError("signature does not match the body", code="BAD_SIGNATURE")
    return WebhookEvent.from_dict(json.loads(body.decode("utf-8")))
