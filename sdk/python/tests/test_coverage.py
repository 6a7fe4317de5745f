"""Every operation of the served OpenAPI document is in `OPERATIONS`, and every method named
there exists on the client. (Not the reverse: the table may list operations a newer server has.)"""

from __future__ import annotations

import re
import unittest

import infracast

from .live import API_URL, demo_client

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def normalised(path: str) -> str:
    """`/tenants/{tenant}/nodes/{node_id}` and `/tenants/{t}/nodes/{id}` are the same operation."""
    return re.sub(r"\{[^}]+\}", "{}", path)


class Coverage(unittest.TestCase):
    def test_every_served_operation_is_covered(self) -> None:
        document = infracast.InfracastClient(api_url=API_URL).health.openapi()
        served = {
            (method.upper(), normalised(path))
            for path, operations in document["paths"].items()
            for method in operations
            if method in HTTP_METHODS
        }
        self.assertGreater(len(served), 40)
        covered = {(method, normalised(path)) for method, path, _ in infracast.OPERATIONS}
        missing = sorted(served - covered)
        self.assertEqual(missing, [], f"operations the Python SDK does not cover: {missing}")

    def test_every_listed_method_exists(self) -> None:
        client = demo_client()
        for method, path, name in infracast.OPERATIONS:
            resource_name, function_name = name.split(".")
            resource = getattr(client, resource_name, None)
            self.assertIsNotNone(resource, f"{name} for {method} {path}")
            self.assertTrue(callable(getattr(resource, function_name, None)), f"{name} for {method} {path}")
