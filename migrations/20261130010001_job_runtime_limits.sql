-- Job runtime hardening: fair claims across tenants, and discovery commits a re-claim can resume.

-- When a worker last claimed this job. The claim orders tenants by their most recent claim, so a
-- tenant that was just served waits behind one that was not.
ALTER TABLE jobs ADD COLUMN claimed_at timestamptz;
CREATE INDEX jobs_claims_by_tenant ON jobs (tenant_id, claimed_at);

-- The terminal status a discovery earned when its graph commit landed. The job stays `running`
-- until the evaluation that follows has committed too; a worker that re-claims the job (its
-- predecessor died in between) resumes with the evaluation instead of discovering again, so the
-- diff is recorded once.
ALTER TABLE jobs ADD COLUMN committed_status text
    CHECK (committed_status IN ('succeeded', 'partially_succeeded'));
