"""Typed answers. Each model is a dataclass built from the API's JSON by `from_dict`, which
ignores fields it does not know (a newer server does not break an older SDK) and keeps the whole
object in `raw`. Timestamps stay ISO 8601 strings, as the API sends them."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, Dict, Generic, List, Optional, Type, TypeVar

ModelT = TypeVar("ModelT", bound="Model")
ItemT = TypeVar("ItemT")

_HINTS: Dict[type, Dict[str, Any]] = {}


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin is typing.Union:  # Optional[X]
        inner = [argument for argument in arguments if argument is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin in (list, List) and arguments and isinstance(value, list):
        return [_convert(arguments[0], item) for item in value]
    if isinstance(hint, type) and issubclass(hint, Model) and isinstance(value, dict):
        return hint.from_dict(value)
    return value


@dataclass
class Model:
    """Base of every answer type."""

    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls: Type[ModelT], data: Dict[str, Any]) -> ModelT:
        hints = _HINTS.get(cls)
        if hints is None:
            hints = typing.get_type_hints(cls)
            _HINTS[cls] = hints
        values: Dict[str, Any] = {}
        for model_field in dataclasses.fields(cls):
            if model_field.name == "raw":
                continue
            key = model_field.metadata.get("json", model_field.name)
            if key in data:
                values[model_field.name] = _convert(hints[model_field.name], data[key])
        return cls(raw=data, **values)


def _json(name: str) -> Any:
    """A field whose JSON name differs from its Python name."""
    return field(default=None, metadata={"json": name})


@dataclass
class Page(Generic[ItemT]):
    """One page of a list: the items and the list metadata (`next_cursor` for keyset paging)."""

    items: List[ItemT]
    total: int = 0
    page: int = 1
    per_page: int = 0
    total_pages: int = 0
    next_cursor: Optional[str] = None
    meta: Dict[str, Any] = field(default_factory=dict, repr=False)

    def __iter__(self) -> typing.Iterator[ItemT]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> ItemT:
        return self.items[index]


# -- health and auth -------------------------------------------------------------------------


@dataclass
class Status(Model):
    status: Optional[str] = None
    version: Optional[str] = None
    database: Optional[Dict[str, Any]] = None
    counts: Optional[Dict[str, Any]] = None


@dataclass
class Tokens(Model):
    access_token: str = ""
    refresh_token: str = ""
    token_type: str = "Bearer"
    expires_in: int = 0


@dataclass
class Me(Model):
    key_id: Optional[str] = None
    tenant: Optional[str] = None
    role: Optional[str] = None
    credential: Optional[str] = None
    expires_at: Optional[str] = None


# -- tenants and keys ------------------------------------------------------------------------


@dataclass
class Tenant(Model):
    id: str = ""
    name: str = ""
    plan: str = ""
    created_at: Optional[str] = None
    updated_at: Optional[str] = None


@dataclass
class ApiKey(Model):
    id: str = ""
    name: str = ""
    role: str = ""
    prefix: str = ""
    created_at: Optional[str] = None
    revoked_at: Optional[str] = None
    key: Optional[str] = None
    """The secret key, present only in the answer that created it."""


# -- graph -----------------------------------------------------------------------------------


@dataclass
class Node(Model):
    id: str = ""
    type: str = ""
    provider: str = ""
    region: str = ""
    account: str = ""
    name: str = ""
    tags: Dict[str, str] = field(default_factory=dict)
    properties: Dict[str, Any] = field(default_factory=dict)
    first_seen: Optional[str] = None
    last_seen: Optional[str] = None
    created_at: Optional[str] = None
    updated_at: Optional[str] = None


@dataclass
class Edge(Model):
    id: str = ""
    kind: str = ""
    src: str = ""
    dst: str = ""
    properties: Dict[str, Any] = field(default_factory=dict)
    first_seen: Optional[str] = None
    last_seen: Optional[str] = None
    created_at: Optional[str] = None
    updated_at: Optional[str] = None


# -- jobs and schedules ----------------------------------------------------------------------

TERMINAL_JOB_STATUSES = frozenset({"succeeded", "partially_succeeded", "failed", "cancelled"})


@dataclass
class Job(Model):
    id: str = ""
    kind: str = ""
    provider: Optional[str] = None
    config: Any = None
    status: str = ""
    cancel_requested: bool = False
    progress: Any = None
    scopes: Any = None
    counts: Any = None
    errors: Any = None
    attempts: int = 0
    schedule_id: Optional[str] = None
    created_at: Optional[str] = None
    started_at: Optional[str] = None
    finished_at: Optional[str] = None
    updated_at: Optional[str] = None

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL_JOB_STATUSES


@dataclass
class JobEvent(Model):
    """One Server-Sent Event of `/jobs/{id}/events`: `progress` while running, then `done`."""

    event: str = ""
    id: str = ""
    status: str = ""
    progress: Any = None
    scopes: Any = None
    counts: Any = None
    errors: Any = None


@dataclass
class DiffIds(Model):
    nodes: List[str] = field(default_factory=list)
    edges: List[str] = field(default_factory=list)


@dataclass
class DiffGroups(Model):
    added: Optional[DiffIds] = None
    changed: Optional[DiffIds] = None
    removed: Optional[DiffIds] = None


@dataclass
class JobDiff(Model):
    job_id: str = ""
    status: str = ""
    counts: Any = None
    diff: Optional[DiffGroups] = None


@dataclass
class Schedule(Model):
    id: str = ""
    name: str = ""
    cron: str = ""
    job: Any = None
    enabled: bool = True
    next_run_at: Optional[str] = None
    last_run_at: Optional[str] = None
    created_at: Optional[str] = None
    updated_at: Optional[str] = None


# -- findings, rules, evaluations ------------------------------------------------------------


@dataclass
class Acceptance(Model):
    kind: str = ""
    reason: Optional[str] = None
    by: Optional[str] = None
    at: Optional[str] = None
    expires_at: Optional[str] = None


@dataclass
class Finding(Model):
    id: str = ""
    rule_id: str = ""
    node_id: str = ""
    node_type: str = ""
    region: str = ""
    severity: str = ""
    categories: List[str] = field(default_factory=list)
    status: str = ""
    acceptance: Optional[Acceptance] = None
    resolution_reason: Optional[str] = None
    rule_version: int = 0
    reason: str = ""
    evidence: Any = None
    first_seen: Optional[str] = None
    last_seen: Optional[str] = None
    resolved_at: Optional[str] = None
    reopen_count: int = 0
    rule: Optional[Dict[str, Any]] = None
    """The rule's title, description and remediation (on `findings.get`)."""


@dataclass
class Remediation(Model):
    text: str = ""
    cli: Optional[str] = None
    terraform: Optional[str] = None
    url: Optional[str] = None


@dataclass
class Rule(Model):
    id: str = ""
    version: int = 0
    title: str = ""
    severity: str = ""
    resource: str = ""
    categories: List[str] = field(default_factory=list)
    description: str = ""
    risk: str = ""
    remediation: Optional[Remediation] = None
    references: List[str] = field(default_factory=list)
    condition: str = ""
    reason: str = ""
    examples: List[Any] = field(default_factory=list)
    source: str = ""


@dataclass
class Evaluation(Model):
    job_id: str = ""
    status: str = ""


# -- network ---------------------------------------------------------------------------------


@dataclass
class Hop(Model):
    seq: int = 0
    node_id: str = ""
    component: str = ""
    verdict: str = ""
    matched: Any = None
    reason_code: str = ""
    text: str = ""


@dataclass
class Explanation(Model):
    reason_code: str = ""
    text: str = ""


@dataclass
class BlockedAt(Model):
    seq: int = 0
    component: str = ""
    node_id: str = ""


@dataclass
class TraceResult(Model):
    reachable: bool = False
    disposition: str = ""
    forward_hops: List[Hop] = field(default_factory=list)
    return_hops: List[Hop] = field(default_factory=list)
    explanations: List[Explanation] = field(default_factory=list)
    assumptions: List[str] = field(default_factory=list)
    blocked_at: Optional[BlockedAt] = None


@dataclass
class OpenPorts(Model):
    protocol: str = ""
    from_port: Optional[int] = None
    to_port: Optional[int] = None
    address_family: str = ""


@dataclass
class Exposure(Model):
    node_id: str = ""
    node_type: str = ""
    public_address: Optional[str] = None
    open: List[OpenPorts] = field(default_factory=list)
    path: List[Hop] = field(default_factory=list)


# -- compliance ------------------------------------------------------------------------------


@dataclass
class ControlCounts(Model):
    passing: Optional[int] = _json("PASS")
    failing: Optional[int] = _json("FAIL")
    manual: Optional[int] = _json("MANUAL")
    not_applicable: Optional[int] = _json("NOT_APPLICABLE")


@dataclass
class SummaryFramework(Model):
    framework: str = ""
    name: str = ""
    revision: str = ""
    score: Optional[float] = None
    formula: str = ""
    controls: Optional[ControlCounts] = None
    controls_total: int = 0
    """Every control of the revision."""
    controls_assessed: int = 0
    """PASS + FAIL controls: what the score is about."""
    coverage: Optional[float] = None
    """100 × controls_assessed / controls_total; None for a framework without controls."""
    coverage_text: str = ""
    """e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable"."""


@dataclass
class ScoredEvaluation(Model):
    """The evaluation a stored compliance result reflects."""

    evaluation_id: str = ""
    job_id: Optional[str] = None
    graph_generation: int = 0
    evaluated_at: Optional[str] = None


@dataclass
class LastEvaluation(Model):
    at: Optional[str] = None
    counts: Any = None


@dataclass
class ComplianceSummary(Model):
    score: Optional[float] = None
    """Mean of the framework scores (percent); None when no framework has a score."""
    formula: str = ""
    frameworks: List[SummaryFramework] = field(default_factory=list)
    evaluation: Optional[ScoredEvaluation] = None
    """The evaluation these scores are; None before the tenant's first."""
    last_evaluation: Optional[LastEvaluation] = None


@dataclass
class FrameworkScore(Model):
    id: str = ""
    name: str = ""
    revision: str = ""
    score: Optional[float] = None
    formula: str = ""
    controls_passing: int = 0
    controls_failing: int = 0
    controls_manual: int = 0
    controls_not_applicable: int = 0
    controls_total: int = 0
    """Every control of the revision."""
    controls_assessed: int = 0
    """PASS + FAIL controls: what the score is about."""
    coverage: Optional[float] = None
    """100 × controls_assessed / controls_total; None for a framework without controls."""
    coverage_text: str = ""
    """e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable"."""
    evaluation: Optional[ScoredEvaluation] = None


@dataclass
class FailingResource(Model):
    node_id: str = ""
    rule_id: str = ""
    reason: str = ""


@dataclass
class ControlScore(Model):
    id: str = ""
    section: str = ""
    title: str = ""
    status: str = ""
    manual_check: Optional[str] = None
    """For a MANUAL control, what to check by hand."""
    rules: List[str] = field(default_factory=list)
    rules_passing: int = 0
    rules_failing: int = 0
    rules_errored: int = 0
    failing_rules: List[str] = field(default_factory=list)
    errored_rules: List[str] = field(default_factory=list)
    resources_evaluated: int = 0
    resources_passing: int = 0
    resources_failing: int = 0
    resources_accepted: int = 0
    errored_resources: List[str] = field(default_factory=list)
    score: Optional[float] = None
    formula: str = ""
    failing_resources_total: int = 0
    failing_resources: List[FailingResource] = field(default_factory=list)


@dataclass
class FrameworkControls(Model):
    id: str = ""
    name: str = ""
    revision: str = ""
    score: Optional[float] = None
    formula: str = ""
    controls_passing: int = 0
    controls_failing: int = 0
    controls_manual: int = 0
    controls_not_applicable: int = 0
    controls_total: int = 0
    """Every control of the revision."""
    controls_assessed: int = 0
    """PASS + FAIL controls: what the score is about."""
    coverage: Optional[float] = None
    """100 × controls_assessed / controls_total; None for a framework without controls."""
    coverage_text: str = ""
    """e.g. "12 of 62 controls assessed (19%); 40 manual, 10 not applicable"."""
    controls: List[ControlScore] = field(default_factory=list)


# -- webhooks --------------------------------------------------------------------------------


@dataclass
class Webhook(Model):
    id: str = ""
    url: str = ""
    events: List[str] = field(default_factory=list)
    enabled: bool = True
    created_at: Optional[str] = None


@dataclass
class Delivery(Model):
    id: str = ""
    event_id: str = ""
    event: str = ""
    status: str = ""
    attempts: int = 0
    next_attempt_at: Optional[str] = None
    last_status_code: Optional[int] = None
    last_error: Optional[str] = None
    last_response: Optional[str] = None
    delivered_at: Optional[str] = None
    created_at: Optional[str] = None


@dataclass
class WebhookEvent(Model):
    """The body of a webhook delivery, after its signature verified."""

    id: str = ""
    type: str = ""
    tenant: str = ""
    created_at: Optional[str] = None
    data: Any = None


# -- reports ---------------------------------------------------------------------------------


@dataclass
class Report(Model):
    id: str = ""
    job_id: str = ""
    framework: Optional[str] = None
    format: str = ""
    title: str = ""
    status: str = ""
    """PENDING, GENERATING, READY or FAILED."""
    error: Optional[str] = None
    requested_by: str = ""
    content_type: Optional[str] = None
    filename: Optional[str] = None
    size_bytes: Optional[int] = None
    sha256: Optional[str] = None
    generated_at: Optional[str] = None
    created_at: Optional[str] = None
    updated_at: Optional[str] = None


# -- audit -----------------------------------------------------------------------------------


@dataclass
class AuditEvent(Model):
    id: str = ""
    occurred_at: Optional[str] = None
    actor_key_id: Optional[str] = None
    actor_role: Optional[str] = None
    action: str = ""
    method: str = ""
    path: str = ""
    target_type: Optional[str] = None
    target_id: Optional[str] = None
    status: int = 0
    request_id: Optional[str] = None
    client_ip: Optional[str] = None
    tenant_id: Optional[str] = None
    """Set on the platform-wide list (`audit_events.list_platform`)."""
