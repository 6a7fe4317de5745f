-- `/edges?sort=last_seen|-last_seen` without sorting every row (issue 19), as for nodes
-- (`…_nodes_by_scope.sql`). An edge's `last_seen` follows its source node's scope; that scope is
-- now copied onto the edge when it is written (reconcile, the edge API), so the edge's own indexes
-- can serve the per-scope ranges (`store::by_last_seen`). '' where the source node is unknown:
-- no scope was ever scanned by that name, so the row's own `last_seen` counts.
ALTER TABLE edges
    ADD COLUMN scope_provider text NOT NULL DEFAULT '',
    ADD COLUMN scope_account  text NOT NULL DEFAULT '',
    ADD COLUMN scope_region   text NOT NULL DEFAULT '';
UPDATE edges e SET scope_provider = n.provider, scope_account = n.account, scope_region = n.region
FROM nodes n
WHERE n.tenant_id = e.tenant_id AND n.id = e.src;
CREATE INDEX edges_by_scope_last_seen ON edges (tenant_id, scope_provider, scope_account, scope_region, last_seen, id)
    WHERE deleted_at IS NULL;
CREATE INDEX edges_by_scope_id ON edges (tenant_id, scope_provider, scope_account, scope_region, id)
    WHERE deleted_at IS NULL;
