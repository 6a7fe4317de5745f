-- A finding's `created_at` and `first_seen` are the same instant: both default to `now()` when its
-- row is inserted and nothing updates either. `?sort=created_at` is therefore served by
-- `findings_by_first_seen` (`store::findings::SORT_COLUMNS` orders it by `first_seen`), and the
-- index that only repeated it goes: one index fewer for every finding an evaluation inserts.
DROP INDEX IF EXISTS findings_by_created_at;
