"""The API contract's Python example (`contract_example.py`, copied verbatim from the contract's
"SDKs & Libraries") runs against the live server with only its URL and token changed. It names
tenant `my-tenant` and instance `aws:us-east-1:aws.ec2.instance:web-01`, so the test first makes
them: the sample estate, plus `web-01` wired like the estate's `prod-web-01`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unittest

import infracast

from .live import API_URL, platform_client

EXAMPLE = os.path.join(os.path.dirname(__file__), "contract_example.py")
TENANT = "my-tenant"
WEB_01 = "aws:us-east-1:aws.ec2.instance:web-01"


def prepare_tenant() -> str:
    """Creates `my-tenant` (once per server) with the sample estate and `web-01`; returns a key."""
    platform = platform_client()
    try:
        platform.tenants.create(id=TENANT, name="My tenant", plan="enterprise")
    except infracast.ConflictError:
        pass
    key = platform.api_keys.create(tenant=TENANT, role="admin", name="contract example").key
    assert key
    admin = infracast.InfracastClient(api_url=API_URL, api_token=key)
    admin.jobs.discover(tenant=TENANT, provider="fixture", config={"sample": True}, timeout=120)
    try:
        admin.nodes.get(tenant=TENANT, node_id=WEB_01)
        return key
    except infracast.NotFoundError:
        pass
    template = [
        n
        for n in admin.nodes.list(tenant=TENANT, types=["aws.ec2.instance"], q="prod-web-01")
        if n.name == "prod-web-01"
    ][0]
    admin.nodes.create(tenant=TENANT, id=WEB_01, name="web-01", properties=template.properties)
    for edge in admin.edges.iter(tenant=TENANT, node=template.id):
        source = WEB_01 if edge.src == template.id else edge.src
        destination = WEB_01 if edge.dst == template.id else edge.dst
        if edge.kind == "attached_to" and "network_interface" in edge.src:
            continue  # an interface belongs to one instance; web-01 uses the instance's own subnet and groups
        admin.edges.create(
            tenant=TENANT, kind=edge.kind, src=source, dst=destination, properties=edge.properties
        )
    return key


class ContractExample(unittest.TestCase):
    def test_example_runs_with_only_url_and_token_changed(self) -> None:
        key = prepare_tenant()
        with open(EXAMPLE, encoding="utf-8") as file:
            original = file.read()
        self.assertEqual(original.count('"https://api.infracast.io"'), 1)
        self.assertEqual(original.count('"your-token"'), 1)
        changed = original.replace('"https://api.infracast.io"', repr(API_URL)).replace(
            '"your-token"', repr(key)
        )
        run = subprocess.run([sys.executable, "-c", changed], capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertRegex(run.stdout, r"^Overall score: \d+(\.\d+)?%\n")
        match = re.search(r"^Reachable: (True|False)$", run.stdout, re.MULTILINE)
        self.assertIsNotNone(match, run.stdout)
        print(run.stdout, end="", file=sys.stderr)
