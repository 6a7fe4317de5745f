-- Rate limits shared by every process serving the database: one GCRA bucket per tenant (and per
-- platform key), so N processes allow a plan's rate in total, not N times it.
--
-- `theoretical_arrival` is GCRA's TAT, in microseconds since the Unix epoch: the instant at which
-- the bucket would be empty again if no request came. A request is admitted when pushing it
-- forward by one emission interval keeps it within the burst. Integers, not timestamps: Citus
-- refuses non-immutable functions (timestamp arithmetic, now()) in `ON CONFLICT DO UPDATE`.
-- No foreign key to tenants: platform keys meter under tenant '*', and a bucket is harmless once
-- its tenant is gone (`bucket` is '' for a tenant's plan, the key id for a platform key).
CREATE TABLE rate_limit_buckets (
    tenant_id           text NOT NULL,
    bucket              text NOT NULL,
    theoretical_arrival bigint NOT NULL,
    PRIMARY KEY (tenant_id, bucket)
);

-- One call, one round trip: reads the database clock once (one clock for every process), admits
-- or refuses, and returns how far the TAT lies ahead of that clock (after the request when
-- admitted, as it stands when refused). The upsert locks the row, so concurrent requests from any
-- process queue on it and each sees the previous one's TAT.
CREATE FUNCTION rate_limit_take(
    p_tenant_id text, p_bucket text, p_interval_micros bigint, p_capacity_micros bigint,
    OUT admitted boolean, OUT ahead_micros bigint)
LANGUAGE plpgsql AS $$
DECLARE
    at_micros bigint := (extract(epoch FROM clock_timestamp()) * 1000000)::bigint;
    arrival bigint;
BEGIN
    INSERT INTO rate_limit_buckets AS stored (tenant_id, bucket, theoretical_arrival)
    VALUES (p_tenant_id, p_bucket, at_micros + p_interval_micros)
    ON CONFLICT (tenant_id, bucket) DO UPDATE
        SET theoretical_arrival = greatest(stored.theoretical_arrival, at_micros) + p_interval_micros
        WHERE greatest(stored.theoretical_arrival, at_micros) + p_interval_micros
              <= at_micros + p_capacity_micros
    RETURNING theoretical_arrival INTO arrival;
    admitted := arrival IS NOT NULL;
    IF NOT admitted THEN
        SELECT theoretical_arrival INTO arrival FROM rate_limit_buckets
        WHERE tenant_id = p_tenant_id AND bucket = p_bucket;
    END IF;
    ahead_micros := greatest(coalesce(arrival, at_micros) - at_micros, 0);
END
$$;

-- Like every tenant table, behind the row-level security wall (migration …_row_level_security):
-- the buckets are written by the owner connection before a tenant transaction exists, so the
-- tenant-facing role only ever reads its own bucket.
ALTER TABLE rate_limit_buckets ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON rate_limit_buckets
    USING (tenant_id = (SELECT current_setting('app.tenant_id', true)))
    WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)));
GRANT SELECT ON rate_limit_buckets TO infracast_app;
