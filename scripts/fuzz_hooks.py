"""schemathesis hooks for scripts/fuzz-api.sh.

Paces requests below the rate limits they count against, so the run tests the API's logic
instead of its 429s: tenant routes share the demo tenant's enterprise allowance (1000 a minute,
burst 100), the other guarded routes the platform key's; open routes have none.
`--rate-limit auto` waits out any 429 that still happens (its Retry-After).

The `ignored_auth` check sends two probes without valid credentials after an operation's first
2xx (once per operation and run); they bypass these hooks and count against the limit on
requests without a valid credential (60 a minute per address, burst 30), so `after_call` spends
two of that allowance before they go, waiting when it is used up.
"""

import threading
import time

import schemathesis

REQUESTS_PER_SECOND = 15.0
OPEN_PATHS = {"/healthz", "/api/v1/auth/token", "/api/v1/auth/refresh",
              "/api/v1/openapi.json", "/api/v1/openapi.yaml"}

_lock = threading.Lock()
_next_slot = {}

UNAUTHENTICATED_PER_SECOND = 1.0  # 60 a minute
UNAUTHENTICATED_BURST = 28.0  # below the server's 30, so a late probe still finds room
PROBES_PER_OPERATION = 2.0
_probe_tokens = UNAUTHENTICATED_BURST
_probe_tokens_at = time.monotonic()
_probed_operations = set()


def _bucket(case):
    path = case.operation.path
    if path in OPEN_PATHS:
        return None
    if path.startswith("/api/v1/tenants/{tenant}/"):
        return "tenant"
    return "platform"


@schemathesis.hook
def before_call(context, case, kwargs):
    bucket = _bucket(case)
    if bucket is None:
        return
    with _lock:
        now = time.monotonic()
        slot = max(now, _next_slot.get(bucket, 0.0))
        _next_slot[bucket] = slot + 1.0 / REQUESTS_PER_SECOND
    delay = slot - now
    if delay > 0:
        time.sleep(delay)


@schemathesis.hook
def after_call(context, case, response):
    global _probe_tokens, _probe_tokens_at
    if not 200 <= response.status_code < 300 or _bucket(case) is None:
        return
    label = case.operation.label
    with _lock:
        if label in _probed_operations:
            return
        _probed_operations.add(label)
        now = time.monotonic()
        _probe_tokens = min(UNAUTHENTICATED_BURST,
                            _probe_tokens + (now - _probe_tokens_at) * UNAUTHENTICATED_PER_SECOND)
        _probe_tokens_at = now
        _probe_tokens -= PROBES_PER_OPERATION
        delay = max(0.0, -_probe_tokens / UNAUTHENTICATED_PER_SECOND)
    if delay > 0:
        time.sleep(delay)
