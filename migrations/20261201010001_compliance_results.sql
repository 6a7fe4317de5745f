-- Stored compliance results: the evaluation that follows a discovery (or `POST /evaluations`)
-- writes, per framework revision, the score it implies, so the compliance endpoints read one row
-- per framework instead of re-running rules per request. An evaluation replaces the tenant's
-- rows in one transaction: while the next one runs, readers see the previous result whole.
--
-- `result` is the framework's score as if no finding were accepted (`compliance::score_unaccepted`,
-- each control listing at most `compliance::FAILING_RESOURCES_LISTED` failing resources);
-- readers apply the tenant's current acceptances to it (`compliance::apply_acceptance`), so
-- accepting or reopening a finding moves the score at once without rewriting this row.
-- `summary` is the same result without its controls: what the summary and framework list read
-- when no acceptance touches the framework.

CREATE TABLE compliance_results (
    tenant_id        text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    framework_id     text NOT NULL,
    -- The evaluation (and its job, when a job ran it) and graph snapshot this result reflects.
    evaluation_id    uuid NOT NULL,
    job_id           uuid,
    graph_generation bigint NOT NULL,
    evaluated_at     timestamptz NOT NULL,
    -- Rule ids the framework names: which results an acceptance can touch.
    rule_ids         text[] NOT NULL,
    summary          jsonb NOT NULL,
    result           jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, framework_id)
);

ALTER TABLE compliance_results ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON compliance_results
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
GRANT SELECT, INSERT, UPDATE, DELETE ON compliance_results TO infracast_app;
