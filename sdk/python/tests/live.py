"""What the suites share: the live server `scripts/test-sdks.sh` started (its URL and keys come
from the environment) and small helpers to poll a condition with a deadline."""

from __future__ import annotations

import os
import time
import uuid
from typing import Callable, Optional, TypeVar

import infracast

ResultT = TypeVar("ResultT")


def setting(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the suites through scripts/test-sdks.sh")
    return value


API_URL = setting("INFRACAST_API_URL")
DEMO_KEY = setting("INFRACAST_DEMO_KEY")
PLATFORM_KEY = setting("INFRACAST_PLATFORM_KEY")
DEMO = "demo"


def demo_client(**options: object) -> infracast.InfracastClient:
    return infracast.InfracastClient(api_url=API_URL, api_token=DEMO_KEY, **options)  # type: ignore[arg-type]


def platform_client(**options: object) -> infracast.InfracastClient:
    return infracast.InfracastClient(api_url=API_URL, api_token=PLATFORM_KEY, **options)  # type: ignore[arg-type]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def poll(condition: Callable[[], Optional[ResultT]], *, timeout: float, what: str) -> ResultT:
    """Calls `condition` until it returns something other than None, or fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def instance_named(client: infracast.InfracastClient, tenant: str, name: str) -> infracast.Node:
    page = client.nodes.list(tenant=tenant, types=["aws.ec2.instance"], q=name)
    matches = [node for node in page if node.name == name]
    if len(matches) != 1:
        raise AssertionError(f"expected one instance named {name} in {tenant}, got {len(matches)}")
    return matches[0]
