// The TypeScript SDK (its built dist/) against a live server with the sample estate.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, test } from "node:test";
import {
  AuthenticationError,
  BadRequestError,
  ConnectionFailedError,
  InfracastClient,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  WebhookSignatureError,
  verifyWebhook,
} from "../dist/index.js";
import { API_URL, DEMO, collect, demoClient, instanceNamed, platformClient, poll, unique } from "./live.mjs";

describe("lists and iteration", () => {
  test("node filters and sort", async () => {
    const client = demoClient();
    const ascending = await client.nodes.list({
      tenant: DEMO,
      types: ["aws.ec2.instance"],
      region: "us-east-1",
      sort: "name",
      per_page: 200,
    });
    assert.ok(ascending.items.length > 5);
    assert.equal(ascending.total, ascending.items.length);
    assert.ok(ascending.items.every((node) => node.type === "aws.ec2.instance" && node.region === "us-east-1"));
    const names = ascending.items.map((node) => node.name);
    assert.deepEqual(names, [...names].sort());
    const descending = await client.nodes.list({
      tenant: DEMO,
      types: "aws.ec2.instance",
      region: "us-east-1",
      sort: "-name",
      per_page: 200,
    });
    assert.deepEqual(
      descending.items.map((node) => node.name),
      [...names].sort().reverse(),
    );
  });

  test("findings severity filter", async () => {
    const client = demoClient();
    const page = await client.findings.list({ tenant: DEMO, severity: ["HIGH", "CRITICAL"], per_page: 500 });
    assert.ok(page.items.length > 0);
    assert.ok(page.items.every((finding) => ["high", "critical"].includes(finding.severity)));
    const everything = await client.findings.list({ tenant: DEMO, per_page: 1 });
    assert.ok(everything.total > page.total);
  });

  test("iteration walks every page with the cursor", async () => {
    const client = demoClient();
    const first = await client.nodes.list({ tenant: DEMO, per_page: 20 });
    assert.ok(first.total > 100, "the sample estate needs several pages of 20");
    assert.ok(first.next_cursor);
    const ids = (await collect(client.nodes.iter({ tenant: DEMO, per_page: 20 }))).map((node) => node.id);
    assert.equal(ids.length, first.total);
    assert.equal(new Set(ids).size, first.total);
    const edges = await collect(client.edges.iter({ tenant: DEMO, kind: "member_of", per_page: 13 }));
    assert.equal(edges.length, (await client.edges.list({ tenant: DEMO, kind: "member_of", per_page: 1 })).total);
    assert.ok(edges.every((edge) => edge.kind === "member_of"));
  });

  test("an unknown sort is a bad request", async () => {
    await assert.rejects(
      demoClient().nodes.list({ tenant: DEMO, sort: "no_such_field" }),
      (error) => error instanceof BadRequestError && error.status === 400,
    );
  });
});

describe("network, compliance, findings and reports", () => {
  test("trace reachable and not", async () => {
    const client = demoClient();
    const web = await instanceNamed(client, DEMO, "prod-web-00");
    const database = await instanceNamed(client, DEMO, "prod-db-00");
    const outbound = await client.pathtracer.trace({
      tenant: DEMO,
      source_node_id: web.id,
      destination_cidr: "0.0.0.0/0",
      port: 443,
      protocol: "tcp",
    });
    assert.equal(outbound.reachable, true);
    assert.equal(outbound.disposition, "EXITS_NETWORK");
    assert.equal(outbound.forward_hops[0].reason_code, "SG_ALLOWS_EGRESS");
    const blocked = await client.pathtracer.trace({
      tenant: DEMO,
      source_node_id: web.id,
      destination_node_id: database.id,
      port: 5432,
    });
    assert.equal(blocked.reachable, false);
    assert.equal(blocked.disposition, "DENIED_IN");
    assert.ok(blocked.blocked_at);
  });

  test("compliance summary, frameworks and controls", async () => {
    const client = demoClient();
    const summary = await client.compliance.summary({ tenant: DEMO });
    assert.equal(typeof summary.score, "number");
    const frameworks = await client.compliance.frameworks({ tenant: DEMO });
    assert.deepEqual(new Set(frameworks.map((f) => f.id)), new Set(summary.frameworks.map((f) => f.framework)));
    const controls = await client.compliance.controls({ tenant: DEMO, framework: frameworks[0].id });
    assert.equal(controls.controls.length, frameworks[0].controls_total);
    // Coverage beside the score, and the stored evaluation the scores are.
    const [first] = frameworks;
    assert.equal(first.controls_assessed, first.controls_passing + first.controls_failing);
    assert.equal(controls.controls_assessed, first.controls_assessed);
    assert.ok(first.coverage_text.startsWith(`${first.controls_assessed} of ${first.controls_total} controls assessed`), first.coverage_text);
    assert.ok(summary.evaluation);
    assert.equal(first.evaluation?.evaluation_id, summary.evaluation.evaluation_id);
  });

  test("accept a finding", async () => {
    const client = demoClient();
    const [finding] = (await client.findings.list({ tenant: DEMO, status: "open", per_page: 1 })).items;
    const accepted = await client.findings.accept({
      tenant: DEMO,
      finding_id: finding.id,
      reason: "accepted by the typescript sdk test",
    });
    assert.equal(accepted.status, "accepted");
    const again = await client.findings.get({ tenant: DEMO, finding_id: finding.id });
    assert.equal(again.status, "accepted");
    assert.equal(again.acceptance.reason, "accepted by the typescript sdk test");
    assert.equal(again.rule.id, finding.rule_id);
  });

  test("generate, wait for and download an HTML report", async () => {
    const client = demoClient();
    const [framework] = await client.compliance.frameworks({ tenant: DEMO });
    const report = await client.reports.generate({ tenant: DEMO, format: "html", framework: framework.id });
    const ready = await client.reports.wait({ tenant: DEMO, report_id: report.id, timeoutMs: 120_000 });
    assert.equal(ready.status, "READY");
    const bytes = await client.reports.download({ tenant: DEMO, report_id: report.id });
    assert.equal(bytes.length, ready.size_bytes);
    const text = new TextDecoder().decode(bytes);
    assert.match(text, /<html/i);
    assert.ok(text.includes(framework.name), "the report names its framework");
  });
});

describe("errors, retries and tokens", () => {
  test("a missing node is NotFoundError", async () => {
    await assert.rejects(
      demoClient().nodes.get({ tenant: DEMO, node_id: "aws:us-east-1:aws.ec2.instance:i-missing" }),
      (error) => error instanceof NotFoundError && error.status === 404 && error.code === "NOT_FOUND",
    );
  });

  test("429 is RateLimitError, and retries wait Retry-After", async () => {
    const platform = platformClient();
    const tenant = unique("sdk-ts-free");
    await platform.tenants.create({ id: tenant, name: "SDK rate limit", plan: "free" });
    const { key } = await platform.apiKeys.create({ tenant, role: "admin" });
    const hammer = new InfracastClient({ apiUrl: API_URL, apiToken: key, maxRetries: 0 });
    let limited;
    for (let index = 0; index < 50 && !limited; index += 1) {
      try {
        await hammer.auth.me();
      } catch (error) {
        limited = error;
      }
    }
    assert.ok(limited instanceof RateLimitError, String(limited));
    assert.equal(limited.status, 429);
    assert.equal(limited.code, "RATE_LIMITED");
    assert.ok(limited.retryAfter > 0);
    const retries = [];
    const patient = new InfracastClient({
      apiUrl: API_URL,
      apiToken: key,
      maxRetries: 5,
      onRetry: (attempt, delay, error) => retries.push({ delay, error }),
    });
    const started = Date.now();
    for (let index = 0; index < 3; index += 1) assert.equal((await patient.auth.me()).tenant, tenant);
    assert.ok(retries.length > 0);
    for (const { delay, error } of retries) {
      assert.ok(error instanceof RateLimitError);
      assert.equal(delay, error.retryAfter);
    }
    const waited = retries.reduce((sum, retry) => sum + retry.delay, 0);
    assert.ok(Date.now() - started >= waited * 900);
    await platform.tenants.delete(tenant);
  });

  test("idempotent requests are retried after connection failures, POSTs are not", async () => {
    const probe = createServer();
    await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closedUrl = `http://127.0.0.1:${probe.address().port}`;
    await new Promise((resolve) => probe.close(resolve));
    const retries = [];
    const client = new InfracastClient({
      apiUrl: closedUrl,
      apiToken: "x",
      maxRetries: 2,
      maxRetryWaitSeconds: 0.05,
      onRetry: (attempt, _delay, error) => retries.push({ attempt, error }),
    });
    await assert.rejects(client.nodes.list({ tenant: DEMO }), ConnectionFailedError);
    assert.deepEqual(
      retries.map((retry) => retry.attempt),
      [1, 2],
    );
    assert.ok(retries.every((retry) => retry.error instanceof ConnectionFailedError));
    retries.length = 0;
    await assert.rejects(
      client.jobs.create({ tenant: DEMO, provider: "fixture", config: { sample: true } }),
      ConnectionFailedError,
    );
    assert.deepEqual(retries, [], "a POST may have been processed: never sent twice");
  });

  test("mint, use and refresh tokens", async () => {
    const client = demoClient();
    const tokens = await client.auth.token();
    assert.equal(tokens.token_type, "Bearer");
    const withToken = new InfracastClient({ apiUrl: API_URL, apiToken: tokens.access_token });
    assert.equal((await withToken.auth.me()).credential, "access_token");
    const refreshed = await client.auth.refresh(tokens.refresh_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    await assert.rejects(client.auth.refresh(tokens.refresh_token), AuthenticationError);
  });

  test("an expired access token is refreshed by the client", async () => {
    const tokens = await demoClient().auth.token();
    const client = new InfracastClient({
      apiUrl: API_URL,
      apiToken: "not-a-valid-access-token",
      refreshToken: tokens.refresh_token,
    });
    const me = await client.auth.me();
    assert.equal(me.tenant, DEMO);
    assert.equal(me.credential, "access_token");
    assert.notEqual(client.accessToken, "not-a-valid-access-token");
    assert.notEqual(client.refreshToken, tokens.refresh_token);
  });

  test("a viewer may not write", async () => {
    const platform = platformClient();
    const tenant = unique("sdk-ts-viewer");
    await platform.tenants.create({ id: tenant, name: "Viewer" });
    const { key, id } = await platform.apiKeys.create({ tenant, role: "viewer" });
    const viewer = new InfracastClient({ apiUrl: API_URL, apiToken: key });
    await assert.rejects(viewer.nodes.create({ tenant, id: "aws:us-east-1:aws.ec2.vpc:vpc-1" }), PermissionDeniedError);
    await platform.apiKeys.revoke({ tenant, key_id: id });
    await assert.rejects(viewer.auth.me(), AuthenticationError);
    await platform.tenants.delete(tenant);
    await assert.rejects(platform.tenants.get(tenant), NotFoundError);
  });
});

describe("jobs and events", () => {
  test("discover waits for the end and streams typed events", async () => {
    const client = demoClient();
    const events = [];
    const job = await client.jobs.discover({
      tenant: DEMO,
      provider: "fixture",
      config: { sample: true },
      timeoutMs: 120_000,
      onEvent: (event) => events.push(event),
    });
    assert.equal(job.status, "succeeded");
    assert.ok(events.length > 0);
    assert.equal(events.at(-1).event, "done");
    assert.equal(events.at(-1).id, job.id);
    const replay = await collect(client.jobs.events({ tenant: DEMO, job_id: job.id }));
    assert.deepEqual(
      replay.map((event) => event.event),
      ["done"],
    );
    assert.equal((await client.jobs.diff({ tenant: DEMO, job_id: job.id })).job_id, job.id);
  });

  test("create, start, wait", async () => {
    const client = demoClient();
    const created = await client.jobs.create({ tenant: DEMO, provider: "fixture", config: { sample: true } });
    assert.equal(created.status, "created");
    await client.jobs.start({ tenant: DEMO, job_id: created.id });
    assert.equal(
      (await client.jobs.wait({ tenant: DEMO, job_id: created.id, timeoutMs: 120_000 })).status,
      "succeeded",
    );
  });
});

describe("webhooks", () => {
  test("a signed delivery verifies with verifyWebhook", async () => {
    const received = [];
    const server = createServer((request, response) => {
      const chunks = [];
      request.on("data", (chunk) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ headers: request.headers, body: new Uint8Array(Buffer.concat(chunks)) });
        response.writeHead(200).end("ok");
      });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = demoClient();
    const secret = "typescript-sdk-secret-0123456789";
    const webhook = await client.webhooks.create({
      tenant: DEMO,
      url: `http://127.0.0.1:${server.address().port}/hook`,
      events: ["job.completed"],
      secret,
    });
    try {
      const job = await client.jobs.discover({
        tenant: DEMO,
        provider: "fixture",
        config: { sample: true },
        timeoutMs: 120_000,
      });
      const delivery = await poll(
        () => received.find((entry) => new TextDecoder().decode(entry.body).includes(job.id)),
        { timeoutMs: 30_000, what: "the job.completed delivery" },
      );
      const event = await verifyWebhook(delivery.body, { secret, headers: delivery.headers });
      assert.equal(event.type, "job.completed");
      assert.equal(event.tenant, DEMO);
      const tampered = new Uint8Array([...delivery.body, 32]);
      await assert.rejects(verifyWebhook(tampered, { secret, headers: delivery.headers }), WebhookSignatureError);
      await assert.rejects(
        verifyWebhook(delivery.body, { secret: "another-secret-0123456789", headers: delivery.headers }),
        WebhookSignatureError,
      );
      await assert.rejects(
        verifyWebhook(delivery.body, { secret, headers: delivery.headers, now: Date.now() / 1000 + 3600 }),
        WebhookSignatureError,
      );
      const delivered = await poll(
        async () => {
          const log = await client.webhooks.deliveries({ tenant: DEMO, webhook_id: webhook.id });
          const done = log.items.filter((entry) => entry.status === "delivered");
          return done.length > 0 ? done : undefined;
        },
        { timeoutMs: 30_000, what: "a delivered entry in the log" },
      );
      assert.equal(delivered[0].last_status_code, 200);
    } finally {
      await client.webhooks.delete({ tenant: DEMO, webhook_id: webhook.id });
      server.close();
    }
    await assert.rejects(client.webhooks.get({ tenant: DEMO, webhook_id: webhook.id }), NotFoundError);
  });
});

describe("audit log", () => {
  test("audit events when the server serves them", async (context) => {
    const document = await platformClient().health.openapi();
    if (!("/api/v1/tenants/{tenant}/audit-events" in document.paths)) {
      context.skip("this server does not serve the audit log yet");
      return;
    }
    const client = demoClient();
    const since = new Date(Date.now() - 5000).toISOString();
    const schedule = await client.schedules.create({
      tenant: DEMO,
      cron: "0 4 * * *",
      provider: "fixture",
      config: { sample: true },
    });
    await client.schedules.delete({ tenant: DEMO, schedule_id: schedule.id });
    // Two writes on one target: its creation and its deletion, oldest first.
    const page = await client.auditEvents.list({ tenant: DEMO, target_id: schedule.id, since, sort: "occurred_at" });
    assert.deepEqual(
      page.items.map((event) => event.method),
      ["POST", "DELETE"],
    );
    assert.ok(page.items.every((event) => event.target_id === schedule.id));
    const deletions = await client.auditEvents.list({
      tenant: DEMO,
      target_id: schedule.id,
      action: page.items[1].action,
    });
    assert.deepEqual(
      deletions.items.map((event) => event.id),
      [page.items[1].id],
    );
    const walked = await collect(client.auditEvents.iter({ tenant: DEMO, since, per_page: 1 }));
    assert.ok(walked.length >= 2);
    assert.equal(new Set(walked.map((event) => event.id)).size, walked.length);
    const across = await platformClient().auditEvents.listPlatform({ tenant: DEMO, target_id: schedule.id });
    assert.deepEqual(across.items.map((event) => event.id).sort(), page.items.map((event) => event.id).sort());
    assert.ok(across.items.every((event) => event.tenant_id === DEMO));
    const walkedPlatform = await collect(
      platformClient().auditEvents.iterPlatform({ tenant: DEMO, target_id: schedule.id, per_page: 1 }),
    );
    assert.equal(walkedPlatform.length, 2);
  });
});
