-- Job commits (reconcile, evaluation) run as `infracast_app` under the job's tenant and stage
-- their rows in temporary tables (dropped at commit), which needs TEMPORARY on the database.
DO $$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO infracast_app', current_database());
END
$$;
