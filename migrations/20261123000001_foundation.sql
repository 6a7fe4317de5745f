-- Foundation schema: tenants, API keys, tokens, nodes and edges.
-- Every tenant-owned table leads its primary key with tenant_id so the schema can be distributed
-- by tenant (Citus) without changing keys.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE tenants (
    tenant_id  text PRIMARY KEY,            -- slug: lowercase letters, digits, '-'
    name       text NOT NULL,
    plan       text NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Platform-wide keys use tenant_id '*', which no slug can take.
CREATE TABLE api_keys (
    tenant_id    text NOT NULL,
    key_id       uuid NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('platform_admin', 'admin', 'analyst', 'viewer')),
    key_hash     bytea NOT NULL,            -- SHA-256 of the full key; the key itself is never stored
    key_prefix   text NOT NULL,             -- first characters, to recognise a key in listings
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key_id)
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);

-- Access and refresh tokens minted from an API key; stored as SHA-256 like keys.
CREATE TABLE auth_tokens (
    tenant_id  text NOT NULL,
    token_hash bytea NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('access', 'refresh')),
    key_id     uuid NOT NULL,
    role       text NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, token_hash)
);
CREATE UNIQUE INDEX auth_tokens_hash ON auth_tokens (token_hash);

CREATE TABLE nodes (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    id         text NOT NULL,               -- provider:region:type:resource-id
    type       text NOT NULL,
    provider   text NOT NULL,
    region     text NOT NULL,
    account    text NOT NULL DEFAULT '',
    name       text NOT NULL DEFAULT '',
    tags       jsonb NOT NULL DEFAULT '{}',
    properties jsonb NOT NULL DEFAULT '{}',
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,                 -- tombstone: set when a complete scan no longer sees it
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
-- Sort orders for keyset paging over live nodes; the id breaks ties.
CREATE INDEX nodes_by_name ON nodes (tenant_id, name, id) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_type ON nodes (tenant_id, type, id) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_first_seen ON nodes (tenant_id, first_seen, id) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_last_seen ON nodes (tenant_id, last_seen, id) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_created_at ON nodes (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_region ON nodes (tenant_id, region) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_provider ON nodes (tenant_id, provider) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_account ON nodes (tenant_id, account) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_tags ON nodes USING gin (tags jsonb_path_ops) WHERE deleted_at IS NULL;
CREATE INDEX nodes_by_name_trigram ON nodes USING gin (lower(name) gin_trgm_ops) WHERE deleted_at IS NULL;

CREATE TABLE edges (
    tenant_id  text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    id         text NOT NULL,               -- deterministic from (kind, src, dst)
    kind       text NOT NULL,
    src        text NOT NULL,
    dst        text NOT NULL,
    properties jsonb NOT NULL DEFAULT '{}',
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX edges_by_src ON edges (tenant_id, src) WHERE deleted_at IS NULL;
CREATE INDEX edges_by_dst ON edges (tenant_id, dst) WHERE deleted_at IS NULL;
CREATE INDEX edges_by_kind ON edges (tenant_id, kind, id) WHERE deleted_at IS NULL;
CREATE INDEX edges_by_created_at ON edges (tenant_id, created_at, id) WHERE deleted_at IS NULL;
