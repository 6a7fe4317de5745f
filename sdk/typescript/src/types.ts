/**
 * Answer types, exactly as the API sends them (snake_case fields, ISO 8601 timestamps as strings).
 */

/** One page of a list with its metadata (`next_cursor` for keyset paging). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  per_page: number;
  total_pages: number;
  next_cursor: string | null;
  meta: Record<string, unknown>;
}

export interface Status {
  status: string;
  version: string;
  database: { reachable: boolean };
  counts: Record<string, number>;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export interface Me {
  key_id: string;
  tenant: string | null;
  role: string;
  credential: string;
  expires_at: string | null;
}

export interface Tenant {
  id: string;
  name: string;
  plan: string;
  created_at: string;
  updated_at: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
  /** The secret key, present only in the answer that created it. */
  key?: string | null;
}

export interface Node {
  id: string;
  type: string;
  provider: string;
  region: string;
  account: string;
  name: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
  first_seen: string;
  last_seen: string;
  created_at: string;
  updated_at: string;
}

export interface Edge {
  id: string;
  kind: string;
  src: string;
  dst: string;
  properties: Record<string, unknown>;
  first_seen: string;
  last_seen: string;
  created_at: string;
  updated_at: string;
}

export type JobStatus =
  "created" | "pending" | "running" | "succeeded" | "partially_succeeded" | "failed" | "cancelled";

export const TERMINAL_JOB_STATUSES: readonly string[] = ["succeeded", "partially_succeeded", "failed", "cancelled"];

export interface Job {
  id: string;
  kind: string;
  provider: string | null;
  config: unknown;
  status: JobStatus;
  cancel_requested: boolean;
  progress: unknown;
  scopes: unknown;
  counts: Record<string, unknown>;
  errors: unknown;
  attempts: number;
  schedule_id: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

/** One Server-Sent Event of `/jobs/{id}/events`: `progress` while running, then one `done`. */
export interface JobEvent {
  event: "progress" | "done" | string;
  id: string;
  status: JobStatus;
  progress: unknown;
  scopes: unknown;
  counts: Record<string, unknown>;
  errors: unknown;
}

export interface DiffIds {
  nodes: string[];
  edges: string[];
}

export interface JobDiff {
  job_id: string;
  status: string;
  counts: Record<string, unknown>;
  diff: { added: DiffIds; changed: DiffIds; removed: DiffIds };
}

export interface Schedule {
  id: string;
  name: string;
  cron: string;
  job: { provider: string; config: Record<string, unknown> };
  enabled: boolean;
  /** Null while the schedule is disabled. */
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Acceptance {
  kind: string;
  reason: string | null;
  by: string | null;
  at: string | null;
  expires_at: string | null;
}

export interface Finding {
  id: string;
  rule_id: string;
  node_id: string;
  node_type: string;
  region: string;
  severity: string;
  categories: string[];
  status: string;
  acceptance: Acceptance | null;
  resolution_reason: string | null;
  rule_version: number;
  reason: string;
  evidence: unknown;
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
  reopen_count: number;
}

/** `findings.get` answers the finding with its rule (null when the rule is no longer loaded). */
export interface FindingWithRule extends Finding {
  rule: Record<string, unknown> | null;
}

export interface Rule {
  id: string;
  version: number;
  title: string;
  severity: string;
  resource: string;
  categories: string[];
  description: string;
  risk: string;
  remediation: { text: string; cli: string | null; terraform: string | null; url: string | null };
  references: string[];
  condition: string;
  reason: string;
  examples: unknown[];
  source: string;
}

export interface Evaluation {
  job_id: string;
  status: string;
}

export interface Hop {
  seq: number;
  node_id: string;
  component: string;
  verdict: string;
  matched: unknown;
  reason_code: string;
  text: string;
}

export interface TraceResult {
  reachable: boolean;
  disposition: string;
  forward_hops: Hop[];
  return_hops: Hop[];
  explanations: { reason_code: string; text: string }[];
  assumptions: string[];
  blocked_at: { seq: number; component: string; node_id: string } | null;
}

export interface Exposure {
  node_id: string;
  node_type: string;
  public_address: string | null;
  open: { protocol: string; from_port: number | null; to_port: number | null; address_family: string }[];
  path: Hop[];
}

export interface ComplianceSummary {
  /** Mean of the framework scores (percent); null when no framework has a score. */
  score: number | null;
  formula: string;
  frameworks: {
    framework: string;
    name: string;
    revision: string;
    score: number | null;
    formula: string;
    controls: { PASS: number; FAIL: number; MANUAL: number; NOT_APPLICABLE: number };
    /** Every control of the revision. */
    controls_total: number;
    /** PASS + FAIL controls: what the score is about. */
    controls_assessed: number;
    /** 100 × controls_assessed / controls_total; null for a framework without controls. */
    coverage: number | null;
    /** e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable". */
    coverage_text: string;
  }[];
  /** The evaluation these scores are; null before the tenant's first. */
  evaluation: ScoredEvaluation | null;
  last_evaluation: { at: string; counts: unknown } | null;
}

/** The evaluation a stored compliance result reflects. */
export interface ScoredEvaluation {
  evaluation_id: string;
  job_id: string | null;
  graph_generation: number;
  evaluated_at: string;
}

export interface FrameworkScore {
  id: string;
  name: string;
  revision: string;
  score: number | null;
  formula: string;
  controls_passing: number;
  controls_failing: number;
  controls_manual: number;
  controls_not_applicable: number;
  /** Every control of the revision. */
  controls_total: number;
  /** PASS + FAIL controls: what the score is about. */
  controls_assessed: number;
  /** 100 × controls_assessed / controls_total; null for a framework without controls. */
  coverage: number | null;
  /** e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable". */
  coverage_text: string;
  evaluation: ScoredEvaluation | null;
}

export interface ControlScore {
  id: string;
  section: string;
  title: string;
  status: "PASS" | "FAIL" | "MANUAL" | "NOT_APPLICABLE" | string;
  /** For a MANUAL control, what to check by hand. */
  manual_check: string | null;
  rules: string[];
  rules_passing: number;
  rules_failing: number;
  rules_errored: number;
  failing_rules: string[];
  errored_rules: string[];
  resources_evaluated: number;
  resources_passing: number;
  resources_failing: number;
  resources_accepted: number;
  errored_resources: string[];
  score: number | null;
  formula: string;
  failing_resources_total: number;
  failing_resources: { node_id: string; rule_id: string; reason: string }[];
}

export interface FrameworkControls {
  id: string;
  name: string;
  revision: string;
  score: number | null;
  formula: string;
  controls_passing: number;
  controls_failing: number;
  controls_manual: number;
  controls_not_applicable: number;
  /** Every control of the revision. */
  controls_total: number;
  /** PASS + FAIL controls: what the score is about. */
  controls_assessed: number;
  /** 100 × controls_assessed / controls_total; null for a framework without controls. */
  coverage: number | null;
  /** e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable". */
  coverage_text: string;
  controls: ControlScore[];
}

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: string;
}

export interface Delivery {
  id: string;
  event_id: string;
  event: string;
  status: "pending" | "delivered" | "failed" | string;
  attempts: number;
  next_attempt_at: string;
  last_status_code: number | null;
  last_error: string | null;
  last_response: string | null;
  delivered_at: string | null;
  created_at: string;
}

/** The body of a webhook delivery, after its signature verified. */
export interface WebhookEvent {
  id: string;
  type: string;
  tenant: string;
  created_at: string;
  data: unknown;
}

export interface Report {
  id: string;
  job_id: string;
  framework: string | null;
  format: string;
  title: string;
  status: "PENDING" | "GENERATING" | "READY" | "FAILED";
  error: string | null;
  requested_by: string;
  content_type: string | null;
  filename: string | null;
  size_bytes: number | null;
  sha256: string | null;
  generated_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AuditEvent {
  id: string;
  occurred_at: string;
  actor_key_id: string | null;
  actor_role: string | null;
  action: string;
  method: string;
  path: string;
  target_type: string | null;
  target_id: string | null;
  status: number;
  request_id?: string | null;
  client_ip: string | null;
  /** Set on the platform-wide list (`*` for platform-wide actions). */
  tenant_id?: string;
}
