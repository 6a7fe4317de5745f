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
    fn name(self) -> &'static str {
        match self {
            WrittenTable::Nodes => "nodes",
            WrittenTable::Edges => "edges",
            WrittenTable::Findings => "findings",
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
    sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {}", table.name())))
        .execute(pool)
        .await?;
    Ok(true)
}
