"""schemathesis hooks for scripts/fuzz-api.sh.

Paces requests below the rate limits they count against, so the run tests the API's logic
instead of its 429s: tenant routes share the demo tenant's enterprise allowance (1000 a minute,
burst 100), the other guarded routes the platform key's; open routes have none.
`--rate-limit auto` waits out any 429 that still happens (its Retry-After).
"""

import threading
import time

import schemathesis

REQUESTS_PER_SECOND = 15.0
OPEN_PATHS = {"/healthz", "/api/v1/auth/token", "/api/v1/auth/refresh",
              "/api/v1/openapi.json", "/api/v1/openapi.yaml"}

_lock = threading.Lock()
_next_slot = {}


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
