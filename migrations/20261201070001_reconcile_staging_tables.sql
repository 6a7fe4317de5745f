-- Reconcile's staging tables on Citus (`store::reconcile_staging`), as tenant tables.
--
-- On plain PostgreSQL a reconcile stages into temporary tables with COPY (the fastest path, and
-- temporary tables need no policy). On Citus a temporary table lives on the coordinator only, and
-- Citus refuses an UPDATE or INSERT … SELECT that joins one with a distributed table. These tables,
-- led by `tenant_id`, are distributed and co-located with `nodes` by `migrate --distribute`, so
-- every reconcile statement names one tenant and runs on the worker holding its shard. Rows never
-- outlive the reconcile's transaction: it deletes its tenant's rows before the commit (reconciles
-- of one tenant are serialised by the tenant row's lock). Unlogged: nothing here survives a crash
-- on purpose. Written by multi-row INSERTs: PostgreSQL refuses `COPY FROM` into a table under
-- row-level security.
CREATE UNLOGGED TABLE reconcile_staged_nodes (
    tenant_id    text NOT NULL,
    id           text NOT NULL,
    type         text,
    provider     text,
    region       text,
    account      text,
    name         text,
    tags         jsonb,
    properties   jsonb,
    content_hash bigint,
    staging      text,
    PRIMARY KEY (tenant_id, id)
);

CREATE UNLOGGED TABLE reconcile_staged_edges (
    tenant_id    text NOT NULL,
    id           text NOT NULL,
    kind         text,
    src          text,
    dst          text,
    properties   jsonb,
    content_hash bigint,
    staging      text,
    PRIMARY KEY (tenant_id, id)
);

CREATE UNLOGGED TABLE reconcile_staged_marks (
    tenant_id text NOT NULL,
    entity    text NOT NULL,
    mark      text NOT NULL,
    id        text NOT NULL
);
CREATE INDEX reconcile_staged_marks_by_mark ON reconcile_staged_marks (tenant_id, entity, mark, id);

CREATE UNLOGGED TABLE reconcile_staged_scopes (
    tenant_id text NOT NULL,
    provider  text NOT NULL,
    account   text NOT NULL,
    region    text NOT NULL
);

DO $$
DECLARE
    staging_table text;
BEGIN
    FOREACH staging_table IN ARRAY ARRAY['reconcile_staged_nodes', 'reconcile_staged_edges',
                                         'reconcile_staged_marks', 'reconcile_staged_scopes'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', staging_table);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I
                USING (tenant_id = (SELECT current_setting(''app.tenant_id'', true)))
                WITH CHECK (tenant_id = (SELECT current_setting(''app.tenant_id'', true)))',
            staging_table);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO infracast_app', staging_table);
    END LOOP;
END
$$;
