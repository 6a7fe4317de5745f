-- Findings: one row per (tenant, rule, node), whatever happens to it over time, and the
-- evaluations that moved them.

CREATE TABLE findings (
    tenant_id          text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    id                 uuid NOT NULL,
    rule_id            text NOT NULL,
    node_id            text NOT NULL,
    node_type          text NOT NULL,
    region             text NOT NULL,
    severity           text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    categories         text[] NOT NULL DEFAULT '{}',
    status             text NOT NULL CHECK (status IN ('open', 'accepted', 'resolved')),
    -- accepted: why, by whom, until when (NULL = no expiry); kind risk_accepted | false_positive.
    acceptance_kind    text CHECK (acceptance_kind IN ('risk_accepted', 'false_positive')),
    acceptance_reason  text,
    accepted_by        text,
    accepted_at        timestamptz,
    expires_at         timestamptz,
    resolution_reason  text,                -- set by a manual resolve; NULL when auto-resolved
    rule_version       integer NOT NULL,
    reason             text NOT NULL,       -- the sentence naming the resource and why
    evidence           jsonb NOT NULL DEFAULT '{}',
    first_seen         timestamptz NOT NULL DEFAULT now(),
    last_seen          timestamptz NOT NULL DEFAULT now(),
    resolved_at        timestamptz,
    reopen_count       integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    -- Sort key: critical = 4 … info = 0.
    severity_rank      smallint GENERATED ALWAYS AS (CASE severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3
                           WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END) STORED,
    PRIMARY KEY (tenant_id, id)
);
-- The stable identity of a finding.
CREATE UNIQUE INDEX findings_identity ON findings (tenant_id, rule_id, node_id);
CREATE INDEX findings_by_status ON findings (tenant_id, status, severity_rank, id);
CREATE INDEX findings_by_last_seen ON findings (tenant_id, last_seen, id);
CREATE INDEX findings_by_node ON findings (tenant_id, node_id);

CREATE TABLE evaluations (
    tenant_id     text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    evaluation_id uuid NOT NULL,
    job_id        uuid,
    graph_generation bigint NOT NULL,
    counts        jsonb NOT NULL DEFAULT '{}',  -- new, resolved, reopened, open, results
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, evaluation_id)
);
