-- Lists cost their page (issue 19).
--
-- `findings_generation` moves (from the same global sequence as `graph_generation`, so it never
-- repeats, even for a re-created slug) whenever the tenant's findings change: an evaluation, an
-- acceptance, a manual resolve. List totals are computed once per (tenant, generation, filter)
-- and reused until it moves (`store::totals`).
ALTER TABLE tenants ADD COLUMN findings_generation bigint NOT NULL DEFAULT nextval('graph_generations');

-- The default findings order (`-severity`: severity_rank DESC, id DESC) without a status filter,
-- e.g. `?severity=high,critical`: a backward scan that stops after one page.
CREATE INDEX findings_by_severity ON findings (tenant_id, severity_rank, id);
-- `?sort=first_seen` / `?sort=created_at` / `?sort=rule_id` (keyset walks included).
CREATE INDEX findings_by_first_seen ON findings (tenant_id, first_seen, id);
CREATE INDEX findings_by_created_at ON findings (tenant_id, created_at, id);
-- `?rule_id=` (and `?sort=rule_id`) is served by `findings_identity (tenant_id, rule_id, node_id)`.

-- `?types=T&region=R` in the default node order (created_at, id): one range of one index.
CREATE INDEX nodes_by_type_region ON nodes (tenant_id, type, region, created_at, id) WHERE deleted_at IS NULL;
-- Region alone in the default order (replaces `nodes_by_region`, which could not serve the sort).
CREATE INDEX nodes_by_region_created_at ON nodes (tenant_id, region, created_at, id) WHERE deleted_at IS NULL;
DROP INDEX nodes_by_region;
