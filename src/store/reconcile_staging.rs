//! Where a reconcile stages the rows it is about to write, and how they get there.
//!
//! On plain PostgreSQL: temporary tables (dropped at commit), filled with COPY, the fastest way in,
//! and analysed so the planner drives from them into the primary keys. On Citus a temporary table
//! lives on the coordinator, and Citus refuses an UPDATE or INSERT … SELECT joining one with a
//! distributed table; there the reconcile stages into the tenant tables `reconcile_staged_*`
//! (distributed and co-located with `nodes`), with multi-row INSERTs (COPY is refused under
//! row-level security), and deletes its tenant's rows before the commit.
//!
//! Both kinds have the same columns, `tenant_id` first (a temporary table's defaults to the
//! tenant), so every reconcile statement is written once, naming the tables this module chose and
//! filtering each on `tenant_id`. This module stages; it does not decide what to write.

use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::Error;
use super::reconcile::{Staging, copy_in, encode_edges, encode_nodes, push_row};
use crate::model::{Edge, Node};

/// Rows per multi-row INSERT on Citus: under PostgreSQL's 65,535 parameters at ten per row.
const ROWS_PER_INSERT: usize = 5_000;

/// The staging tables of one reconcile.
#[derive(Debug, Clone, Copy)]
pub(super) struct StagingTables {
    pub nodes: &'static str,
    pub edges: &'static str,
    pub marks: &'static str,
    pub scopes: &'static str,
    distributed: bool,
}

const TEMPORARY: StagingTables = StagingTables {
    nodes: "staged_nodes",
    edges: "staged_edges",
    marks: "reconcile_marks",
    scopes: "completed_scopes",
    distributed: false,
};

const DISTRIBUTED: StagingTables = StagingTables {
    nodes: "reconcile_staged_nodes",
    edges: "reconcile_staged_edges",
    marks: "reconcile_staged_marks",
    scopes: "reconcile_staged_scopes",
    distributed: true,
};

impl StagingTables {
    /// Chooses the tables for this database and makes them ready, empty, for the tenant.
    pub async fn open(connection: &mut PgConnection, tenant_id: &str) -> Result<Self, Error> {
        if super::citus::is_citus(&mut *connection).await? {
            // Nothing should be left (rows are deleted before every commit, and a failed
            // transaction leaves none), but a staged row must never leak into this reconcile.
            DISTRIBUTED.clear(connection, tenant_id).await?;
            return Ok(DISTRIBUTED);
        }
        // DDL takes no parameters.
        let tenant = super::quote_literal(tenant_id);
        for statement in [
            format!(
                "CREATE TEMP TABLE staged_nodes (tenant_id text NOT NULL DEFAULT {tenant},
                    id text PRIMARY KEY, type text, provider text, region text, account text,
                    name text, tags jsonb, properties jsonb, content_hash bigint, staging text)
                 ON COMMIT DROP"
            ),
            format!(
                "CREATE TEMP TABLE staged_edges (tenant_id text NOT NULL DEFAULT {tenant},
                    id text PRIMARY KEY, kind text, src text, dst text, properties jsonb,
                    content_hash bigint, staging text)
                 ON COMMIT DROP"
            ),
            // `gone`: stored live, not seen; `seen`: seen unchanged outside a completed scope.
            format!(
                "CREATE TEMP TABLE reconcile_marks (tenant_id text NOT NULL DEFAULT {tenant},
                    entity text, mark text, id text)
                 ON COMMIT DROP"
            ),
            format!(
                "CREATE TEMP TABLE completed_scopes (tenant_id text NOT NULL DEFAULT {tenant},
                    provider text, account text, region text)
                 ON COMMIT DROP"
            ),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut *connection)
                .await?;
        }
        Ok(TEMPORARY)
    }

    /// Stages the inventory's nodes listed in `staged`.
    pub async fn stage_nodes(
        &self,
        connection: &mut PgConnection,
        tenant_id: &str,
        nodes: &[Node],
        staged: &[(usize, i64, Staging)],
    ) -> Result<(), Error> {
        if staged.is_empty() {
            return Ok(());
        }
        if !self.distributed {
            return copy_in(
                connection,
                "COPY staged_nodes (id, type, provider, region, account, name, tags, properties, content_hash, staging) FROM STDIN",
                encode_nodes(nodes, staged),
            )
            .await;
        }
        for chunk in staged.chunks(ROWS_PER_INSERT) {
            let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(
                "INSERT INTO reconcile_staged_nodes (tenant_id, id, type, provider, region, account,
                    name, tags, properties, content_hash, staging) ",
            );
            insert.push_values(chunk, |mut row, &(index, hash, staging)| {
                let node = &nodes[index];
                row.push_bind(tenant_id)
                    .push_bind(node.id.as_str())
                    .push_bind(node.node_type.as_str())
                    .push_bind(&node.provider)
                    .push_bind(&node.region)
                    .push_bind(&node.account)
                    .push_bind(&node.name)
                    .push_bind(sqlx::types::Json(&node.tags))
                    .push_bind(sqlx::types::Json(&node.properties))
                    .push_bind(hash)
                    .push_bind(staging.as_str());
            });
            insert.build().execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// Stages the inventory's edges listed in `staged`.
    pub async fn stage_edges(
        &self,
        connection: &mut PgConnection,
        tenant_id: &str,
        edges: &[Edge],
        staged: &[(usize, i64, Staging)],
    ) -> Result<(), Error> {
        if staged.is_empty() {
            return Ok(());
        }
        if !self.distributed {
            return copy_in(
                connection,
                "COPY staged_edges (id, kind, src, dst, properties, content_hash, staging) FROM STDIN",
                encode_edges(edges, staged),
            )
            .await;
        }
        for chunk in staged.chunks(ROWS_PER_INSERT) {
            let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(
                "INSERT INTO reconcile_staged_edges (tenant_id, id, kind, src, dst, properties,
                    content_hash, staging) ",
            );
            insert.push_values(chunk, |mut row, &(index, hash, staging)| {
                let edge = &edges[index];
                row.push_bind(tenant_id)
                    .push_bind(&edge.id)
                    .push_bind(edge.kind.as_str())
                    .push_bind(edge.src.as_str())
                    .push_bind(edge.dst.as_str())
                    .push_bind(sqlx::types::Json(&edge.properties))
                    .push_bind(hash)
                    .push_bind(staging.as_str());
            });
            insert.build().execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// Stages the marks: (entity, mark, id) rows.
    pub async fn stage_marks(
        &self,
        connection: &mut PgConnection,
        tenant_id: &str,
        marks: &[(&str, &str, &str)],
    ) -> Result<(), Error> {
        if marks.is_empty() {
            return Ok(());
        }
        if !self.distributed {
            let mut buffer = Vec::with_capacity(marks.len() * 64);
            for (entity, mark, id) in marks {
                push_row(&mut buffer, &[entity, mark, id]);
            }
            return copy_in(
                connection,
                "COPY reconcile_marks (entity, mark, id) FROM STDIN",
                buffer,
            )
            .await;
        }
        for chunk in marks.chunks(ROWS_PER_INSERT) {
            let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(
                "INSERT INTO reconcile_staged_marks (tenant_id, entity, mark, id) ",
            );
            insert.push_values(chunk, |mut row, (entity, mark, id)| {
                row.push_bind(tenant_id)
                    .push_bind(*entity)
                    .push_bind(*mark)
                    .push_bind(*id);
            });
            insert.build().execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// Stages the completed scopes: (provider, account, region) rows.
    pub async fn stage_scopes(
        &self,
        connection: &mut PgConnection,
        tenant_id: &str,
        scopes: &[(&str, &str, &str)],
    ) -> Result<(), Error> {
        if scopes.is_empty() {
            return Ok(());
        }
        let mut insert: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "INSERT INTO {} (tenant_id, provider, account, region) ",
            self.scopes
        ));
        insert.push_values(scopes, |mut row, (provider, account, region)| {
            row.push_bind(tenant_id)
                .push_bind(*provider)
                .push_bind(*account)
                .push_bind(*region);
        });
        insert.build().execute(&mut *connection).await?;
        Ok(())
    }

    /// Gives the planner true counts for freshly filled temporary tables (it would guess
    /// otherwise). Citus keeps its shards' statistics itself.
    pub async fn analyze(&self, connection: &mut PgConnection) -> Result<(), Error> {
        if self.distributed {
            return Ok(());
        }
        sqlx::query("ANALYZE staged_nodes, staged_edges, reconcile_marks, completed_scopes")
            .execute(&mut *connection)
            .await?;
        Ok(())
    }

    /// Empties the tenant's staging rows; call last, before the commit. Temporary tables go with
    /// the commit by themselves.
    pub async fn close(&self, connection: &mut PgConnection, tenant_id: &str) -> Result<(), Error> {
        if self.distributed {
            self.clear(connection, tenant_id).await?;
        }
        Ok(())
    }

    async fn clear(&self, connection: &mut PgConnection, tenant_id: &str) -> Result<(), Error> {
        for table in [self.nodes, self.edges, self.marks, self.scopes] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE tenant_id = $1"
            )))
            .bind(tenant_id)
            .execute(&mut *connection)
            .await?;
        }
        Ok(())
    }
}
