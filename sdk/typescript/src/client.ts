/**
 * `InfracastClient`: one transport shared by every resource property, grouped the way the API
 * contract reads (`client.nodes.list({ tenant })`). Each method is one operation of the OpenAPI
 * document (see `OPERATIONS`); `iter` methods are async iterators over every page.
 */

import { ConnectionFailedError, ReportFailedError, WaitTimeoutError } from "./errors.js";
import { Query, RetryHook, Transport, segment } from "./transport.js";
import {
  ApiKey,
  AuditEvent,
  ComplianceSummary,
  Delivery,
  Edge,
  Evaluation,
  Exposure,
  FindingWithRule,
  Finding,
  FrameworkControls,
  FrameworkScore,
  Job,
  JobDiff,
  JobEvent,
  Me,
  Node,
  Page,
  Report,
  Rule,
  Schedule,
  Status,
  TERMINAL_JOB_STATUSES,
  Tenant,
  Tokens,
  TraceResult,
  Webhook,
} from "./types.js";

export const VERSION = "0.1.0";

export interface ClientOptions {
  /** e.g. `https://api.infracast.io` */
  apiUrl: string;
  /** An API key (`ic_live_…`) or an access token. */
  apiToken?: string;
  /** With it, the client trades it for a new pair when the access token expires (a 401). */
  refreshToken?: string;
  /** Per request, default 30 000. */
  timeoutMs?: number;
  /** Retries of 429 (after Retry-After) and of connection failures on idempotent requests; default 3, 0 turns retrying off. */
  maxRetries?: number;
  /** Cap on one retry's wait, default 60. */
  maxRetryWaitSeconds?: number;
  /** Called before each retry's wait. */
  onRetry?: RetryHook;
  /** A `fetch` implementation (default: the global one). */
  fetch?: typeof fetch;
}

type StrList = string | readonly string[] | undefined;
const list = (value: StrList): readonly string[] | undefined => (typeof value === "string" ? [value] : value);

interface Paging {
  page?: number;
  per_page?: number;
}
interface Cursor extends Paging {
  sort?: string;
  cursor?: string;
}
interface TenantArg {
  tenant: string;
}

const tenantPath = (tenant: string, ...rest: string[]) => [`/api/v1/tenants/${segment(tenant)}`, ...rest].join("/");

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

class Resource {
  constructor(protected readonly transport: Transport) {}
}

export class HealthResource extends Resource {
  /** `GET /healthz` (no auth). */
  async check(): Promise<{ status: string }> {
    const response = await this.transport.request("GET", "/healthz", { authenticated: false });
    return (await response.json()) as { status: string };
  }
  /** `GET /livez` (no auth): the process answers, whatever the database does. */
  async live(): Promise<{ status: string }> {
    const response = await this.transport.request("GET", "/livez", { authenticated: false });
    return (await response.json()) as { status: string };
  }
  status(): Promise<Status> {
    return this.transport.data("GET", "/api/v1/status");
  }
  /** The served OpenAPI document. */
  async openapi(): Promise<Record<string, unknown>> {
    const response = await this.transport.request("GET", "/api/v1/openapi.json", { authenticated: false });
    return (await response.json()) as Record<string, unknown>;
  }
  async openapiYaml(): Promise<string> {
    const response = await this.transport.request("GET", "/api/v1/openapi.yaml", {
      authenticated: false,
      accept: "application/yaml",
    });
    return response.text();
  }
}

export class AuthResource extends Resource {
  /** Exchanges an API key (default: the client's) for tokens; `use: true` switches the client to them. */
  async token(options: { api_key?: string; use?: boolean } = {}): Promise<Tokens> {
    const tokens = await this.transport.data<Tokens>("POST", "/api/v1/auth/token", {
      body: { api_key: options.api_key ?? this.transport.token },
      authenticated: false,
    });
    if (options.use) {
      this.transport.token = tokens.access_token;
      this.transport.refreshToken = tokens.refresh_token;
    }
    return tokens;
  }
  /** Trades a refresh token (single use); without one, the client's own, adopting the new pair. */
  refresh(refreshToken?: string): Promise<Tokens> {
    return this.transport.refresh(refreshToken);
  }
  me(): Promise<Me> {
    return this.transport.data("GET", "/api/v1/auth/me");
  }
}

export class TenantsResource extends Resource {
  list(options: Paging = {}): Promise<Page<Tenant>> {
    return this.transport.page("/api/v1/tenants", { ...options });
  }
  iter(options: { per_page?: number } = {}): AsyncGenerator<Tenant> {
    return this.transport.iterate("/api/v1/tenants", { ...options }, false);
  }
  create(body: { id: string; name: string; plan?: string }): Promise<Tenant> {
    return this.transport.data("POST", "/api/v1/tenants", { body });
  }
  get(tenant: string): Promise<Tenant> {
    return this.transport.data("GET", tenantPath(tenant));
  }
  update(tenant: string, body: { name?: string; plan?: string }): Promise<Tenant> {
    return this.transport.data("PUT", tenantPath(tenant), { body });
  }
  async delete(tenant: string): Promise<void> {
    await this.transport.request("DELETE", tenantPath(tenant));
  }
}

export class ApiKeysResource extends Resource {
  /** Every key of the tenant (secrets are never shown again). */
  list({ tenant }: TenantArg): Promise<Page<ApiKey>> {
    return this.transport.page(tenantPath(tenant, "api-keys"), {});
  }
  /** The secret is in `.key`, shown this once. */
  create({ tenant, ...body }: TenantArg & { role: string; name?: string }): Promise<ApiKey> {
    return this.transport.data("POST", tenantPath(tenant, "api-keys"), { body });
  }
  async revoke({ tenant, key_id }: TenantArg & { key_id: string }): Promise<void> {
    await this.transport.request("DELETE", tenantPath(tenant, "api-keys", segment(key_id)));
  }
}

export interface NodeFilters {
  types?: StrList;
  region?: string;
  provider?: string;
  account?: string;
  /** Name contains (case-insensitive). */
  q?: string;
  /** Every tag must match. */
  tags?: Record<string, string>;
  sort?: string;
}

function nodeQuery(filters: NodeFilters & Cursor): Query {
  const { types, tags, ...rest } = filters;
  return {
    ...rest,
    types: list(types),
    tag: tags ? Object.entries(tags).map(([key, value]) => `${key}:${value}`) : undefined,
  };
}

export class NodesResource extends Resource {
  list({ tenant, ...filters }: TenantArg & NodeFilters & Cursor): Promise<Page<Node>> {
    return this.transport.page(tenantPath(tenant, "nodes"), nodeQuery(filters));
  }
  iter({ tenant, ...filters }: TenantArg & NodeFilters & { per_page?: number }): AsyncGenerator<Node> {
    return this.transport.iterate(tenantPath(tenant, "nodes"), nodeQuery({ per_page: 500, ...filters }), true);
  }
  get({ tenant, node_id }: TenantArg & { node_id: string }): Promise<Node> {
    return this.transport.data("GET", tenantPath(tenant, "nodes", segment(node_id)));
  }
  create({
    tenant,
    ...body
  }: TenantArg & {
    id: string;
    name?: string;
    account?: string;
    tags?: Record<string, string>;
    properties?: Record<string, unknown>;
  }): Promise<Node> {
    return this.transport.data("POST", tenantPath(tenant, "nodes"), { body });
  }
  async delete({ tenant, node_id }: TenantArg & { node_id: string }): Promise<void> {
    await this.transport.request("DELETE", tenantPath(tenant, "nodes", segment(node_id)));
  }
}

export interface EdgeFilters {
  kind?: StrList;
  src?: string;
  dst?: string;
  /** Either end. */
  node?: string;
  sort?: string;
}

export class EdgesResource extends Resource {
  list({ tenant, kind, ...rest }: TenantArg & EdgeFilters & Cursor): Promise<Page<Edge>> {
    return this.transport.page(tenantPath(tenant, "edges"), { ...rest, kind: list(kind) });
  }
  iter({ tenant, kind, ...rest }: TenantArg & EdgeFilters & { per_page?: number }): AsyncGenerator<Edge> {
    return this.transport.iterate(tenantPath(tenant, "edges"), { per_page: 500, ...rest, kind: list(kind) }, true);
  }
  get({ tenant, edge_id }: TenantArg & { edge_id: string }): Promise<Edge> {
    return this.transport.data("GET", tenantPath(tenant, "edges", segment(edge_id)));
  }
  create({
    tenant,
    ...body
  }: TenantArg & { kind: string; src: string; dst: string; properties?: Record<string, unknown> }): Promise<Edge> {
    return this.transport.data("POST", tenantPath(tenant, "edges"), { body });
  }
  async delete({ tenant, edge_id }: TenantArg & { edge_id: string }): Promise<void> {
    await this.transport.request("DELETE", tenantPath(tenant, "edges", segment(edge_id)));
  }
}

type JobRef = TenantArg & { job_id: string };

export class JobsResource extends Resource {
  list({ tenant, status, ...rest }: TenantArg & Paging & { status?: StrList }): Promise<Page<Job>> {
    return this.transport.page(tenantPath(tenant, "jobs"), { ...rest, status: list(status) });
  }
  iter({ tenant, status, ...rest }: TenantArg & { status?: StrList; per_page?: number }): AsyncGenerator<Job> {
    return this.transport.iterate(tenantPath(tenant, "jobs"), { per_page: 100, ...rest, status: list(status) }, false);
  }
  /**
   * A discovery job (`start: true` queues it at once). `config` for `fixture`: `{sample: true}`,
   * `{inventory: {...}}` or `{file: "name.json"}`; for `aws`: `{regions: [...], ...}`.
   */
  create({
    tenant,
    provider,
    config = {},
    start = false,
  }: TenantArg & { provider: string; config?: Record<string, unknown>; start?: boolean }): Promise<Job> {
    return this.transport.data("POST", tenantPath(tenant, "jobs"), { body: { provider, config, start } });
  }
  get({ tenant, job_id }: JobRef): Promise<Job> {
    return this.transport.data("GET", tenantPath(tenant, "jobs", segment(job_id)));
  }
  start({ tenant, job_id }: JobRef): Promise<Job> {
    return this.transport.data("POST", tenantPath(tenant, "jobs", segment(job_id), "start"), { body: {} });
  }
  cancel({ tenant, job_id }: JobRef): Promise<Job> {
    return this.transport.data("POST", tenantPath(tenant, "jobs", segment(job_id), "cancel"), { body: {} });
  }
  diff({ tenant, job_id }: JobRef): Promise<JobDiff> {
    return this.transport.data("GET", tenantPath(tenant, "jobs", segment(job_id), "diff"));
  }
  /** The job's Server-Sent Events: `progress` events, then one `done`, after which it ends. Aborting `signal` closes it. */
  async *events({ tenant, job_id, signal }: JobRef & { signal?: AbortSignal }): AsyncGenerator<JobEvent> {
    for await (const message of this.transport.events(tenantPath(tenant, "jobs", segment(job_id), "events"), signal)) {
      const event = { ...(JSON.parse(message.data) as Omit<JobEvent, "event">), event: message.event } as JobEvent;
      yield event;
      if (event.event === "done") return;
    }
  }
  /**
   * Follows the event stream until the job ends; resolves with the finished job. A stream that
   * breaks off early (a restart, a proxy) is opened again until `timeoutMs`.
   */
  async wait({
    tenant,
    job_id,
    timeoutMs = 300_000,
    onEvent,
  }: JobRef & { timeoutMs?: number; onEvent?: (event: JobEvent) => void }): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), Math.max(deadline - Date.now(), 0));
      try {
        for await (const event of this.events({ tenant, job_id, signal: stop.signal })) onEvent?.(event);
      } catch (error) {
        // A broken or timed-out stream: the job's state decides below.
        if (!(error instanceof ConnectionFailedError) && !stop.signal.aborted) throw error;
      } finally {
        clearTimeout(timer);
      }
      const job = await this.get({ tenant, job_id });
      if (TERMINAL_JOB_STATUSES.includes(job.status)) return job;
      await sleep(Math.min(0.5, Math.max(deadline - Date.now(), 0) / 1000));
    }
    const job = await this.get({ tenant, job_id });
    if (!TERMINAL_JOB_STATUSES.includes(job.status)) {
      throw new WaitTimeoutError(`job ${job_id} still ${job.status} after ${timeoutMs} ms`, { code: "TIMEOUT" });
    }
    return job;
  }
  /** Starts a discovery and waits for its end. */
  async discover(
    options: TenantArg & {
      provider: string;
      config?: Record<string, unknown>;
      timeoutMs?: number;
      onEvent?: (event: JobEvent) => void;
    },
  ): Promise<Job> {
    const job = await this.create({
      tenant: options.tenant,
      provider: options.provider,
      config: options.config,
      start: true,
    });
    return this.wait({
      tenant: options.tenant,
      job_id: job.id,
      timeoutMs: options.timeoutMs,
      onEvent: options.onEvent,
    });
  }
}

type ScheduleRef = TenantArg & { schedule_id: string };

export class SchedulesResource extends Resource {
  list({ tenant }: TenantArg): Promise<Page<Schedule>> {
    return this.transport.page(tenantPath(tenant, "schedules"), {});
  }
  /** A cron schedule (`0 3 * * *`) that creates a discovery job each run. */
  create({
    tenant,
    cron,
    provider,
    config = {},
    name,
    enabled = true,
  }: TenantArg & {
    cron: string;
    provider: string;
    config?: Record<string, unknown>;
    name?: string;
    enabled?: boolean;
  }): Promise<Schedule> {
    return this.transport.data("POST", tenantPath(tenant, "schedules"), {
      body: { cron, job: { provider, config }, enabled, ...(name === undefined ? {} : { name }) },
    });
  }
  get({ tenant, schedule_id }: ScheduleRef): Promise<Schedule> {
    return this.transport.data("GET", tenantPath(tenant, "schedules", segment(schedule_id)));
  }
  async delete({ tenant, schedule_id }: ScheduleRef): Promise<void> {
    await this.transport.request("DELETE", tenantPath(tenant, "schedules", segment(schedule_id)));
  }
  enable({ tenant, schedule_id }: ScheduleRef): Promise<Schedule> {
    return this.transport.data("POST", tenantPath(tenant, "schedules", segment(schedule_id), "enable"), { body: {} });
  }
  disable({ tenant, schedule_id }: ScheduleRef): Promise<Schedule> {
    return this.transport.data("POST", tenantPath(tenant, "schedules", segment(schedule_id), "disable"), { body: {} });
  }
}

export interface FindingFilters {
  /** e.g. `["HIGH", "CRITICAL"]` */
  severity?: StrList;
  /** `open`, `accepted`, `resolved` */
  status?: StrList;
  rule_id?: StrList;
  node_id?: string;
  /** Node types. */
  type?: StrList;
  category?: string;
  region?: string;
  sort?: string;
}

function findingQuery(filters: FindingFilters & Cursor): Query {
  return {
    ...filters,
    severity: list(filters.severity),
    status: list(filters.status),
    rule_id: list(filters.rule_id),
    type: list(filters.type),
  };
}

type FindingRef = TenantArg & { finding_id: string };

export class FindingsResource extends Resource {
  list({ tenant, ...filters }: TenantArg & FindingFilters & Cursor): Promise<Page<Finding>> {
    return this.transport.page(tenantPath(tenant, "findings"), findingQuery(filters));
  }
  iter({ tenant, ...filters }: TenantArg & FindingFilters & { per_page?: number }): AsyncGenerator<Finding> {
    return this.transport.iterate(tenantPath(tenant, "findings"), findingQuery({ per_page: 500, ...filters }), true);
  }
  /** The finding with its rule. */
  get({ tenant, finding_id }: FindingRef): Promise<FindingWithRule> {
    return this.transport.data("GET", tenantPath(tenant, "findings", segment(finding_id)));
  }
  /** Accepts the risk (or marks a `false_positive`), optionally until `expires_at`. */
  accept({
    tenant,
    finding_id,
    ...body
  }: FindingRef & {
    reason: string;
    kind?: "risk_accepted" | "false_positive";
    expires_at?: string;
  }): Promise<Finding> {
    return this.transport.data("POST", tenantPath(tenant, "findings", segment(finding_id), "accept"), { body });
  }
  resolve({ tenant, finding_id, reason }: FindingRef & { reason: string }): Promise<Finding> {
    return this.transport.data("POST", tenantPath(tenant, "findings", segment(finding_id), "resolve"), {
      body: { reason },
    });
  }
}

export class RulesResource extends Resource {
  list({ tenant }: TenantArg): Promise<Page<Rule>> {
    return this.transport.page(tenantPath(tenant, "rules"), {});
  }
  get({ tenant, rule_id }: TenantArg & { rule_id: string }): Promise<Rule> {
    return this.transport.data("GET", tenantPath(tenant, "rules", segment(rule_id)));
  }
}

export class EvaluationsResource extends Resource {
  /** Queues a re-evaluation of the tenant's rules; follow it with `jobs.wait`. */
  create({ tenant }: TenantArg): Promise<Evaluation> {
    return this.transport.data("POST", tenantPath(tenant, "evaluations"), { body: {} });
  }
}

export class PathTracerResource extends Resource {
  /** Can `source_node_id` reach the destination on `port`/`protocol`, hop by hop. */
  trace({
    tenant,
    ...body
  }: TenantArg & {
    source_node_id: string;
    destination_cidr?: string;
    destination_node_id?: string;
    port?: number;
    protocol?: "tcp" | "udp" | "icmp" | "all";
  }): Promise<TraceResult> {
    return this.transport.data("POST", tenantPath(tenant, "pathtracer", "trace"), {
      body: { protocol: "tcp", ...body },
    });
  }
}

export class ExposureResource extends Resource {
  /** Resources reachable from the internet, with open ports and path proof. */
  list({ tenant, ...query }: TenantArg & Paging): Promise<Page<Exposure>> {
    return this.transport.page(tenantPath(tenant, "exposure"), { ...query });
  }
  iter({ tenant, ...query }: TenantArg & { per_page?: number }): AsyncGenerator<Exposure> {
    return this.transport.iterate(tenantPath(tenant, "exposure"), { per_page: 100, ...query }, false);
  }
}

export class ComplianceResource extends Resource {
  summary({ tenant }: TenantArg): Promise<ComplianceSummary> {
    return this.transport.data("GET", tenantPath(tenant, "compliance", "summary"));
  }
  frameworks({ tenant }: TenantArg): Promise<FrameworkScore[]> {
    return this.transport.data("GET", tenantPath(tenant, "compliance", "frameworks"));
  }
  controls({ tenant, framework }: TenantArg & { framework: string }): Promise<FrameworkControls> {
    return this.transport.data("GET", tenantPath(tenant, "compliance", "controls"), { query: { framework } });
  }
}

type WebhookRef = TenantArg & { webhook_id: string };

export class WebhooksResource extends Resource {
  list({ tenant }: TenantArg): Promise<Page<Webhook>> {
    return this.transport.page(tenantPath(tenant, "webhooks"), {});
  }
  /** `secret` (16+ characters) signs every delivery; verify with `verifyWebhook`. */
  create({ tenant, ...body }: TenantArg & { url: string; events: string[]; secret: string }): Promise<Webhook> {
    return this.transport.data("POST", tenantPath(tenant, "webhooks"), { body });
  }
  get({ tenant, webhook_id }: WebhookRef): Promise<Webhook> {
    return this.transport.data("GET", tenantPath(tenant, "webhooks", segment(webhook_id)));
  }
  async delete({ tenant, webhook_id }: WebhookRef): Promise<void> {
    await this.transport.request("DELETE", tenantPath(tenant, "webhooks", segment(webhook_id)));
  }
  /** The delivery log, newest first. */
  deliveries({ tenant, webhook_id }: WebhookRef): Promise<Page<Delivery>> {
    return this.transport.page(tenantPath(tenant, "webhooks", segment(webhook_id), "deliveries"), {});
  }
  /** Sends a signed `ping` to this webhook now; the queued delivery (see `deliveries`). */
  test({ tenant, webhook_id }: WebhookRef): Promise<Delivery> {
    return this.transport.data("POST", tenantPath(tenant, "webhooks", segment(webhook_id), "test"), { body: {} });
  }
}

type ReportRef = TenantArg & { report_id: string };
export interface ReportFilters {
  status?: StrList;
  format?: StrList;
  framework?: string;
  sort?: string;
}

export class ReportsResource extends Resource {
  /** Queues a report (`html`, `pdf`, `csv`, `json`, `ocsf`); follow it with `wait`. */
  generate({ tenant, ...body }: TenantArg & { format: string; framework?: string; title?: string }): Promise<Report> {
    return this.transport.data("POST", tenantPath(tenant, "reports", "generate"), { body });
  }
  list({ tenant, status, format, ...rest }: TenantArg & ReportFilters & Cursor): Promise<Page<Report>> {
    return this.transport.page(tenantPath(tenant, "reports"), { ...rest, status: list(status), format: list(format) });
  }
  iter({ tenant, status, format, ...rest }: TenantArg & ReportFilters & { per_page?: number }): AsyncGenerator<Report> {
    return this.transport.iterate(
      tenantPath(tenant, "reports"),
      { per_page: 100, ...rest, status: list(status), format: list(format) },
      true,
    );
  }
  get({ tenant, report_id }: ReportRef): Promise<Report> {
    return this.transport.data("GET", tenantPath(tenant, "reports", segment(report_id)));
  }
  /** Polls until READY (resolved) or FAILED (`ReportFailedError`). */
  async wait({
    tenant,
    report_id,
    timeoutMs = 300_000,
    pollIntervalMs = 500,
  }: ReportRef & { timeoutMs?: number; pollIntervalMs?: number }): Promise<Report> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await this.get({ tenant, report_id });
      if (report.status === "READY") return report;
      if (report.status === "FAILED") {
        throw new ReportFailedError(`report ${report_id} failed: ${report.error}`, {
          code: "REPORT_FAILED",
          details: report,
        });
      }
      if (Date.now() >= deadline) {
        throw new WaitTimeoutError(`report ${report_id} still ${report.status} after ${timeoutMs} ms`, {
          code: "TIMEOUT",
        });
      }
      await sleep(pollIntervalMs / 1000);
    }
  }
  /** The rendered file's bytes. */
  async download({ tenant, report_id }: ReportRef): Promise<Uint8Array> {
    const response = await this.transport.request(
      "GET",
      tenantPath(tenant, "reports", segment(report_id), "download"),
      { accept: "*/*" },
    );
    return new Uint8Array(await response.arrayBuffer());
  }
}

export interface AuditFilters {
  action?: StrList;
  actor_key_id?: string;
  target_type?: string;
  target_id?: string;
  since?: string;
  until?: string;
  /** `occurred_at` or `-occurred_at` */
  sort?: string;
}

export class AuditEventsResource extends Resource {
  /** The tenant's audit log (tenant admins). */
  list({ tenant, action, ...rest }: TenantArg & AuditFilters & Cursor): Promise<Page<AuditEvent>> {
    return this.transport.page(tenantPath(tenant, "audit-events"), { ...rest, action: list(action) });
  }
  iter({ tenant, action, ...rest }: TenantArg & AuditFilters & { per_page?: number }): AsyncGenerator<AuditEvent> {
    return this.transport.iterate(
      tenantPath(tenant, "audit-events"),
      { per_page: 500, ...rest, action: list(action) },
      true,
    );
  }
  /** Every tenant's audit log (platform admins); `tenant` narrows it. */
  listPlatform({ action, ...rest }: { tenant?: string } & AuditFilters & Cursor = {}): Promise<Page<AuditEvent>> {
    return this.transport.page("/api/v1/audit-events", { ...rest, action: list(action) });
  }
  iterPlatform({
    action,
    ...rest
  }: { tenant?: string } & AuditFilters & { per_page?: number } = {}): AsyncGenerator<AuditEvent> {
    return this.transport.iterate("/api/v1/audit-events", { per_page: 500, ...rest, action: list(action) }, true);
  }
}

export class InfracastClient {
  readonly health: HealthResource;
  readonly auth: AuthResource;
  readonly tenants: TenantsResource;
  readonly apiKeys: ApiKeysResource;
  readonly nodes: NodesResource;
  readonly edges: EdgesResource;
  readonly jobs: JobsResource;
  readonly schedules: SchedulesResource;
  readonly findings: FindingsResource;
  readonly rules: RulesResource;
  readonly evaluations: EvaluationsResource;
  readonly pathtracer: PathTracerResource;
  readonly exposure: ExposureResource;
  readonly compliance: ComplianceResource;
  readonly webhooks: WebhooksResource;
  readonly reports: ReportsResource;
  readonly auditEvents: AuditEventsResource;
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    const fetchImplementation = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.transport = new Transport({
      apiUrl: options.apiUrl,
      apiToken: options.apiToken,
      refreshToken: options.refreshToken,
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 3,
      maxRetryWaitSeconds: options.maxRetryWaitSeconds ?? 60,
      fetch: fetchImplementation,
      onRetry: options.onRetry,
    });
    this.health = new HealthResource(this.transport);
    this.auth = new AuthResource(this.transport);
    this.tenants = new TenantsResource(this.transport);
    this.apiKeys = new ApiKeysResource(this.transport);
    this.nodes = new NodesResource(this.transport);
    this.edges = new EdgesResource(this.transport);
    this.jobs = new JobsResource(this.transport);
    this.schedules = new SchedulesResource(this.transport);
    this.findings = new FindingsResource(this.transport);
    this.rules = new RulesResource(this.transport);
    this.evaluations = new EvaluationsResource(this.transport);
    this.pathtracer = new PathTracerResource(this.transport);
    this.exposure = new ExposureResource(this.transport);
    this.compliance = new ComplianceResource(this.transport);
    this.webhooks = new WebhooksResource(this.transport);
    this.reports = new ReportsResource(this.transport);
    this.auditEvents = new AuditEventsResource(this.transport);
  }

  /** The bearer token sent now (changes after a refresh). */
  get accessToken(): string | undefined {
    return this.transport.token;
  }
  get refreshToken(): string | undefined {
    return this.transport.refreshToken;
  }
  /** Sends `accessToken` from now on (and refreshes with `refreshToken` when it expires). */
  setTokens(accessToken: string, refreshToken?: string): void {
    this.transport.token = accessToken;
    this.transport.refreshToken = refreshToken;
  }
}
