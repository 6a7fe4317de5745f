//! Node and edge lists ordered by `last_seen` (`?sort=last_seen|-last_seen`), one index range per
//! scope instead of a sort of every matching row.
//!
//! A live row's `last_seen` is computed: the later of its row's and its scope's last completed
//! scan (`scope_scans.seen_at`, see `store::reconcile`; an edge's scope is its source node's,
//! copied onto the edge when it is written), so no index holds it. Within one scope (provider ×
//! account × region) scanned at `T`, though, the order is plain: rows whose own `last_seen` is
//! after `T` come in `last_seen` order (`*_by_scope_last_seen`), every other row sits at `T`, tied,
//! in id order (`*_by_scope_id`); a scope never scanned whole is in row order. So a page is the
//! merge of two index ranges per scope, each cut at the page's size, and costs about its rows
//! (on the 100k-instance estate a sort of ~350k nodes took ~0.9 s a page).
//!
//! This module builds that one query; it must not decide anything else about a list (filters,
//! totals and cursors are `store::nodes`', `store::edges`' and `store::paging`'s).

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::Error;
use super::paging::{Cursor, PageRequest, Sort};

/// Beyond this many scopes the query would have hundreds of branches; the caller sorts instead.
const MAX_SCOPES: usize = 64;

/// A table whose rows' `last_seen` follows their scope's scans.
#[derive(Debug, Clone, Copy)]
pub(super) struct ScopedTable {
    /// `nodes` or `edges`.
    pub table: &'static str,
    /// The columns holding a row's scope: provider, account, region.
    pub scope_columns: [&'static str; 3],
    /// What a list reads, with `effective_last_seen AS last_seen` for the computed time.
    pub select_columns: &'static str,
}

/// One scope of the table's live rows and when a completed scan last saw it whole.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct Scope {
    pub provider: String,
    pub account: String,
    pub region: String,
    seen_at: Option<DateTime<Utc>>,
}

impl ScopedTable {
    /// The distinct scopes of the tenant's live rows with their scans, by a skip scan of
    /// `*_by_scope_id` (one index probe per scope); `None` past `MAX_SCOPES`.
    pub async fn scopes(
        &self,
        connection: &mut PgConnection,
        tenant_id: &str,
    ) -> Result<Option<Vec<Scope>>, Error> {
        let ScopedTable { table, .. } = *self;
        let [provider, account, region] = self.scope_columns;
        let scopes: Vec<Scope> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "WITH RECURSIVE scopes AS (
                (SELECT {provider} AS provider, {account} AS account, {region} AS region FROM {table}
                 WHERE tenant_id = $1 AND deleted_at IS NULL
                 ORDER BY {provider}, {account}, {region} LIMIT 1)
                UNION ALL
                SELECT next.provider, next.account, next.region FROM scopes s CROSS JOIN LATERAL (
                    SELECT {provider} AS provider, {account} AS account, {region} AS region FROM {table}
                    WHERE tenant_id = $1 AND deleted_at IS NULL
                      AND ({provider}, {account}, {region}) > (s.provider, s.account, s.region)
                    ORDER BY {provider}, {account}, {region} LIMIT 1) next)
             SELECT s.provider, s.account, s.region, scans.seen_at
             FROM (SELECT * FROM scopes LIMIT $2) s
             LEFT JOIN scope_scans scans ON scans.tenant_id = $1 AND scans.provider = s.provider
                 AND scans.account = s.account AND scans.region = s.region"
        )))
        .bind(tenant_id)
        .bind(MAX_SCOPES as i64 + 1)
        .fetch_all(&mut *connection)
        .await?;
        Ok((scopes.len() <= MAX_SCOPES).then_some(scopes))
    }

    /// The page's query: per scope `admits`, the rows after its scan in `last_seen` order and the
    /// rows at its scan in id order, each cut at the rows the page could need, merged and cut
    /// again. Each of `parts` writes a ` WHERE …` (tenant, live rows, filters) and the rows of
    /// the list are the union of theirs: a list of several node types is one part per type, so
    /// each branch is one equality the planner can serve in id order from `nodes_by_type` (an
    /// `= ANY(…)` cannot give ordered rows, and filtering the scope's range for instances read
    /// ~240k other nodes first: 0.2 s a page).
    pub fn page_query<Part: Fn(&mut QueryBuilder<Postgres>)>(
        &self,
        scopes: &[Scope],
        admits: impl Fn(&Scope) -> bool,
        parts: &[Part],
        sort: &Sort,
        request: &PageRequest,
    ) -> Result<QueryBuilder<Postgres>, Error> {
        let table = self.table;
        let direction = if sort.descending { "DESC" } else { "ASC" };
        let comparison = if sort.descending { "<" } else { ">" };
        let offset = match request.cursor {
            Some(_) => 0,
            None => i64::from(request.page.saturating_sub(1)) * i64::from(request.per_page),
        };
        let branch_limit = offset + i64::from(request.per_page) + 1;
        let cursor = match &request.cursor {
            Some(cursor) => Some((cursor_time(cursor)?, cursor)),
            None => None,
        };
        let push_scope = |builder: &mut QueryBuilder<Postgres>, part: &Part, scope: &Scope| {
            part(builder);
            for (column, value) in
                self.scope_columns
                    .iter()
                    .zip([&scope.provider, &scope.account, &scope.region])
            {
                builder.push(format!(" AND {column} = "));
                builder.push_bind(value.clone());
            }
        };
        let mut builder =
            QueryBuilder::<Postgres>::new(format!("SELECT {} FROM (", self.select_columns));
        let mut branches = 0;
        let branches_of = scopes
            .iter()
            .filter(|scope| admits(scope))
            .flat_map(|scope| parts.iter().map(move |part| (scope, part)));
        for (scope, part) in branches_of {
            // Rows whose own `last_seen` is the computed one: all of them in a scope never scanned.
            push_union(&mut builder, &mut branches);
            builder.push(format!(
                "(SELECT {table}.*, last_seen AS effective_last_seen FROM {table}"
            ));
            push_scope(&mut builder, part, scope);
            if let Some(seen_at) = scope.seen_at {
                builder.push(" AND last_seen > ");
                builder.push_bind(seen_at);
            }
            if let Some((_, cursor)) = &cursor {
                builder.push(format!(" AND (last_seen, id) {comparison} ("));
                builder.push_bind(cursor.value.clone());
                builder.push("::timestamptz, ");
                builder.push_bind(cursor.id.clone());
                builder.push("::text)");
            }
            builder.push(format!(
                " ORDER BY last_seen {direction}, id {direction} LIMIT "
            ));
            builder.push_bind(branch_limit);
            builder.push(")");

            // Rows at the scope's scan, tied there: by id, after the cursor's position.
            let Some(seen_at) = scope.seen_at else {
                continue;
            };
            let id_after = match &cursor {
                None => None,
                Some((position, cursor)) => match seen_at.cmp(position) {
                    Ordering::Equal => Some(cursor.id.clone()),
                    // The whole tie is on the far side of the cursor: nothing of it is on this page.
                    order if (order == Ordering::Greater) == sort.descending => continue,
                    _ => None,
                },
            };
            push_union(&mut builder, &mut branches);
            builder.push(format!("(SELECT {table}.*, "));
            builder.push_bind(seen_at);
            builder.push(format!("::timestamptz AS effective_last_seen FROM {table}"));
            push_scope(&mut builder, part, scope);
            builder.push(" AND last_seen <= ");
            builder.push_bind(seen_at);
            if let Some(id) = id_after {
                builder.push(format!(" AND id {comparison} "));
                builder.push_bind(id);
            }
            builder.push(format!(" ORDER BY id {direction} LIMIT "));
            builder.push_bind(branch_limit);
            builder.push(")");
        }
        if branches == 0 {
            // No scope can match: an empty page, in the same shape.
            builder.push(format!(
                "SELECT {table}.*, last_seen AS effective_last_seen FROM {table} WHERE false"
            ));
        }
        builder.push(format!(
            ") AS {table} ORDER BY effective_last_seen {direction}, id {direction} LIMIT "
        ));
        builder.push_bind(i64::from(request.per_page) + 1);
        if offset > 0 {
            builder.push(" OFFSET ");
            builder.push_bind(offset);
        }
        Ok(builder)
    }
}

/// ` UNION ALL ` before every branch but the first.
fn push_union(builder: &mut QueryBuilder<Postgres>, branches: &mut usize) {
    if *branches > 0 {
        builder.push(" UNION ALL ");
    }
    *branches += 1;
}

/// The cursor's position as a time (`Cursor::validated` made it an RFC 3339 UTC timestamp).
fn cursor_time(cursor: &Cursor) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(&cursor.value)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| Error::Invalid("cursor is malformed: the position is not a timestamp".into()))
}
