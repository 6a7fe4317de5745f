-- Jobs (discovery and evaluation), their per-job diffs, and cron schedules that create jobs.

CREATE TABLE jobs (
    tenant_id        text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    job_id           uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('discovery', 'evaluation')),
    provider         text,                   -- discovery: aws | fixture
    config           jsonb NOT NULL DEFAULT '{}',
    -- created: waiting for POST /start; pending: queued for a worker.
    status           text NOT NULL CHECK (status IN ('created', 'pending', 'running', 'succeeded',
                                                     'partially_succeeded', 'failed', 'cancelled')),
    cancel_requested boolean NOT NULL DEFAULT false,
    progress         jsonb NOT NULL DEFAULT '{}',
    scopes           jsonb NOT NULL DEFAULT '[]',   -- per-scope results
    counts           jsonb NOT NULL DEFAULT '{}',   -- nodes/edges added, changed, removed
    errors           jsonb NOT NULL DEFAULT '[]',
    attempts         integer NOT NULL DEFAULT 0,
    lease_owner      text,
    lease_expires_at timestamptz,
    -- Incremented at every claim; a commit must present the token it claimed with, so a stalled
    -- worker whose lease was taken over cannot commit over its successor.
    fencing_token    bigint NOT NULL DEFAULT 0,
    schedule_id      uuid,
    scheduled_for    timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, job_id)
);
CREATE INDEX jobs_claimable ON jobs (created_at) WHERE status IN ('pending', 'running');
CREATE INDEX jobs_by_status ON jobs (tenant_id, status, created_at);
-- A schedule fires at most once per due time, however many processes run the scheduler.
CREATE UNIQUE INDEX jobs_schedule_once ON jobs (tenant_id, schedule_id, scheduled_for)
    WHERE schedule_id IS NOT NULL;

CREATE TABLE job_changes (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    job_id     uuid NOT NULL,
    entity     text NOT NULL CHECK (entity IN ('node', 'edge')),
    entity_id  text NOT NULL,
    change     text NOT NULL CHECK (change IN ('added', 'changed', 'removed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, job_id, entity, entity_id)
);

CREATE TABLE schedules (
    tenant_id    text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    schedule_id  uuid NOT NULL,
    name         text NOT NULL,
    cron         text NOT NULL,              -- 5-field (minute first) or 6-field (seconds first)
    job_template jsonb NOT NULL,             -- {"provider": …, "config": …}
    enabled      boolean NOT NULL DEFAULT true,
    next_run_at  timestamptz NOT NULL,
    last_run_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, schedule_id)
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE enabled;

-- Bumped whenever a tenant's nodes or edges change, so every process can tell that its cached
-- in-memory graph snapshot is stale.
ALTER TABLE tenants ADD COLUMN graph_generation bigint NOT NULL DEFAULT 0;
