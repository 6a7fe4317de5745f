//! Planner statistics refreshed right after a bulk write, instead of whenever autovacuum next
//! looks (up to a minute later, and longer on a busy table).
//!
//! Right after the first import and evaluation of a large estate the planner still believed the
//! tables were small: at 1M nodes a `/findings?status=open&sort=-last_seen` page sorted every
//! finding (1.1 s) and `/nodes?types=…&region=…` walked the wrong index, until autovacuum caught
//! up. A write that changed at least `BULK_WRITE_ROWS` rows analyses the tables it wrote. This
//! module only runs ANALYZE; it must not decide what a write is.

use sqlx::PgPool;

use super::Error;

/// Rows a write must change before its tables are analysed at once (ANALYZE samples at most
/// 30,000 rows a table: well under a second even at a million rows).
pub const BULK_WRITE_ROWS: u64 = 10_000;

/// The tables a bulk write may leave with stale statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenTable {
    Nodes,
    Edges,
    Findings,
}

impl WrittenTable {
    /// What to analyse: the table, with its column list where the columns no query filters,
    /// joins or sorts on are worth leaving out. A finding's `evidence`, `reason` and acceptance
    /// texts inform no plan: after the first evaluation of a 100k-instance estate (448k
    /// findings) ANALYZE of every column took 0.42-0.48 s, of these columns 0.25 s.
    fn analysed(self) -> &'static str {
        match self {
            WrittenTable::Nodes => "nodes",
            WrittenTable::Edges => "edges",
            WrittenTable::Findings => {
                "findings (tenant_id, id, rule_id, node_id, node_type, region, severity, \
                 severity_rank, categories, status, expires_at, first_seen, last_seen, created_at)"
            }
        }
    }
}

/// Analyses `table` when `changed_rows` reach `BULK_WRITE_ROWS`; answers whether it did. Runs as
/// the owner connection (ANALYZE needs the table's owner), on every tenant's rows: statistics are
/// per table, and they say nothing a tenant could read.
pub async fn refresh_after_write(
    pool: &PgPool,
    table: WrittenTable,
    changed_rows: u64,
) -> Result<bool, Error> {
    if changed_rows < BULK_WRITE_ROWS {
        return Ok(false);
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {}", table.analysed())))
        .execute(pool)
        .await?;
    Ok(true)
}
