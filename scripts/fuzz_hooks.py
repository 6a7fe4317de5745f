"""schemathesis hooks for scripts/fuzz-api.sh.

Paces every request (generated ones and the extra ones checks send) below the demo tenant's
enterprise plan, 1000 requests a minute with a burst of 100, so the run tests the API's logic
instead of its 429s. `--rate-limit auto` waits out any 429 that still happens (its Retry-After).
"""

import threading
import time

import schemathesis

REQUESTS_PER_SECOND = 15.0

_lock = threading.Lock()
_next_slot = [0.0]


@schemathesis.hook
def before_call(context, case, kwargs):
    with _lock:
        now = time.monotonic()
        slot = max(now, _next_slot[0])
        _next_slot[0] = slot + 1.0 / REQUESTS_PER_SECOND
    delay = slot - now
    if delay > 0:
        time.sleep(delay)
