"""HTTP transport on the standard library (`urllib`): bearer auth, the envelope, typed errors,
bounded retries (429 honouring Retry-After; connection failures on idempotent methods) and the
automatic refresh of an expired access token. Resources call `request`; nothing else does IO."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import (
    AuthenticationError,
    ConnectionFailedError,
    InfracastError,
    RateLimitError,
    error_from_response,
)

QueryValue = Union[None, str, int, float, bool, Sequence[str]]
RetryHook = Callable[[int, float, InfracastError], None]

# Methods that may be sent again after a connection failure without doing the work twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class Response:
    """A decoded answer: status, headers, and the JSON body (or raw bytes for downloads)."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.body = body

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


def encode_query(params: Optional[Mapping[str, QueryValue]]) -> str:
    """`None` is left out, lists become comma lists (the API's convention), booleans lowercase."""
    if not params:
        return ""
    pairs: List[Tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif isinstance(value, (list, tuple)):
            if name == "tag":  # `tag` repeats instead of joining: `tag=a:1&tag=b:2`
                pairs.extend((name, str(item)) for item in value)
            elif value:
                pairs.append((name, ",".join(str(item) for item in value)))
        else:
            pairs.append((name, str(value)))
    return urllib.parse.urlencode(pairs)


class Transport:
    def __init__(
        self,
        api_url: str,
        *,
        api_token: Optional[str],
        refresh_token: Optional[str],
        timeout: float,
        max_retries: int,
        max_retry_wait: float,
        user_agent: str,
        on_retry: Optional[RetryHook],
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = api_token
        self.refresh_token = refresh_token
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.user_agent = user_agent
        self.on_retry = on_retry

    # -- one exchange --------------------------------------------------------------------------

    def _send_once(
        self,
        method: str,
        path: str,
        query: str,
        body: Optional[bytes],
        headers: Dict[str, str],
        timeout: Optional[float],
    ) -> Response:
        url = self.api_url + path + ("?" + query if query else "")
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as answer:
                return Response(answer.status, dict(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers.items()), error.read())
        except (urllib.error.URLError, ConnectionError, socket.timeout, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ConnectionFailedError(f"cannot reach {self.api_url}: {reason}") from error

    def _headers(self, has_body: bool, accept: str, authenticated: bool) -> Dict[str, str]:
        headers = {"Accept": accept, "User-Agent": self.user_agent}
        if has_body:
            headers["Content-Type"] = "application/json"
        if authenticated and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    # -- retries and refresh -------------------------------------------------------------------

    def _retry_delay(self, attempt: int, error: InfracastError) -> float:
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_retry_wait)
        backoff = min(0.25 * (2.0**attempt), self.max_retry_wait)
        return backoff * (0.5 + random.random() / 2)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, QueryValue]] = None,
        body: Any = None,
        authenticated: bool = True,
        accept: str = "application/json",
        timeout: Optional[float] = None,
    ) -> Response:
        """Sends one request with retries; returns a 2xx answer or raises the typed error."""
        query = encode_query(params)
        data = None if body is None else json.dumps(body).encode("utf-8")
        refreshed = False
        attempt = 0
        while True:
            headers = self._headers(data is not None, accept, authenticated)
            try:
                response = self._send_once(method, path, query, data, headers, timeout)
            except ConnectionFailedError as failure:
                if method not in IDEMPOTENT_METHODS or attempt >= self.max_retries:
                    raise
                delay = self._retry_delay(attempt, failure)
                self._notify_and_wait(attempt, delay, failure)
                attempt += 1
                continue
            if 200 <= response.status < 300:
                return response
            error = error_from_response(
                response.status, _json_or_none(response), response.headers.get("retry-after")
            )
            if (
                isinstance(error, AuthenticationError)
                and authenticated
                and self.refresh_token
                and not refreshed
            ):
                # An access token expired: trade the refresh token once, then replay.
                self.refresh()
                refreshed = True
                continue
            if isinstance(error, RateLimitError) and attempt < self.max_retries:
                delay = self._retry_delay(attempt, error)
                self._notify_and_wait(attempt, delay, error)
                attempt += 1
                continue
            raise error

    def _notify_and_wait(self, attempt: int, delay: float, error: InfracastError) -> None:
        if self.on_retry is not None:
            self.on_retry(attempt + 1, delay, error)
        time.sleep(delay)

    def refresh(self, refresh_token: Optional[str] = None) -> Dict[str, Any]:
        """Exchanges a refresh token; with none given, the client's own, adopting the new pair."""
        own = refresh_token is None
        token = refresh_token or self.refresh_token
        if not token:
            raise AuthenticationError(
                "no refresh token: create the client with refresh_token= or call auth.token()",
                status=None,
                code="UNAUTHORIZED",
            )
        response = self.request(
            "POST",
            "/api/v1/auth/refresh",
            body={"refresh_token": token},
            authenticated=False,
        )
        pair: Dict[str, Any] = response.json()["data"]
        if own:
            self.token = pair["access_token"]
            self.refresh_token = pair["refresh_token"]
        return pair

    # -- helpers for resources -----------------------------------------------------------------

    def data(self, method: str, path: str, **kwargs: Any) -> Any:
        """The `data` of the envelope (None for 204)."""
        body = self.request(method, path, **kwargs).json()
        if isinstance(body, dict) and "data" in body:
            return body["data"]
        return body

    def envelope(self, method: str, path: str, **kwargs: Any) -> Dict[str, Any]:
        body = self.request(method, path, **kwargs).json()
        return body if isinstance(body, dict) else {"data": body, "meta": {}}

    def stream_lines(self, path: str, timeout: Optional[float]) -> Iterator[str]:
        """Lines of a `text/event-stream` answer, read as they arrive (no retries mid-stream)."""
        url = self.api_url + path
        headers = self._headers(False, "text/event-stream", True)
        request = urllib.request.Request(url, method="GET", headers=headers)
        try:
            answer = urllib.request.urlopen(request, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as error:
            raise error_from_response(
                error.code, _json_bytes_or_none(error.read()), error.headers.get("retry-after")
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise ConnectionFailedError(f"cannot reach {self.api_url}: {error}") from error
        with answer:
            for raw in answer:
                yield raw.decode("utf-8").rstrip("\r\n")


def _json_or_none(response: Response) -> Any:
    return _json_bytes_or_none(response.body)


def _json_bytes_or_none(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8")) if body else None
    except (ValueError, UnicodeDecodeError):
        return None


def quote(segment: str) -> str:
    """A path segment (node ids contain `:`, which stays; `/` and the rest are escaped)."""
    return urllib.parse.quote(str(segment), safe=":@")
