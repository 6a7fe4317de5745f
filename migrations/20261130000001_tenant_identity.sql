-- A tenant slug can be deleted and created again. Everything cached or kept outside the tenant's
-- own rows (graph snapshots in every process, audit events) must tell the two apart, so:
--   * `uid` is a per-row identity a re-created tenant never shares;
--   * `graph_generation` is drawn from one global sequence, so a generation never repeats across
--     tenants or re-creations (a cache keyed by slug and generation can never hit a deleted
--     tenant's snapshot).
ALTER TABLE tenants ADD COLUMN uid uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX tenants_uid ON tenants (uid);

CREATE SEQUENCE graph_generations;
SELECT setval('graph_generations', GREATEST(1, (SELECT COALESCE(max(graph_generation), 0) + 1 FROM tenants)));
ALTER TABLE tenants ALTER COLUMN graph_generation SET DEFAULT nextval('graph_generations');
UPDATE tenants SET graph_generation = nextval('graph_generations');
