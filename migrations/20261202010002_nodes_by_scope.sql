-- `/nodes?sort=last_seen|-last_seen` without sorting every row (issue 19).
--
-- A node's `last_seen` is computed from its row and its scope's last completed scan
-- (`scope_scans`), so no index holds it; within one scope, though, rows seen after the scan are in
-- `last_seen` order and every other row sits at the scan time, in id order. A page merges those two
-- ranges per scope (`store::by_last_seen`), one index each:
CREATE INDEX nodes_by_scope_last_seen ON nodes (tenant_id, provider, account, region, last_seen, id)
    WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_scope_id ON nodes (tenant_id, provider, account, region, id)
    WHERE deleted_at IS NULL;
-- `nodes_by_last_seen` could serve no query once `last_seen` became computed (issue 14), and
-- `nodes_by_scope_id` leads with `(tenant_id, provider)`, serving `?provider=` as
-- `nodes_by_provider` did: two indexes fewer for every node a reconcile writes.
DROP INDEX IF EXISTS nodes_by_last_seen;
DROP INDEX IF EXISTS nodes_by_provider;
