"""The SDK against a live server started with the sample estate (tenant `demo`)."""

from __future__ import annotations

import http.server
import os
import tempfile
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Tuple

import infracast

from .live import API_URL, DEMO, demo_client, instance_named, platform_client, poll, unique


class ListsAndIteration(unittest.TestCase):
    def setUp(self) -> None:
        self.client = demo_client()

    def test_node_filters_and_sort(self) -> None:
        ascending = self.client.nodes.list(
            tenant=DEMO, types=["aws.ec2.instance"], region="us-east-1", sort="name", per_page=200
        )
        self.assertGreater(len(ascending), 5)
        self.assertEqual(ascending.total, len(ascending))
        self.assertTrue(all(node.type == "aws.ec2.instance" for node in ascending))
        self.assertTrue(all(node.region == "us-east-1" for node in ascending))
        names = [node.name for node in ascending]
        self.assertEqual(names, sorted(names))
        descending = self.client.nodes.list(
            tenant=DEMO, types="aws.ec2.instance", region="us-east-1", sort="-name", per_page=200
        )
        self.assertEqual([node.name for node in descending], sorted(names, reverse=True))

    def test_findings_severity_filter(self) -> None:
        page = self.client.findings.list(tenant=DEMO, severity=["HIGH", "CRITICAL"], per_page=500)
        self.assertGreater(len(page), 0)
        self.assertTrue(all(finding.severity in ("high", "critical") for finding in page))
        everything = self.client.findings.list(tenant=DEMO, per_page=1)
        self.assertGreater(everything.total, page.total, "the filter must have left some findings out")

    def test_unknown_sort_is_a_bad_request(self) -> None:
        with self.assertRaises(infracast.BadRequestError) as raised:
            self.client.nodes.list(tenant=DEMO, sort="no_such_field")
        self.assertEqual(raised.exception.status, 400)

    def test_iteration_walks_every_page_with_the_cursor(self) -> None:
        total = self.client.nodes.list(tenant=DEMO, per_page=1).total
        self.assertGreater(total, 100, "the sample estate should need several pages of 20")
        pages_seen: List[Dict[str, Any]] = []
        first = self.client.nodes.list(tenant=DEMO, per_page=20)
        self.assertIsNotNone(first.next_cursor)
        pages_seen.append(first.meta)
        ids = [node.id for node in self.client.nodes.iter(tenant=DEMO, per_page=20)]
        self.assertEqual(len(ids), total)
        self.assertEqual(len(set(ids)), total, "no node twice")
        instances = list(self.client.nodes.iter(tenant=DEMO, types=["aws.ec2.instance"], per_page=7))
        self.assertEqual(
            len(instances), self.client.nodes.list(tenant=DEMO, types=["aws.ec2.instance"]).total
        )

    def test_findings_iteration_matches_the_total(self) -> None:
        total = self.client.findings.list(tenant=DEMO, per_page=1).total
        found = list(self.client.findings.iter(tenant=DEMO, per_page=9))
        self.assertEqual(len(found), total)
        self.assertEqual(len({finding.id for finding in found}), total)


class NetworkAndCompliance(unittest.TestCase):
    def setUp(self) -> None:
        self.client = demo_client()

    def test_trace_reachable_and_not(self) -> None:
        web = instance_named(self.client, DEMO, "prod-web-00")
        database = instance_named(self.client, DEMO, "prod-db-00")
        outbound = self.client.pathtracer.trace(
            tenant=DEMO, source_node_id=web.id, destination_cidr="0.0.0.0/0", port=443, protocol="tcp"
        )
        self.assertTrue(outbound.reachable)
        self.assertEqual(outbound.disposition, "EXITS_NETWORK")
        self.assertEqual(outbound.forward_hops[0].reason_code, "SG_ALLOWS_EGRESS")
        self.assertIsInstance(outbound.forward_hops[0], infracast.Hop)
        blocked = self.client.pathtracer.trace(
            tenant=DEMO, source_node_id=web.id, destination_node_id=database.id, port=5432
        )
        self.assertFalse(blocked.reachable)
        self.assertEqual(blocked.disposition, "DENIED_IN")
        self.assertIsNotNone(blocked.blocked_at)

    def test_compliance_summary_frameworks_and_controls(self) -> None:
        summary = self.client.compliance.summary(tenant=DEMO)
        self.assertIsInstance(summary.score, float)
        self.assertGreater(len(summary.frameworks), 0)
        frameworks = self.client.compliance.frameworks(tenant=DEMO)
        self.assertEqual({f.id for f in frameworks}, {f.framework for f in summary.frameworks})
        controls = self.client.compliance.controls(tenant=DEMO, framework=frameworks[0].id)
        self.assertEqual(len(controls.controls), frameworks[0].controls_total)
        # Coverage beside the score, and the stored evaluation the scores are.
        first = frameworks[0]
        self.assertEqual(first.controls_assessed, first.controls_passing + first.controls_failing)
        self.assertEqual(controls.controls_assessed, first.controls_assessed)
        self.assertTrue(
            first.coverage_text.startswith(f"{first.controls_assessed} of {first.controls_total} controls assessed"),
            first.coverage_text,
        )
        self.assertIsNotNone(summary.evaluation)
        self.assertEqual(first.evaluation.evaluation_id, summary.evaluation.evaluation_id)
        self.assertGreater(summary.evaluation.graph_generation, 0)

    def test_exposure_lists_internet_reachable_resources(self) -> None:
        exposure = list(self.client.exposure.iter(tenant=DEMO, per_page=5))
        self.assertEqual(len(exposure), self.client.exposure.list(tenant=DEMO).total)
        self.assertGreater(len(exposure), 5)
        self.assertTrue(all(entry.path for entry in exposure))


class Findings(unittest.TestCase):
    def test_accept_a_finding(self) -> None:
        client = demo_client()
        finding = client.findings.list(tenant=DEMO, status="open", per_page=1)[0]
        accepted = client.findings.accept(
            tenant=DEMO, finding_id=finding.id, reason="accepted by the python sdk test"
        )
        self.assertEqual(accepted.status, "accepted")
        again = client.findings.get(tenant=DEMO, finding_id=finding.id)
        self.assertEqual(again.status, "accepted")
        self.assertIsNotNone(again.acceptance)
        self.assertEqual(again.acceptance.reason, "accepted by the python sdk test")  # type: ignore[union-attr]
        self.assertEqual(again.rule["id"], finding.rule_id)  # type: ignore[index]


class Reports(unittest.TestCase):
    def test_generate_wait_and_download_a_pdf(self) -> None:
        client = demo_client()
        framework = client.compliance.frameworks(tenant=DEMO)[0].id
        report = client.reports.generate(tenant=DEMO, format="pdf", framework=framework, title="SDK test")
        self.assertIn(report.status, ("PENDING", "GENERATING", "READY"))
        ready = client.reports.wait(tenant=DEMO, report_id=report.id, timeout=120)
        self.assertEqual(ready.status, "READY")
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "report.pdf")
            content = client.reports.download(tenant=DEMO, report_id=report.id, path=path)
            with open(path, "rb") as file:
                self.assertEqual(file.read(), content)
        self.assertTrue(content.startswith(b"%PDF-"))
        self.assertEqual(len(content), ready.size_bytes)
        listed = client.reports.list(tenant=DEMO, status="READY", format="pdf")
        self.assertIn(report.id, [item.id for item in listed])


class Errors(unittest.TestCase):
    def test_missing_node_is_not_found(self) -> None:
        with self.assertRaises(infracast.NotFoundError) as raised:
            demo_client().nodes.get(tenant=DEMO, node_id="aws:us-east-1:aws.ec2.instance:i-missing")
        self.assertEqual(raised.exception.status, 404)
        self.assertEqual(raised.exception.code, "NOT_FOUND")
        self.assertTrue(raised.exception.message)

    def test_rate_limit_is_typed_and_retried_after_retry_after(self) -> None:
        platform = platform_client()
        tenant = unique("sdk-py-free")
        platform.tenants.create(id=tenant, name="SDK rate limit", plan="free")
        key = platform.api_keys.create(tenant=tenant, role="admin")
        self.assertTrue(key.key)
        hammer = infracast.InfracastClient(api_url=API_URL, api_token=key.key, max_retries=0)
        with self.assertRaises(infracast.RateLimitError) as raised:
            for _ in range(50):
                hammer.auth.me()
        self.assertEqual(raised.exception.status, 429)
        self.assertEqual(raised.exception.code, "RATE_LIMITED")
        self.assertIsNotNone(raised.exception.retry_after)
        self.assertGreater(raised.exception.retry_after, 0)  # type: ignore[operator]

        retries: List[Tuple[int, float, infracast.InfracastError]] = []
        patient = infracast.InfracastClient(
            api_url=API_URL,
            api_token=key.key,
            max_retries=5,
            on_retry=lambda attempt, delay, error: retries.append((attempt, delay, error)),
        )
        started = time.monotonic()
        for _ in range(3):
            self.assertEqual(patient.auth.me().tenant, tenant)
        elapsed = time.monotonic() - started
        self.assertGreater(len(retries), 0, "the burst was spent, so a retry was needed")
        for _, delay, error in retries:
            self.assertIsInstance(error, infracast.RateLimitError)
            self.assertEqual(delay, error.retry_after)
        self.assertGreaterEqual(elapsed, sum(delay for _, delay, _ in retries) * 0.9)
        platform.tenants.delete(tenant)

    def test_another_tenants_data_is_not_found(self) -> None:
        platform = platform_client()
        tenant = unique("sdk-py-other")
        platform.tenants.create(id=tenant, name="Other", plan="pro")
        with self.assertRaises(infracast.NotFoundError):
            demo_client().nodes.list(tenant=tenant)
        platform.tenants.delete(tenant)


class ConnectionRetries(unittest.TestCase):
    def test_idempotent_requests_are_retried_and_posts_are_not(self) -> None:
        import socket

        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            closed_url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        retries: List[Tuple[int, float, infracast.InfracastError]] = []
        client = infracast.InfracastClient(
            api_url=closed_url,
            api_token="x",
            max_retries=2,
            max_retry_wait=0.05,
            on_retry=lambda attempt, delay, error: retries.append((attempt, delay, error)),
        )
        with self.assertRaises(infracast.ConnectionFailedError):
            client.nodes.list(tenant=DEMO)
        self.assertEqual([attempt for attempt, _, _ in retries], [1, 2])
        self.assertTrue(all(isinstance(error, infracast.ConnectionFailedError) for _, _, error in retries))
        retries.clear()
        with self.assertRaises(infracast.ConnectionFailedError):
            client.jobs.create(tenant=DEMO, provider="fixture", config={"sample": True})
        self.assertEqual(retries, [], "a POST may have been processed: never sent twice")


class Tokens(unittest.TestCase):
    def test_mint_use_and_refresh(self) -> None:
        client = demo_client()
        tokens = client.auth.token()
        self.assertEqual(tokens.token_type, "Bearer")
        self.assertGreater(tokens.expires_in, 0)
        with_token = infracast.InfracastClient(api_url=API_URL, api_token=tokens.access_token)
        self.assertEqual(with_token.auth.me().credential, "access_token")
        refreshed = client.auth.refresh(tokens.refresh_token)
        self.assertNotEqual(refreshed.access_token, tokens.access_token)
        with self.assertRaises(infracast.AuthenticationError):
            client.auth.refresh(tokens.refresh_token)  # single use

    def test_expired_access_token_is_refreshed_by_the_client(self) -> None:
        tokens = demo_client().auth.token()
        client = infracast.InfracastClient(
            api_url=API_URL, api_token="not-a-valid-access-token", refresh_token=tokens.refresh_token
        )
        me = client.auth.me()
        self.assertEqual(me.tenant, DEMO)
        self.assertEqual(me.credential, "access_token")
        self.assertNotEqual(client.access_token, "not-a-valid-access-token")
        self.assertNotEqual(client.refresh_token, tokens.refresh_token)

    def test_without_refresh_token_a_bad_token_is_unauthorized(self) -> None:
        with self.assertRaises(infracast.AuthenticationError) as raised:
            infracast.InfracastClient(api_url=API_URL, api_token="nope").auth.me()
        self.assertEqual(raised.exception.status, 401)


class Jobs(unittest.TestCase):
    def test_discover_waits_and_streams_events(self) -> None:
        client = demo_client()
        events: List[infracast.JobEvent] = []
        job = client.jobs.discover(
            tenant=DEMO, provider="fixture", config={"sample": True}, timeout=120, on_event=events.append
        )
        self.assertEqual(job.status, "succeeded")
        self.assertTrue(job.is_finished)
        self.assertGreater(len(events), 0)
        self.assertEqual(events[-1].event, "done")
        self.assertEqual(events[-1].id, job.id)
        self.assertEqual(events[-1].status, "succeeded")
        replay = list(client.jobs.events(tenant=DEMO, job_id=job.id))
        self.assertEqual([event.event for event in replay], ["done"])
        diff = client.jobs.diff(tenant=DEMO, job_id=job.id)
        self.assertEqual(diff.job_id, job.id)
        listed = client.jobs.list(tenant=DEMO, status="succeeded", per_page=100)
        self.assertIn(job.id, [item.id for item in listed])

    def test_create_then_start_then_wait(self) -> None:
        client = demo_client()
        created = client.jobs.create(tenant=DEMO, provider="fixture", config={"sample": True})
        self.assertEqual(created.status, "created")
        started = client.jobs.start(tenant=DEMO, job_id=created.id)
        self.assertIn(started.status, ("pending", "running", "succeeded"))
        finished = client.jobs.wait(tenant=DEMO, job_id=created.id, timeout=120)
        self.assertEqual(finished.status, "succeeded")

    def test_bad_job_config_is_a_bad_request(self) -> None:
        with self.assertRaises(infracast.BadRequestError):
            demo_client().jobs.create(tenant=DEMO, provider="fixture", config={"nonsense": 1})


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: List[Tuple[Dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # http.server calls it by this name
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        type(self).received.append(({name: value for name, value in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        return


class Webhooks(unittest.TestCase):
    def test_signed_delivery_verifies_with_the_helper(self) -> None:
        _Receiver.received = []
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        client = demo_client()
        secret = "python-sdk-secret-0123456789"
        webhook = client.webhooks.create(
            tenant=DEMO,
            url=f"http://127.0.0.1:{server.server_address[1]}/hook",
            events=["job.completed"],
            secret=secret,
        )
        try:
            self.assertEqual(client.webhooks.get(tenant=DEMO, webhook_id=webhook.id).url, webhook.url)
            self.assertIn(webhook.id, [item.id for item in client.webhooks.list(tenant=DEMO)])
            job = client.jobs.discover(tenant=DEMO, provider="fixture", config={"sample": True}, timeout=120)
            headers, body = poll(
                lambda: next(((h, b) for h, b in _Receiver.received if job.id.encode() in b), None),
                timeout=30,
                what="the job.completed delivery of the job",
            )
            event = infracast.verify_webhook(body, secret=secret, headers=headers)
            self.assertEqual(event.type, "job.completed")
            self.assertEqual(event.tenant, DEMO)
            with self.assertRaises(infracast.WebhookSignatureError):
                infracast.verify_webhook(body + b" ", secret=secret, headers=headers)
            with self.assertRaises(infracast.WebhookSignatureError):
                infracast.verify_webhook(body, secret="another-secret-0123456789", headers=headers)
            with self.assertRaises(infracast.WebhookSignatureError):
                infracast.verify_webhook(body, secret=secret, headers=headers, now=time.time() + 3600)
            deliveries = poll(
                lambda: (
                    [
                        d
                        for d in client.webhooks.deliveries(tenant=DEMO, webhook_id=webhook.id)
                        if d.status == "delivered"
                    ]
                    or None
                ),
                timeout=30,
                what="a delivered entry in the delivery log",
            )
            self.assertEqual(deliveries[0].last_status_code, 200)
        finally:
            client.webhooks.delete(tenant=DEMO, webhook_id=webhook.id)
            server.shutdown()
            server.server_close()
        with self.assertRaises(infracast.NotFoundError):
            client.webhooks.get(tenant=DEMO, webhook_id=webhook.id)


class PlatformAdministration(unittest.TestCase):
    def test_tenant_lifecycle_and_keys(self) -> None:
        platform = platform_client()
        tenant = unique("sdk-py-tenant")
        created = platform.tenants.create(id=tenant, name="Created by SDK")
        self.assertEqual(created.plan, "free")
        self.assertEqual(platform.tenants.update(tenant, plan="pro").plan, "pro")
        self.assertIn(tenant, [item.id for item in platform.tenants.iter(per_page=2)])
        key = platform.api_keys.create(tenant=tenant, role="viewer", name="sdk viewer")
        self.assertIn(key.id, [item.id for item in platform.api_keys.list(tenant=tenant)])
        viewer = infracast.InfracastClient(api_url=API_URL, api_token=key.key)
        with self.assertRaises(infracast.PermissionDeniedError):
            viewer.nodes.create(tenant=tenant, id="aws:us-east-1:aws.ec2.vpc:vpc-1")
        platform.api_keys.revoke(tenant=tenant, key_id=key.id)
        with self.assertRaises(infracast.AuthenticationError):
            viewer.auth.me()
        platform.tenants.delete(tenant)
        with self.assertRaises(infracast.NotFoundError):
            platform.tenants.get(tenant)

    def test_graph_writes_schedules_and_evaluations(self) -> None:
        platform = platform_client()
        tenant = unique("sdk-py-graph")
        platform.tenants.create(id=tenant, name="Graph", plan="enterprise")
        admin = infracast.InfracastClient(
            api_url=API_URL, api_token=platform.api_keys.create(tenant=tenant, role="admin").key
        )
        vpc = admin.nodes.create(tenant=tenant, id="aws:us-east-1:aws.ec2.vpc:vpc-sdk", tags={"team": "sdk"})
        subnet = admin.nodes.create(tenant=tenant, id="aws:us-east-1:aws.ec2.subnet:subnet-sdk")
        edge = admin.edges.create(tenant=tenant, kind="contains", src=vpc.id, dst=subnet.id)
        self.assertEqual(admin.edges.get(tenant=tenant, edge_id=edge.id).dst, subnet.id)
        self.assertEqual([e.id for e in admin.edges.list(tenant=tenant, kind="contains")], [edge.id])
        self.assertEqual([n.id for n in admin.nodes.list(tenant=tenant, tags={"team": "sdk"})], [vpc.id])
        admin.edges.delete(tenant=tenant, edge_id=edge.id)
        admin.nodes.delete(tenant=tenant, node_id=subnet.id)
        self.assertEqual(admin.nodes.list(tenant=tenant).total, 1)
        schedule = admin.schedules.create(
            tenant=tenant, cron="0 3 * * *", provider="fixture", config={"sample": True}, name="nightly"
        )
        self.assertFalse(admin.schedules.disable(tenant=tenant, schedule_id=schedule.id).enabled)
        self.assertTrue(admin.schedules.enable(tenant=tenant, schedule_id=schedule.id).enabled)
        self.assertEqual(admin.schedules.get(tenant=tenant, schedule_id=schedule.id).name, "nightly")
        self.assertEqual([s.id for s in admin.schedules.list(tenant=tenant)], [schedule.id])
        admin.schedules.delete(tenant=tenant, schedule_id=schedule.id)
        evaluation = admin.evaluations.create(tenant=tenant)
        self.assertEqual(
            admin.jobs.wait(tenant=tenant, job_id=evaluation.job_id, timeout=60).kind, "evaluation"
        )
        rule = admin.rules.list(tenant=tenant)[0]
        self.assertEqual(admin.rules.get(tenant=tenant, rule_id=rule.id).title, rule.title)
        platform.tenants.delete(tenant)


class Audit(unittest.TestCase):
    """The audit log operations arrive with another branch; exercised once the server has them."""

    def test_audit_events_when_served(self) -> None:
        paths = platform_client().health.openapi()["paths"]
        if "/api/v1/tenants/{tenant}/audit-events" not in paths:
            self.skipTest("this server does not serve the audit log yet")
        client = demo_client()
        since = datetime.now(timezone.utc) - timedelta(seconds=5)
        schedule = client.schedules.create(
            tenant=DEMO, cron="0 4 * * *", provider="fixture", config={"sample": True}
        )
        client.schedules.delete(tenant=DEMO, schedule_id=schedule.id)
        # Two writes on one target: its creation and its deletion, oldest first.
        page = client.audit_events.list(tenant=DEMO, target_id=schedule.id, since=since, sort="occurred_at")
        self.assertEqual(len(page), 2)
        self.assertTrue(all(event.target_id == schedule.id for event in page))
        self.assertEqual([event.method for event in page], ["POST", "DELETE"])
        self.assertLessEqual(page[0].occurred_at, page[1].occurred_at)  # type: ignore[operator]
        deletions = client.audit_events.list(tenant=DEMO, target_id=schedule.id, action=page[1].action)
        self.assertEqual([event.id for event in deletions], [page[1].id])
        newest_first = client.audit_events.list(tenant=DEMO, since=since, sort="-occurred_at", per_page=500)
        walked = list(client.audit_events.iter(tenant=DEMO, since=since, sort="-occurred_at", per_page=1))
        self.assertGreaterEqual(len(walked), 2)
        self.assertEqual(len({event.id for event in walked}), len(walked))
        self.assertEqual([event.id for event in walked][: len(newest_first)], [e.id for e in newest_first])
        platform = platform_client()
        across = platform.audit_events.list_platform(tenant=DEMO, target_id=schedule.id)
        self.assertEqual(sorted(event.id for event in across), sorted(event.id for event in page))
        self.assertTrue(all(event.tenant_id == DEMO for event in across))
        walked_platform = list(
            platform.audit_events.iter_platform(tenant=DEMO, target_id=schedule.id, per_page=1)
        )
        self.assertEqual(len(walked_platform), 2)


if __name__ == "__main__":
    unittest.main()
