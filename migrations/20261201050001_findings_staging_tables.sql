-- The findings merge's staging tables (`store::findings::apply_evaluation`), as tenant tables.
--
-- They were temporary tables, which live on the coordinator only: on Citus every merge statement
-- then joined a coordinator-local table with a distributed one (shipped as an intermediate result
-- per statement, or refused in a modifying CTE). As ordinary tables led by `tenant_id` they are
-- distributed and co-located with `findings` by `migrate --distribute`, so each merge statement
-- names one tenant and runs on the one worker holding its shard. Rows never outlive the merge's
-- transaction: it deletes its tenant's rows before it commits (and merges of one tenant are
-- serialised by an advisory lock). Unlogged: nothing in them needs to survive a crash.
--
-- Written by multi-row INSERTs: PostgreSQL refuses `COPY FROM` into a table under row-level
-- security (and Citus moves rows with COPY in an `INSERT … SELECT` from a coordinator table).
CREATE UNLOGGED TABLE staged_observations (
    tenant_id    text NOT NULL,
    rule_id      text NOT NULL,
    rule_version int,
    node_id      text NOT NULL,
    node_type    text,
    region       text,
    severity     text,
    categories   text[],
    reason       text,
    evidence     jsonb
);
CREATE INDEX staged_observations_by_identity ON staged_observations (tenant_id, rule_id, node_id);

CREATE UNLOGGED TABLE finding_changes (
    tenant_id    text NOT NULL,
    change       text NOT NULL,
    id           uuid,
    rule_id      text,
    node_id      text,
    severity     text,
    status       text,
    reason       text,
    reopen_count int
);
CREATE INDEX finding_changes_by_change ON finding_changes (tenant_id, change, id);

DO $$
DECLARE
    staging_table text;
BEGIN
    FOREACH staging_table IN ARRAY ARRAY['staged_observations', 'finding_changes'] LOOP
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
