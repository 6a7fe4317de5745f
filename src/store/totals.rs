//! List totals computed once per (list, tenant, generation, filter) and reused until the tenant's
//! data moves, so a page costs its rows, not a recount of 100k matches (issue 19).
//!
//! A generation (`tenants.graph_generation` for nodes and edges, `tenants.findings_generation` for
//! findings) is drawn from one global sequence and moves in the transaction of every write to
//! those tables: a cached total is exact for its generation, and a deleted tenant's entries can
//! never answer for a re-created slug (its generations are new numbers). The count and the
//! generation it belongs to are read by one statement, so they come from one snapshot.
//!
//! The cache is per process and bounded; it holds numbers only, never rows. No SQL here but the
//! generation lookup: the callers own their count statements.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::Error;

/// Entries kept at most; past it the cache starts over (a recount per shape is the worst case).
const MAX_ENTRIES: usize = 10_000;

/// Which generation column a list's rows move with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Generation {
    Graph,
    Findings,
}

impl Generation {
    fn column(self) -> &'static str {
        match self {
            Generation::Graph => "graph_generation",
            Generation::Findings => "findings_generation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    list: &'static str,
    tenant_id: String,
    generation: i64,
    filter: String,
}

fn cache() -> &'static Mutex<HashMap<Key, i64>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, i64>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<Key, i64>> {
    // A panic while holding the lock cannot leave a wrong number behind (inserts are whole).
    cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `SELECT count(*), <the tenant's generation> FROM <table>`: the caller appends its `WHERE …`
/// and hands the builder to [`total`].
pub fn count_query(
    table: &'static str,
    generation: Generation,
    tenant_id: &str,
) -> QueryBuilder<Postgres> {
    let mut builder = QueryBuilder::<Postgres>::new(format!(
        "SELECT count(*), (SELECT {} FROM tenants WHERE tenant_id = ",
        generation.column()
    ));
    builder.push_bind(tenant_id.to_string());
    builder.push(format!(") FROM {table}"));
    builder
}

/// The exact number of rows `count` (from [`count_query`]) counts, from the cache when this
/// (list, tenant, generation, filter) was counted before. `filter` is a deterministic rendering
/// of every filter value (the caller's `Debug` of its filter struct).
pub async fn total(
    connection: &mut PgConnection,
    list: &'static str,
    generation: Generation,
    tenant_id: &str,
    filter: String,
    mut count: QueryBuilder<Postgres>,
) -> Result<i64, Error> {
    let current: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM tenants WHERE tenant_id = $1",
        generation.column()
    )))
    .bind(tenant_id)
    .fetch_optional(&mut *connection)
    .await?;
    let mut key = Key {
        list,
        tenant_id: tenant_id.to_string(),
        generation: current.unwrap_or(-1),
        filter,
    };
    if current.is_some()
        && let Some(total) = lock().get(&key)
    {
        return Ok(*total);
    }
    // The count and the generation come from one statement (one snapshot), so the total is filed
    // under the generation it really belongs to.
    let (total, seen): (i64, Option<i64>) =
        count.build_query_as().fetch_one(&mut *connection).await?;
    if let Some(seen) = seen {
        key.generation = seen;
        let mut entries = lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, total);
    }
    Ok(total)
}
