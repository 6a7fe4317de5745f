-- Writes proportional to change (issue 14).
--
-- `content_hash` is a stable 64-bit hash of what a reconcile would write (type, scope, name, tags
-- and properties of a node; kind, ends and properties of an edge), computed in Rust
-- (`store::reconcile::node_content_hash` / `edge_content_hash`). A rescan compares it with the
-- inventory's and writes only rows that are new, changed or gone. NULL means "not known" (rows
-- written by the node and edge API, or before this migration): reconcile compares those by
-- content, once, and stores their hash.
ALTER TABLE nodes ADD COLUMN content_hash bigint;
ALTER TABLE edges ADD COLUMN content_hash bigint;

-- When a completed scan of a scope (provider × account × region) last saw it whole. Every live node
-- of a completed scope was seen by that scan (what it did not see was tombstoned), so a node's
-- `last_seen` is the later of its row's `last_seen` (written when the row is written, or when it
-- was seen by a scan whose scope did not complete) and its scope's `seen_at`; an edge's, the later
-- of its row's and its source node's scope's. One row per scope moves instead of one per entity.
CREATE TABLE scope_scans (
    tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    provider  text NOT NULL,
    account   text NOT NULL,
    region    text NOT NULL,
    seen_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, provider, account, region)
);
ALTER TABLE scope_scans ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scope_scans
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
GRANT SELECT, INSERT, UPDATE, DELETE ON scope_scans TO infracast_app;
