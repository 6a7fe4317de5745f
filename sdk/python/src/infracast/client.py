"""`InfracastClient`: one transport shared by every resource attribute."""

from __future__ import annotations

from typing import Optional

from ._transport import RetryHook, Transport
from .resources import (
    ApiKeysResource,
    AuditEventsResource,
    AuthResource,
    ComplianceResource,
    EdgesResource,
    EvaluationsResource,
    ExposureResource,
    FindingsResource,
    HealthResource,
    JobsResource,
    NodesResource,
    PathTracerResource,
    ReportsResource,
    RulesResource,
    SchedulesResource,
    TenantsResource,
    WebhooksResource,
)

__version__ = "0.1.0"


class InfracastClient:
    """A client for the Infracast REST API.

    `api_token` is an API key (`ic_live_…`) or an access token. Give `refresh_token` too and the
    client trades it for a new pair by itself when the access token expires (a 401).
    `max_retries` bounds the retries of 429 answers (after `Retry-After`) and of connection
    failures on idempotent requests; 0 turns retrying off. `on_retry(attempt, delay, error)` is
    called before each retry's wait.
    """

    def __init__(
        self,
        api_url: str,
        api_token: Optional[str] = None,
        *,
        refresh_token: Optional[str] = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        on_retry: Optional[RetryHook] = None,
    ) -> None:
        self._transport = Transport(
            api_url,
            api_token=api_token,
            refresh_token=refresh_token,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            user_agent=f"infracast-python/{__version__}",
            on_retry=on_retry,
        )
        self.health = HealthResource(self._transport)
        self.auth = AuthResource(self._transport)
        self.tenants = TenantsResource(self._transport)
        self.api_keys = ApiKeysResource(self._transport)
        self.nodes = NodesResource(self._transport)
        self.edges = EdgesResource(self._transport)
        self.jobs = JobsResource(self._transport)
        self.schedules = SchedulesResource(self._transport)
        self.findings = FindingsResource(self._transport)
        self.rules = RulesResource(self._transport)
        self.evaluations = EvaluationsResource(self._transport)
        self.pathtracer = PathTracerResource(self._transport)
        self.exposure = ExposureResource(self._transport)
        self.compliance = ComplianceResource(self._transport)
        self.webhooks = WebhooksResource(self._transport)
        self.reports = ReportsResource(self._transport)
        self.audit_events = AuditEventsResource(self._transport)

    @property
    def api_url(self) -> str:
        return self._transport.api_url

    @property
    def access_token(self) -> Optional[str]:
        """The bearer token sent now (changes after a refresh)."""
        return self._transport.token

    @property
    def refresh_token(self) -> Optional[str]:
        return self._transport.refresh_token

    def set_tokens(self, access_token: str, refresh_token: Optional[str] = None) -> None:
        """Sends `access_token` from now on (and refreshes with `refresh_token` when it expires)."""
        self._transport.token = access_token
        self._transport.refresh_token = refresh_token
