-- Row-level security: the second wall behind every `WHERE tenant_id = …`.
--
-- Tenant-facing store work runs in a transaction that switches to the role `infracast_app` and
-- sets `app.tenant_id` (`store::tenant_transaction`). That role is neither a superuser, nor
-- BYPASSRLS, nor the tables' owner, so the policies below apply to it: a query that forgets its
-- tenant filter sees only the current tenant's rows, and with the setting unset it sees nothing
-- (`current_setting(…, true)` is NULL and `tenant_id = NULL` is never true).
--
-- The tables are not `FORCE`d on purpose: the connection that runs migrations owns them and does
-- the platform work that legitimately spans tenants (ARCHITECTURE.md lists it); as owner (or
-- superuser, as in the embedded cluster) it is not subject to the policies.

-- Roles are cluster-wide and several databases (tests) may run this at the same moment.
DO $$
BEGIN
    CREATE ROLE infracast_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- A connection may only `SET ROLE` to a role it is a member of; superusers always may.
DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT infracast_app TO %I', current_user);
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO infracast_app;
-- Node and edge writes move the tenant's graph generation, drawn from this sequence.
GRANT USAGE, SELECT ON SEQUENCE graph_generations TO infracast_app;

-- The tenant's own row: read it and move its graph generation; never create or delete tenants.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
GRANT SELECT, UPDATE ON tenants TO infracast_app;

DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY[
        'api_keys', 'auth_tokens', 'nodes', 'edges', 'jobs', 'job_changes', 'schedules',
        'findings', 'evaluations', 'webhooks', 'webhook_events', 'webhook_deliveries', 'reports'
    ] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        -- The sub-select makes the setting evaluated once per statement, not once per row.
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I
                USING (tenant_id = (SELECT current_setting(''app.tenant_id'', true)))
                WITH CHECK (tenant_id = (SELECT current_setting(''app.tenant_id'', true)))',
            tenant_table);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO infracast_app', tenant_table);
    END LOOP;
END
$$;
