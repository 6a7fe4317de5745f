-- The merge inserts new findings in the order the evaluation staged them (by rule, then
-- resource: the identity index's order), numbered by `position`, the row's place in that order.
-- The application sorts and numbers the rows: sorting them in the insert (hundreds of MB with
-- their evidence) cost the first evaluation of a large estate seconds.
ALTER TABLE staged_observations ADD COLUMN position bigint;
