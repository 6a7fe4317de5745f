"""One class per API resource, grouped the way the contract's example reads
(`client.nodes.list(tenant=...)`). Each method is one operation of the OpenAPI document (see
`operations.OPERATIONS`); `iter` methods walk every page with the keyset cursor."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import (
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Type,
    TypeVar,
    Union,
)

from ._transport import QueryValue, Transport, quote
from .errors import ConnectionFailedError, ReportFailedError, TimeoutError
from .models import (
    ApiKey,
    AuditEvent,
    ComplianceSummary,
    Delivery,
    Edge,
    Evaluation,
    Exposure,
    Finding,
    FrameworkControls,
    FrameworkScore,
    Job,
    JobDiff,
    JobEvent,
    Me,
    Model,
    Node,
    Page,
    Report,
    Rule,
    Schedule,
    Status,
    Tenant,
    Tokens,
    TraceResult,
    Webhook,
)

ModelT = TypeVar("ModelT", bound=Model)
StrList = Union[str, Sequence[str], None]


def _tenant_path(tenant: str, *rest: str) -> str:
    path = f"/api/v1/tenants/{quote(tenant)}"
    for segment in rest:
        path += "/" + segment
    return path


class _Resource:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def _get(self, path: str, model: Type[ModelT], params: Optional[Dict[str, QueryValue]] = None) -> ModelT:
        return model.from_dict(self._transport.data("GET", path, params=params))

    def _post(self, path: str, model: Type[ModelT], body: Any = None) -> ModelT:
        return model.from_dict(self._transport.data("POST", path, body=body if body is not None else {}))

    def _list(self, path: str, model: Type[ModelT], params: Dict[str, QueryValue]) -> Page[ModelT]:
        envelope = self._transport.envelope("GET", path, params=params)
        meta = envelope.get("meta") or {}
        return Page(
            items=[model.from_dict(item) for item in envelope.get("data") or []],
            total=int(meta.get("total", 0) or 0),
            page=int(meta.get("page", 1) or 1),
            per_page=int(meta.get("per_page", 0) or 0),
            total_pages=int(meta.get("total_pages", 0) or 0),
            next_cursor=meta.get("next_cursor"),
            meta=meta,
        )

    def _iter(
        self,
        path: str,
        model: Type[ModelT],
        params: Dict[str, QueryValue],
        *,
        cursor: bool = True,
    ) -> Iterator[ModelT]:
        """Every item of every page: by `meta.next_cursor` where the list offers keyset paging,
        else by page number. The caller never touches `page` or `cursor`."""
        query = dict(params)
        query.pop("page", None)
        query.pop("cursor", None)
        page_number = 1
        while True:
            page = self._list(path, model, query)
            for item in page.items:
                yield item
            if cursor:
                if not page.next_cursor or not page.items:
                    return
                query["cursor"] = page.next_cursor
            else:
                if page_number >= page.total_pages or not page.items:
                    return
                page_number += 1
                query["page"] = page_number


# -- health and auth -------------------------------------------------------------------------


class HealthResource(_Resource):
    def check(self) -> Dict[str, Any]:
        """`GET /healthz` (no auth): `{"status": "ok"}`."""
        answer: Dict[str, Any] = self._transport.request("GET", "/healthz", authenticated=False).json()
        return answer

    def live(self) -> Dict[str, Any]:
        """`GET /livez` (no auth): the process answers, whatever the database does."""
        answer: Dict[str, Any] = self._transport.request("GET", "/livez", authenticated=False).json()
        return answer

    def status(self) -> Status:
        """`GET /api/v1/status`: version, database reachability and counts."""
        return self._get("/api/v1/status", Status)

    def openapi(self) -> Dict[str, Any]:
        """`GET /api/v1/openapi.json`: the served OpenAPI document."""
        document: Dict[str, Any] = self._transport.request(
            "GET", "/api/v1/openapi.json", authenticated=False
        ).json()
        return document

    def openapi_yaml(self) -> str:
        """`GET /api/v1/openapi.yaml`: the same document as YAML text."""
        response = self._transport.request(
            "GET", "/api/v1/openapi.yaml", authenticated=False, accept="application/yaml"
        )
        return response.body.decode("utf-8")


class AuthResource(_Resource):
    def token(self, api_key: Optional[str] = None, *, use: bool = False) -> Tokens:
        """Exchanges an API key (default: the client's) for an access and a refresh token.
        With `use=True` the client sends the access token from now on and refreshes it itself."""
        key = api_key or self._transport.token
        pair = self._transport.data("POST", "/api/v1/auth/token", body={"api_key": key}, authenticated=False)
        tokens = Tokens.from_dict(pair)
        if use:
            self._transport.token = tokens.access_token
            self._transport.refresh_token = tokens.refresh_token
        return tokens

    def refresh(self, refresh_token: Optional[str] = None) -> Tokens:
        """Trades a refresh token (single use) for a new pair. Without an argument, the client's
        own refresh token, and the client adopts the new pair."""
        return Tokens.from_dict(self._transport.refresh(refresh_token))

    def me(self) -> Me:
        """The caller: key id, tenant, role and credential kind."""
        return self._get("/api/v1/auth/me", Me)


# -- tenants and keys ------------------------------------------------------------------------


class TenantsResource(_Resource):
    def list(self, *, page: Optional[int] = None, per_page: Optional[int] = None) -> Page[Tenant]:
        return self._list("/api/v1/tenants", Tenant, {"page": page, "per_page": per_page})

    def iter(self, *, per_page: Optional[int] = None) -> Iterator[Tenant]:
        return self._iter("/api/v1/tenants", Tenant, {"per_page": per_page}, cursor=False)

    def create(self, *, id: str, name: str, plan: Optional[str] = None) -> Tenant:
        body: Dict[str, Any] = {"id": id, "name": name}
        if plan is not None:
            body["plan"] = plan
        return self._post("/api/v1/tenants", Tenant, body)

    def get(self, tenant: str) -> Tenant:
        return self._get(_tenant_path(tenant), Tenant)

    def update(self, tenant: str, *, name: Optional[str] = None, plan: Optional[str] = None) -> Tenant:
        body = {key: value for key, value in (("name", name), ("plan", plan)) if value is not None}
        return Tenant.from_dict(self._transport.data("PUT", _tenant_path(tenant), body=body))

    def delete(self, tenant: str) -> None:
        self._transport.request("DELETE", _tenant_path(tenant))


class ApiKeysResource(_Resource):
    def list(self, *, tenant: str) -> Page[ApiKey]:
        """Every key of the tenant (secrets are never shown again)."""
        return self._list(_tenant_path(tenant, "api-keys"), ApiKey, {})

    def create(self, *, tenant: str, role: str, name: Optional[str] = None) -> ApiKey:
        """Creates a key; its secret is in `.key`, shown this once."""
        body: Dict[str, Any] = {"role": role}
        if name is not None:
            body["name"] = name
        return self._post(_tenant_path(tenant, "api-keys"), ApiKey, body)

    def revoke(self, *, tenant: str, key_id: str) -> None:
        self._transport.request("DELETE", _tenant_path(tenant, "api-keys", quote(key_id)))


# -- graph -----------------------------------------------------------------------------------


class NodesResource(_Resource):
    @staticmethod
    def _filters(
        types: StrList,
        region: Optional[str],
        provider: Optional[str],
        account: Optional[str],
        q: Optional[str],
        tags: Optional[Mapping[str, str]],
        sort: Optional[str],
        per_page: Optional[int],
    ) -> Dict[str, QueryValue]:
        return {
            "types": [types] if isinstance(types, str) else types,
            "region": region,
            "provider": provider,
            "account": account,
            "q": q,
            "tag": [f"{key}:{value}" for key, value in (tags or {}).items()] or None,
            "sort": sort,
            "per_page": per_page,
        }

    def list(
        self,
        *,
        tenant: str,
        types: StrList = None,
        region: Optional[str] = None,
        provider: Optional[str] = None,
        account: Optional[str] = None,
        q: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
        sort: Optional[str] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[Node]:
        """Nodes matching every filter given; `sort` e.g. `name` or `-created_at`."""
        params = self._filters(types, region, provider, account, q, tags, sort, per_page)
        params.update(page=page, cursor=cursor)
        return self._list(_tenant_path(tenant, "nodes"), Node, params)

    def iter(
        self,
        *,
        tenant: str,
        types: StrList = None,
        region: Optional[str] = None,
        provider: Optional[str] = None,
        account: Optional[str] = None,
        q: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
        sort: Optional[str] = None,
        per_page: Optional[int] = 500,
    ) -> Iterator[Node]:
        params = self._filters(types, region, provider, account, q, tags, sort, per_page)
        return self._iter(_tenant_path(tenant, "nodes"), Node, params)

    def get(self, *, tenant: str, node_id: str) -> Node:
        return self._get(_tenant_path(tenant, "nodes", quote(node_id)), Node)

    def create(
        self,
        *,
        tenant: str,
        id: str,
        name: Optional[str] = None,
        account: Optional[str] = None,
        tags: Optional[Mapping[str, str]] = None,
        properties: Optional[Mapping[str, Any]] = None,
    ) -> Node:
        """Creates a node; the id (`provider:region:type:resource-id`) decides its type."""
        body: Dict[str, Any] = {"id": id}
        for key, value in (("name", name), ("account", account), ("tags", tags), ("properties", properties)):
            if value is not None:
                body[key] = dict(value) if isinstance(value, Mapping) else value
        return self._post(_tenant_path(tenant, "nodes"), Node, body)

    def delete(self, *, tenant: str, node_id: str) -> None:
        self._transport.request("DELETE", _tenant_path(tenant, "nodes", quote(node_id)))


class EdgesResource(_Resource):
    def list(
        self,
        *,
        tenant: str,
        kind: StrList = None,
        src: Optional[str] = None,
        dst: Optional[str] = None,
        node: Optional[str] = None,
        sort: Optional[str] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[Edge]:
        """Edges by kind, source, destination or either end (`node`)."""
        params: Dict[str, QueryValue] = {
            "kind": [kind] if isinstance(kind, str) else kind,
            "src": src,
            "dst": dst,
            "node": node,
            "sort": sort,
            "page": page,
            "per_page": per_page,
            "cursor": cursor,
        }
        return self._list(_tenant_path(tenant, "edges"), Edge, params)

    def iter(
        self,
        *,
        tenant: str,
        kind: StrList = None,
        src: Optional[str] = None,
        dst: Optional[str] = None,
        node: Optional[str] = None,
        sort: Optional[str] = None,
        per_page: Optional[int] = 500,
    ) -> Iterator[Edge]:
        params: Dict[str, QueryValue] = {
            "kind": [kind] if isinstance(kind, str) else kind,
            "src": src,
            "dst": dst,
            "node": node,
            "sort": sort,
            "per_page": per_page,
        }
        return self._iter(_tenant_path(tenant, "edges"), Edge, params)

    def get(self, *, tenant: str, edge_id: str) -> Edge:
        return self._get(_tenant_path(tenant, "edges", quote(edge_id)), Edge)

    def create(
        self,
        *,
        tenant: str,
        kind: str,
        src: str,
        dst: str,
        properties: Optional[Mapping[str, Any]] = None,
    ) -> Edge:
        body: Dict[str, Any] = {"kind": kind, "src": src, "dst": dst}
        if properties is not None:
            body["properties"] = dict(properties)
        return self._post(_tenant_path(tenant, "edges"), Edge, body)

    def delete(self, *, tenant: str, edge_id: str) -> None:
        self._transport.request("DELETE", _tenant_path(tenant, "edges", quote(edge_id)))


# -- jobs and schedules ----------------------------------------------------------------------


class JobsResource(_Resource):
    def list(
        self,
        *,
        tenant: str,
        status: StrList = None,
        kind: StrList = None,
        sort: Optional[str] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
    ) -> Page[Job]:
        """Jobs, newest first (`sort="created_at"` for oldest first); `status` and `kind`
        (discovery, evaluation, report) filter, each one or a list."""
        params: Dict[str, QueryValue] = {
            "status": [status] if isinstance(status, str) else status,
            "kind": [kind] if isinstance(kind, str) else kind,
            "sort": sort,
            "page": page,
            "per_page": per_page,
        }
        return self._list(_tenant_path(tenant, "jobs"), Job, params)

    def iter(self, *, tenant: str, status: StrList = None, per_page: Optional[int] = 100) -> Iterator[Job]:
        params: Dict[str, QueryValue] = {
            "status": [status] if isinstance(status, str) else status,
            "per_page": per_page,
        }
        return self._iter(_tenant_path(tenant, "jobs"), Job, params, cursor=False)

    def create(
        self,
        *,
        tenant: str,
        provider: str,
        config: Optional[Mapping[str, Any]] = None,
        start: bool = False,
    ) -> Job:
        """Creates a discovery job (`start=True` queues it at once). `config` for `fixture`:
        `{"sample": True}`, `{"inventory": {...}}` or `{"file": "name.json"}`; for `aws`:
        `{"regions": [...], ...}`."""
        body = {"provider": provider, "config": dict(config or {}), "start": start}
        return self._post(_tenant_path(tenant, "jobs"), Job, body)

    def get(self, *, tenant: str, job_id: str) -> Job:
        return self._get(_tenant_path(tenant, "jobs", quote(job_id)), Job)

    def start(self, *, tenant: str, job_id: str) -> Job:
        return self._post(_tenant_path(tenant, "jobs", quote(job_id), "start"), Job)

    def cancel(self, *, tenant: str, job_id: str) -> Job:
        return self._post(_tenant_path(tenant, "jobs", quote(job_id), "cancel"), Job)

    def diff(self, *, tenant: str, job_id: str) -> JobDiff:
        """What the job added, changed and removed (node and edge ids)."""
        return self._get(_tenant_path(tenant, "jobs", quote(job_id), "diff"), JobDiff)

    def events(self, *, tenant: str, job_id: str, timeout: Optional[float] = 300) -> Iterator[JobEvent]:
        """Follows the job's Server-Sent Events: `progress` events, then one `done`; ends there."""
        path = _tenant_path(tenant, "jobs", quote(job_id), "events")
        event_name = "message"
        data_lines: List[str] = []
        for line in self._transport.stream_lines(path, timeout):
            if line == "":
                if data_lines:
                    payload = json.loads("\n".join(data_lines))
                    payload["event"] = event_name
                    event = JobEvent.from_dict(payload)
                    yield event
                    if event.event == "done":
                        return
                event_name, data_lines = "message", []
            elif line.startswith(":"):
                continue  # keep-alive comment
            else:
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    event_name = value
                elif name == "data":
                    data_lines.append(value)

    def wait(
        self,
        *,
        tenant: str,
        job_id: str,
        timeout: float = 300,
        on_event: Optional[Callable[[JobEvent], None]] = None,
    ) -> Job:
        """Follows the event stream until the job ends; returns the finished job. A stream that
        breaks off early (a restart, a proxy) is opened again until `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                for event in self.events(tenant=tenant, job_id=job_id, timeout=remaining):
                    if on_event is not None:
                        on_event(event)
                    if time.monotonic() > deadline:
                        break
            except ConnectionFailedError:
                pass  # checked below, then followed again
            job = self.get(tenant=tenant, job_id=job_id)
            if job.is_finished:
                return job
            time.sleep(min(0.5, max(deadline - time.monotonic(), 0)))
        job = self.get(tenant=tenant, job_id=job_id)
        if not job.is_finished:
            raise TimeoutError(f"job {job_id} still {job.status} after {timeout} s", code="TIMEOUT")
        return job

    def discover(
        self,
        *,
        tenant: str,
        provider: str,
        config: Optional[Mapping[str, Any]] = None,
        timeout: float = 300,
        on_event: Optional[Callable[[JobEvent], None]] = None,
    ) -> Job:
        """Starts a discovery and waits for its end."""
        job = self.create(tenant=tenant, provider=provider, config=config, start=True)
        return self.wait(tenant=tenant, job_id=job.id, timeout=timeout, on_event=on_event)


class SchedulesResource(_Resource):
    def list(self, *, tenant: str) -> Page[Schedule]:
        return self._list(_tenant_path(tenant, "schedules"), Schedule, {})

    def create(
        self,
        *,
        tenant: str,
        cron: str,
        provider: str,
        config: Optional[Mapping[str, Any]] = None,
        name: Optional[str] = None,
        enabled: bool = True,
    ) -> Schedule:
        """A cron schedule (`0 3 * * *`) that creates a discovery job each run."""
        body: Dict[str, Any] = {
            "cron": cron,
            "job": {"provider": provider, "config": dict(config or {})},
            "enabled": enabled,
        }
        if name is not None:
            body["name"] = name
        return self._post(_tenant_path(tenant, "schedules"), Schedule, body)

    def get(self, *, tenant: str, schedule_id: str) -> Schedule:
        return self._get(_tenant_path(tenant, "schedules", quote(schedule_id)), Schedule)

    def delete(self, *, tenant: str, schedule_id: str) -> None:
        self._transport.request("DELETE", _tenant_path(tenant, "schedules", quote(schedule_id)))

    def enable(self, *, tenant: str, schedule_id: str) -> Schedule:
        return self._post(_tenant_path(tenant, "schedules", quote(schedule_id), "enable"), Schedule)

    def disable(self, *, tenant: str, schedule_id: str) -> Schedule:
        return self._post(_tenant_path(tenant, "schedules", quote(schedule_id), "disable"), Schedule)


# -- findings, rules, evaluations ------------------------------------------------------------


class FindingsResource(_Resource):
    @staticmethod
    def _filters(**given: Any) -> Dict[str, QueryValue]:
        return {
            name: ([value] if isinstance(value, str) and name in _COMMA_FILTERS else value)
            for name, value in given.items()
        }

    def list(
        self,
        *,
        tenant: str,
        severity: StrList = None,
        status: StrList = None,
        rule_id: StrList = None,
        node_id: Optional[str] = None,
        type: StrList = None,
        category: Optional[str] = None,
        region: Optional[str] = None,
        sort: Optional[str] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[Finding]:
        """Findings; `severity=["HIGH", "CRITICAL"]`, `status="open"`, `sort="-severity"`."""
        params = self._filters(
            severity=severity,
            status=status,
            rule_id=rule_id,
            node_id=node_id,
            type=type,
            category=category,
            region=region,
            sort=sort,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
        return self._list(_tenant_path(tenant, "findings"), Finding, params)

    def iter(
        self,
        *,
        tenant: str,
        severity: StrList = None,
        status: StrList = None,
        rule_id: StrList = None,
        node_id: Optional[str] = None,
        type: StrList = None,
        category: Optional[str] = None,
        region: Optional[str] = None,
        sort: Optional[str] = None,
        per_page: Optional[int] = 500,
    ) -> Iterator[Finding]:
        params = self._filters(
            severity=severity,
            status=status,
            rule_id=rule_id,
            node_id=node_id,
            type=type,
            category=category,
            region=region,
            sort=sort,
            per_page=per_page,
        )
        return self._iter(_tenant_path(tenant, "findings"), Finding, params, cursor=True)

    def get(self, *, tenant: str, finding_id: str) -> Finding:
        """The finding with its rule (`.rule`)."""
        return self._get(_tenant_path(tenant, "findings", quote(finding_id)), Finding)

    def accept(
        self,
        *,
        tenant: str,
        finding_id: str,
        reason: str,
        kind: str = "risk_accepted",
        expires_at: Optional[str] = None,
    ) -> Finding:
        """Accepts the risk (or marks a `false_positive`), optionally until `expires_at`."""
        body: Dict[str, Any] = {"reason": reason, "kind": kind}
        if expires_at is not None:
            body["expires_at"] = expires_at
        return self._post(_tenant_path(tenant, "findings", quote(finding_id), "accept"), Finding, body)

    def resolve(self, *, tenant: str, finding_id: str, reason: str) -> Finding:
        return self._post(
            _tenant_path(tenant, "findings", quote(finding_id), "resolve"), Finding, {"reason": reason}
        )


_COMMA_FILTERS = frozenset({"severity", "status", "rule_id", "type", "format", "action"})


class RulesResource(_Resource):
    def list(
        self,
        *,
        tenant: str,
        resource: Optional[str] = None,
        severity: StrList = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
    ) -> Page[Rule]:
        """The rule pack in id order; `resource` (a node type) and `severity` filter."""
        params: Dict[str, QueryValue] = {
            "resource": resource,
            "severity": [severity] if isinstance(severity, str) else severity,
            "page": page,
            "per_page": per_page,
        }
        return self._list(_tenant_path(tenant, "rules"), Rule, params)

    def get(self, *, tenant: str, rule_id: str) -> Rule:
        return self._get(_tenant_path(tenant, "rules", quote(rule_id)), Rule)


class EvaluationsResource(_Resource):
    def create(self, *, tenant: str) -> Evaluation:
        """Queues a re-evaluation of the tenant's rules; follow it with `jobs.wait`."""
        return self._post(_tenant_path(tenant, "evaluations"), Evaluation)


# -- network ---------------------------------------------------------------------------------


class PathTracerResource(_Resource):
    def trace(
        self,
        *,
        tenant: str,
        source_node_id: str,
        destination_cidr: Optional[str] = None,
        destination_node_id: Optional[str] = None,
        port: Optional[int] = None,
        protocol: str = "tcp",
    ) -> TraceResult:
        """Can `source_node_id` reach the destination on `port`/`protocol`, hop by hop."""
        body: Dict[str, Any] = {"source_node_id": source_node_id, "protocol": protocol}
        for key, value in (
            ("destination_cidr", destination_cidr),
            ("destination_node_id", destination_node_id),
            ("port", port),
        ):
            if value is not None:
                body[key] = value
        return self._post(_tenant_path(tenant, "pathtracer", "trace"), TraceResult, body)


class ExposureResource(_Resource):
    def list(
        self, *, tenant: str, page: Optional[int] = None, per_page: Optional[int] = None
    ) -> Page[Exposure]:
        """Resources reachable from the internet, with their open ports and path proof."""
        return self._list(_tenant_path(tenant, "exposure"), Exposure, {"page": page, "per_page": per_page})

    def iter(self, *, tenant: str, per_page: Optional[int] = 100) -> Iterator[Exposure]:
        return self._iter(_tenant_path(tenant, "exposure"), Exposure, {"per_page": per_page}, cursor=False)


# -- compliance ------------------------------------------------------------------------------


class ComplianceResource(_Resource):
    def summary(self, *, tenant: str) -> ComplianceSummary:
        """The overall score (`.score`) and each framework's."""
        return self._get(_tenant_path(tenant, "compliance", "summary"), ComplianceSummary)

    def frameworks(self, *, tenant: str) -> List[FrameworkScore]:
        data = self._transport.data("GET", _tenant_path(tenant, "compliance", "frameworks"))
        return [FrameworkScore.from_dict(item) for item in data or []]

    def controls(self, *, tenant: str, framework: str) -> FrameworkControls:
        """Every control of one framework revision with its status, counts and formula."""
        return self._get(
            _tenant_path(tenant, "compliance", "controls"), FrameworkControls, {"framework": framework}
        )


# -- webhooks --------------------------------------------------------------------------------


class WebhooksResource(_Resource):
    def list(self, *, tenant: str) -> Page[Webhook]:
        return self._list(_tenant_path(tenant, "webhooks"), Webhook, {})

    def create(self, *, tenant: str, url: str, events: Sequence[str], secret: str) -> Webhook:
        """`events` e.g. `["finding.created", "job.completed"]`; `secret` (16+ characters) signs
        every delivery (verify with `infracast.verify_webhook`)."""
        body = {"url": url, "events": list(events), "secret": secret}
        return self._post(_tenant_path(tenant, "webhooks"), Webhook, body)

    def get(self, *, tenant: str, webhook_id: str) -> Webhook:
        return self._get(_tenant_path(tenant, "webhooks", quote(webhook_id)), Webhook)

    def delete(self, *, tenant: str, webhook_id: str) -> None:
        self._transport.request("DELETE", _tenant_path(tenant, "webhooks", quote(webhook_id)))

    def deliveries(self, *, tenant: str, webhook_id: str) -> Page[Delivery]:
        """The webhook's delivery log, newest first."""
        path = _tenant_path(tenant, "webhooks", quote(webhook_id), "deliveries")
        return self._list(path, Delivery, {})

    def test(self, *, tenant: str, webhook_id: str) -> Delivery:
        """Sends a signed `ping` to this webhook now; the queued delivery (see `deliveries`)."""
        path = _tenant_path(tenant, "webhooks", quote(webhook_id), "test")
        return self._post(path, Delivery, {})


# -- reports ---------------------------------------------------------------------------------


class ReportsResource(_Resource):
    def generate(
        self,
        *,
        tenant: str,
        format: str,
        framework: Optional[str] = None,
        title: Optional[str] = None,
    ) -> Report:
        """Queues a report (`html`, `pdf`, `csv`, `json`, `ocsf`); follow it with `wait`."""
        body: Dict[str, Any] = {"format": format}
        if framework is not None:
            body["framework"] = framework
        if title is not None:
            body["title"] = title
        return self._post(_tenant_path(tenant, "reports", "generate"), Report, body)

    def list(
        self,
        *,
        tenant: str,
        status: StrList = None,
        format: StrList = None,
        framework: Optional[str] = None,
        sort: Optional[str] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[Report]:
        params: Dict[str, QueryValue] = {
            "status": [status] if isinstance(status, str) else status,
            "format": [format] if isinstance(format, str) else format,
            "framework": framework,
            "sort": sort,
            "page": page,
            "per_page": per_page,
            "cursor": cursor,
        }
        return self._list(_tenant_path(tenant, "reports"), Report, params)

    def iter(
        self,
        *,
        tenant: str,
        status: StrList = None,
        format: StrList = None,
        framework: Optional[str] = None,
        sort: Optional[str] = None,
        per_page: Optional[int] = 100,
    ) -> Iterator[Report]:
        params: Dict[str, QueryValue] = {
            "status": [status] if isinstance(status, str) else status,
            "format": [format] if isinstance(format, str) else format,
            "framework": framework,
            "sort": sort,
            "per_page": per_page,
        }
        return self._iter(_tenant_path(tenant, "reports"), Report, params, cursor=True)

    def get(self, *, tenant: str, report_id: str) -> Report:
        return self._get(_tenant_path(tenant, "reports", quote(report_id)), Report)

    def wait(
        self,
        *,
        tenant: str,
        report_id: str,
        timeout: float = 300,
        poll_interval: float = 0.5,
    ) -> Report:
        """Polls until the report is READY (returned) or FAILED (`ReportFailedError`)."""
        deadline = time.monotonic() + timeout
        while True:
            report = self.get(tenant=tenant, report_id=report_id)
            if report.status == "READY":
                return report
            if report.status == "FAILED":
                raise ReportFailedError(
                    f"report {report_id} failed: {report.error}", code="REPORT_FAILED", details=report.raw
                )
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"report {report_id} still {report.status} after {timeout} s", code="TIMEOUT"
                )
            time.sleep(poll_interval)

    def download(self, *, tenant: str, report_id: str, path: Optional[str] = None) -> bytes:
        """The rendered file's bytes; also written to `path` when given."""
        response = self._transport.request(
            "GET", _tenant_path(tenant, "reports", quote(report_id), "download"), accept="*/*"
        )
        if path is not None:
            with open(path, "wb") as file:
                file.write(response.body)
        return response.body


# -- audit -----------------------------------------------------------------------------------


class AuditEventsResource(_Resource):
    @staticmethod
    def _filters(**given: Any) -> Dict[str, QueryValue]:
        action = given.get("action")
        if isinstance(action, str):
            given["action"] = [action]
        for bound in ("since", "until"):
            if isinstance(given.get(bound), datetime):
                moment: datetime = given[bound]
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=timezone.utc)
                given[bound] = moment.isoformat()
        return given

    def list(
        self,
        *,
        tenant: str,
        action: StrList = None,
        actor_key_id: Optional[str] = None,
        target_type: Optional[str] = None,
        target_id: Optional[str] = None,
        since: Union[str, datetime, None] = None,
        until: Union[str, datetime, None] = None,
        sort: Optional[str] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[AuditEvent]:
        """The tenant's audit log (tenant admins); `sort` is `occurred_at` or `-occurred_at`."""
        params = self._filters(
            action=action,
            actor_key_id=actor_key_id,
            target_type=target_type,
            target_id=target_id,
            since=since,
            until=until,
            sort=sort,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
        return self._list(_tenant_path(tenant, "audit-events"), AuditEvent, params)

    def iter(
        self,
        *,
        tenant: str,
        action: StrList = None,
        actor_key_id: Optional[str] = None,
        target_type: Optional[str] = None,
        target_id: Optional[str] = None,
        since: Union[str, datetime, None] = None,
        until: Union[str, datetime, None] = None,
        sort: Optional[str] = None,
        per_page: Optional[int] = 500,
    ) -> Iterator[AuditEvent]:
        params = self._filters(
            action=action,
            actor_key_id=actor_key_id,
            target_type=target_type,
            target_id=target_id,
            since=since,
            until=until,
            sort=sort,
            per_page=per_page,
        )
        return self._iter(_tenant_path(tenant, "audit-events"), AuditEvent, params)

    def list_platform(
        self,
        *,
        tenant: Optional[str] = None,
        action: StrList = None,
        actor_key_id: Optional[str] = None,
        target_type: Optional[str] = None,
        target_id: Optional[str] = None,
        since: Union[str, datetime, None] = None,
        until: Union[str, datetime, None] = None,
        sort: Optional[str] = None,
        page: Optional[int] = None,
        per_page: Optional[int] = None,
        cursor: Optional[str] = None,
    ) -> Page[AuditEvent]:
        """Every tenant's audit log (platform admins); `tenant` narrows it to one."""
        params = self._filters(
            tenant=tenant,
            action=action,
            actor_key_id=actor_key_id,
            target_type=target_type,
            target_id=target_id,
            since=since,
            until=until,
            sort=sort,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
        return self._list("/api/v1/audit-events", AuditEvent, params)

    def iter_platform(
        self,
        *,
        tenant: Optional[str] = None,
        action: StrList = None,
        actor_key_id: Optional[str] = None,
        target_type: Optional[str] = None,
        target_id: Optional[str] = None,
        since: Union[str, datetime, None] = None,
        until: Union[str, datetime, None] = None,
        sort: Optional[str] = None,
        per_page: Optional[int] = 500,
    ) -> Iterator[AuditEvent]:
        params = self._filters(
            tenant=tenant,
            action=action,
            actor_key_id=actor_key_id,
            target_type=target_type,
            target_id=target_id,
            since=since,
            until=until,
            sort=sort,
            per_page=per_page,
        )
        return self._iter("/api/v1/audit-events", AuditEvent, params)


__all__ = [name for name in dir() if name.endswith("Resource")]
