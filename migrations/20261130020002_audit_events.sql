-- The audit trail: who (key and role) did what to which object, and when, for every write through
-- the API. Append only: no foreign key to tenants (events outlive a deleted tenant, for the
-- platform), a trigger refuses UPDATE, DELETE and TRUNCATE, and the tenant-facing role may only
-- read its own tenant's events and add new ones.
CREATE TABLE audit_events (
    tenant_id    text NOT NULL,          -- tenant slug at the time; '*' for platform-wide actions
    tenant_uid   uuid,                   -- tenants.uid at the time: a re-created slug gets a new one
    event_id     uuid NOT NULL DEFAULT gen_random_uuid(),
    occurred_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_key_id uuid,                   -- the API key behind the request (tokens name their key)
    actor_role   text,
    action       text NOT NULL,          -- e.g. jobs.create, jobs.cancel, findings.accept
    method       text NOT NULL,
    path         text NOT NULL,          -- the request path as sent (no query string)
    target_type  text,                   -- e.g. job, finding, tenant
    target_id    text,
    status       integer NOT NULL,       -- the HTTP status answered
    request_id   text,                   -- the caller's X-Request-Id, if any
    client_ip    text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);
-- Newest-first keyset paging, per tenant incarnation and across tenants.
CREATE INDEX audit_events_by_tenant_time ON audit_events (tenant_uid, occurred_at, event_id);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at, event_id);

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_events
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
GRANT SELECT, INSERT ON audit_events TO infracast_app;
