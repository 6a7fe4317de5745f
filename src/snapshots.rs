//! Per-tenant immutable graph snapshots, cached in memory and swapped atomically.
//!
//! A snapshot is built from the tenant's live nodes and edges (off the async threads) and replaced
//! whole, so readers never see a half-built graph. After a discovery whose inventory became the
//! whole live graph, it is built from that inventory instead of reading the graph back. The
//! tenant's `graph_generation` tells every process when its cached snapshot is stale; after a
//! restart a snapshot is loaded on first use.
//! Generations come from one database sequence and never repeat, so a tenant deleted and created
//! again under the same slug can never be answered from the deleted tenant's snapshot.
//! A periodic sweep (`sweep_every`) drops snapshots of tenants deleted through other processes.
//! Builds are single-flight per tenant: requests that find the snapshot stale while another is
//! building it wait for that build instead of loading the graph again (a large tenant's load
//! takes seconds and its graph's memory; a burst of requests must not multiply either).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::graph::TenantGraph;
use crate::model::{Edge, Node, NodeId};
use crate::pathtrace::{self, ExposureReport, InternetNeighbourhood, PathIndex, Protocol};
use crate::rules::{
    self, Evaluation, ExposureAnswer, IncrementalEvaluation, InternetExposure, PreviousEvaluation,
    RuleSet,
};
use crate::store;

/// Where a snapshot's nodes and edges came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotSource {
    /// Read back from the stored live graph.
    Store,
    /// The inventory a discovery had just reconciled, when it is the whole live graph
    /// (`Reconciled::live_graph_is_inventory`): reading ~1M rows back would give the same.
    ReconciledInventory,
}

/// A discovery's inventory that is, once its transaction commits, the tenant's whole live graph
/// at `generation`.
#[derive(Debug)]
pub struct ReconciledGraph {
    pub generation: i64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// The reconcile's `node_content_hash` of each node, in `nodes` order.
    pub node_content_hashes: Vec<i64>,
}

/// One immutable snapshot of a tenant's graph.
#[derive(Debug)]
pub struct Snapshot {
    pub graph: TenantGraph,
    pub generation: i64,
    pub source: SnapshotSource,
    pub built_at: DateTime<Utc>,
    pub build_millis: u128,
    exposure: OnceLock<ExposureReport>,
    evaluation: OnceLock<IncrementalEvaluation>,
    path_index: OnceLock<PathIndex>,
    internet: OnceLock<Option<InternetNeighbourhood>>,
}

/// The path tracer's exposure report of one snapshot, as rules ask for it.
struct SnapshotExposure(Arc<Snapshot>);

impl InternetExposure for SnapshotExposure {
    fn is_exposed(&self, node_id: &NodeId, port: u16, protocol: &str) -> ExposureAnswer {
        let Ok(protocol) = Protocol::parse(protocol) else {
            return ExposureAnswer::Unknown;
        };
        // A resource whose properties could not be read was not analysed: unknown, not safe.
        if self.0.exposure().unreadable(node_id).is_some() {
            return ExposureAnswer::Unknown;
        }
        match self.0.exposure().exposed_on(node_id, Some(port), protocol) {
            Some(entry) => ExposureAnswer::Exposed {
                proof: serde_json::to_value(&entry.path).unwrap_or_default(),
            },
            None => ExposureAnswer::NotExposed,
        }
    }
}

impl Snapshot {
    /// The tracer's per-snapshot lookups, built on first use.
    pub fn path_index(&self) -> &PathIndex {
        self.path_index
            .get_or_init(|| PathIndex::build(&self.graph))
    }

    /// The rule pack's results on this snapshot, computed on first use (the pack is fixed for the
    /// life of the process). CPU-heavy the first time: call from a blocking context.
    pub fn evaluation(self: &Arc<Self>, rule_set: &RuleSet) -> &Evaluation {
        self.evaluation_since(rule_set, None)
    }

    /// `evaluation`, computed (when this is its first use) from `previous`, an earlier snapshot of
    /// the same tenant, when that one's evaluation and exposure are at hand: only what may have
    /// changed is evaluated again (`rules::evaluate_since`); the results are a full evaluation's.
    pub fn evaluation_since(
        self: &Arc<Self>,
        rule_set: &RuleSet,
        previous: Option<&Snapshot>,
    ) -> &Evaluation {
        &self
            .evaluation
            .get_or_init(|| {
                let exposure = Arc::new(SnapshotExposure(self.clone()));
                let evaluated = previous.and_then(|previous| {
                    Some((
                        previous,
                        previous.evaluation.get()?,
                        previous.exposure.get()?,
                    ))
                });
                match evaluated {
                    Some((previous, previous_evaluation, previous_exposure)) => {
                        let exposure_changed = self.exposure().changed_since(previous_exposure);
                        rules::evaluate_since(
                            rule_set,
                            &self.graph,
                            exposure,
                            PreviousEvaluation {
                                graph: &previous.graph,
                                evaluation: &previous_evaluation.evaluation,
                                exposure_changed: &exposure_changed,
                            },
                        )
                    }
                    None => rules::evaluate_counted(rule_set, &self.graph, exposure),
                }
            })
            .evaluation
    }

    /// How many nodes this snapshot's evaluation evaluated and carried over, once it is computed.
    pub fn evaluation_work(&self) -> Option<(usize, usize)> {
        self.evaluation
            .get()
            .map(|work| (work.evaluated_nodes, work.carried_over_nodes))
    }

    /// Whether this snapshot can be the `previous` of a later one's `evaluation_since`.
    fn is_evaluated(&self) -> bool {
        self.evaluation.get().is_some() && self.exposure.get().is_some()
    }

    /// The internet exposure of this snapshot, computed on first use and kept with it. CPU-heavy
    /// the first time: call from a blocking context.
    pub fn exposure(&self) -> &ExposureReport {
        self.exposure
            .get_or_init(|| pathtrace::analyse_internet_exposure(&self.graph))
    }

    /// The `internet` node and its edges (attached gateways → internet → exposed resources),
    /// derived from this snapshot's exposure on first use; `None` when nothing connects to the
    /// internet. Derived here rather than stored, so it always agrees with `/exposure` and no
    /// discovery scope owns it. CPU-heavy the first time: call from a blocking context.
    pub fn internet(&self) -> Option<&InternetNeighbourhood> {
        self.internet
            .get_or_init(|| pathtrace::internet_neighbourhood(&self.graph, self.exposure()))
            .as_ref()
    }
}

/// The cache of snapshots, shared by the API and the job workers of one process.
#[derive(Debug, Default)]
pub struct GraphSnapshots {
    by_tenant: RwLock<HashMap<String, Arc<Snapshot>>>,
    /// One gate per tenant, held while its snapshot is built by `current`.
    building: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// How many snapshots this cache has built, for tests and logs.
    builds: AtomicU64,
}

impl GraphSnapshots {
    /// The current snapshot of the tenant, rebuilt when the stored graph changed since it was built.
    pub async fn current(
        &self,
        pool: &PgPool,
        tenant_id: &str,
    ) -> Result<Arc<Snapshot>, store::Error> {
        let generation = match store::tenants::graph_generation(pool, tenant_id).await {
            Ok(generation) => generation,
            Err(store::Error::NotFound) => {
                // Deleted (perhaps by another process): its snapshot goes from this cache too.
                self.forget(tenant_id);
                return Err(store::Error::NotFound);
            }
            Err(error) => return Err(error),
        };
        if let Some(snapshot) = self.cached(tenant_id)
            && snapshot.generation == generation
        {
            return Ok(snapshot);
        }
        let gate = self.gate(tenant_id);
        let _building = gate.lock().await;
        // Whoever held the gate before may have built this generation (or a newer one) meanwhile.
        if let Some(snapshot) = self.cached(tenant_id)
            && snapshot.generation >= generation
        {
            return Ok(snapshot);
        }
        self.rebuild(pool, tenant_id, generation).await
    }

    /// How many snapshots this cache has built since it was created.
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    fn gate(&self, tenant_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self
            .building
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        gates.entry(tenant_id.to_string()).or_default().clone()
    }

    /// Drops the tenant's snapshot (the tenant was deleted).
    pub fn forget(&self, tenant_id: &str) {
        let mut map = self
            .by_tenant
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.remove(tenant_id);
        drop(map);
        self.building
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(tenant_id);
    }

    /// The tenants this cache holds a snapshot of, sorted.
    pub fn cached_tenants(&self) -> Vec<String> {
        let map = self
            .by_tenant
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut tenants: Vec<String> = map.keys().cloned().collect();
        tenants.sort();
        tenants
    }

    /// Drops the snapshots of tenants that no longer exist (deleted through another process,
    /// which cannot tell this one) and of those whose graph has moved on (the next request would
    /// rebuild them anyway), so no process keeps a deleted tenant's graph in memory longer than
    /// a sweep. Returns how many it dropped.
    pub async fn sweep(&self, pool: &PgPool) -> Result<usize, store::Error> {
        let cached: Vec<(String, i64)> = {
            let map = self
                .by_tenant
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            map.iter()
                .map(|(tenant, snapshot)| (tenant.clone(), snapshot.generation))
                .collect()
        };
        if cached.is_empty() {
            return Ok(0);
        }
        let tenant_ids: Vec<String> = cached.iter().map(|(tenant, _)| tenant.clone()).collect();
        let current: HashMap<String, i64> = store::tenants::graph_generations(pool, &tenant_ids)
            .await?
            .into_iter()
            .collect();
        let mut map = self
            .by_tenant
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut dropped = 0;
        for (tenant, generation) in cached {
            if current.get(&tenant) == Some(&generation) {
                continue;
            }
            // Only the snapshot looked at: one rebuilt meanwhile is newer than what was read.
            if map
                .get(&tenant)
                .is_some_and(|snapshot| snapshot.generation == generation)
            {
                map.remove(&tenant);
                dropped += 1;
            }
        }
        Ok(dropped)
    }

    /// Sweeps every `every` until `shutdown` turns true (`serve` runs it in every process).
    pub async fn sweep_every(
        self: Arc<Self>,
        pool: PgPool,
        every: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
            match self.sweep(&pool).await {
                Ok(0) => {}
                Ok(dropped) => {
                    tracing::info!(dropped, "dropped snapshots of deleted or changed tenants")
                }
                Err(error) => tracing::warn!(%error, "snapshot sweep failed"),
            }
        }
    }

    fn cached(&self, tenant_id: &str) -> Option<Arc<Snapshot>> {
        // A poisoned lock only means a reader panicked; the map itself is still consistent.
        let map = self
            .by_tenant
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.get(tenant_id).cloned()
    }

    /// The tenant's cached snapshot when its evaluation is computed: what the next evaluation of
    /// the tenant can start from (`Snapshot::evaluation_since`).
    pub fn evaluated(&self, tenant_id: &str) -> Option<Arc<Snapshot>> {
        self.cached(tenant_id)
            .filter(|snapshot| snapshot.is_evaluated())
    }

    /// The current snapshot of the tenant, built from `reconciled` (a discovery's inventory that
    /// its committed transaction made the whole live graph) instead of reading the graph back, or
    /// loaded as `current` does when the graph has moved on since that commit.
    pub async fn current_from_reconciled(
        &self,
        pool: &PgPool,
        tenant_id: &str,
        reconciled: ReconciledGraph,
    ) -> Result<Arc<Snapshot>, store::Error> {
        let gate = self.gate(tenant_id);
        let building = gate.lock().await;
        let up_to_date = self
            .cached(tenant_id)
            .is_some_and(|snapshot| snapshot.generation >= reconciled.generation);
        if !up_to_date {
            let ReconciledGraph {
                generation,
                mut nodes,
                mut edges,
                node_content_hashes,
            } = reconciled;
            self.builds.fetch_add(1, Ordering::Relaxed);
            let snapshot =
                build_off_the_runtime(generation, SnapshotSource::ReconciledInventory, move || {
                    // What the store would hand back: `jsonb` rewrites some numbers.
                    for node in &mut nodes {
                        store::jsonb_numbers::as_read_back_from_jsonb(&mut node.properties);
                    }
                    for edge in &mut edges {
                        store::jsonb_numbers::as_read_back_from_jsonb(&mut edge.properties);
                    }
                    // The hashes are of the nodes as reconciled, like those stored with the rows
                    // (which a snapshot loaded from the store takes): equal hashes, equal nodes.
                    let hashed = nodes
                        .into_iter()
                        .zip(node_content_hashes.into_iter().map(Some));
                    (hashed.collect(), edges)
                })
                .await?;
            self.keep_newest(tenant_id, snapshot);
        }
        drop(building);
        // Another write may have committed since: `current` then loads that graph.
        self.current(pool, tenant_id).await
    }

    /// Loads the live graph and swaps in a new snapshot.
    pub async fn rebuild(
        &self,
        pool: &PgPool,
        tenant_id: &str,
        generation: i64,
    ) -> Result<Arc<Snapshot>, store::Error> {
        self.builds.fetch_add(1, Ordering::Relaxed);
        // Two connections: each load is PostgreSQL sending rows and this process decoding them,
        // and the two overlap (a 100k-instance estate is ~350k nodes and ~700k edges).
        let (nodes, edges) = tokio::try_join!(
            store::nodes::load_live(pool, tenant_id),
            store::edges::load_live(pool, tenant_id)
        )?;
        let snapshot =
            build_off_the_runtime(generation, SnapshotSource::Store, move || (nodes, edges))
                .await?;
        Ok(self.keep_newest(tenant_id, snapshot))
    }

    /// Swaps in `snapshot` unless another task put in a newer one meanwhile; returns the kept one.
    fn keep_newest(&self, tenant_id: &str, snapshot: Snapshot) -> Arc<Snapshot> {
        let snapshot = Arc::new(snapshot);
        let mut map = self
            .by_tenant
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let keep = match map.get(tenant_id) {
            Some(existing) if existing.generation > snapshot.generation => existing.clone(),
            _ => snapshot,
        };
        map.insert(tenant_id.to_string(), keep.clone());
        keep
    }
}

/// Builds a snapshot on the blocking pool from the nodes and edges `parts` gives there.
async fn build_off_the_runtime(
    generation: i64,
    source: SnapshotSource,
    parts: impl FnOnce() -> (Vec<(Node, Option<i64>)>, Vec<Edge>) + Send + 'static,
) -> Result<Snapshot, store::Error> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let (nodes, edges) = parts();
        let graph = TenantGraph::build_with_content_hashes(nodes, edges);
        Snapshot {
            graph,
            generation,
            source,
            built_at: Utc::now(),
            build_millis: started.elapsed().as_millis(),
            exposure: OnceLock::new(),
            evaluation: OnceLock::new(),
            path_index: OnceLock::new(),
            internet: OnceLock::new(),
        }
    })
    .await
    .map_err(|error| store::Error::Corrupt(format!("snapshot build panicked: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Node, NodeType};
    use crate::rules::RuleStatus;

    fn snapshot_of(nodes: Vec<Node>) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            graph: TenantGraph::build(nodes, Vec::new()),
            generation: 1,
            source: SnapshotSource::Store,
            built_at: Utc::now(),
            build_millis: 0,
            exposure: OnceLock::new(),
            evaluation: OnceLock::new(),
            path_index: OnceLock::new(),
            internet: OnceLock::new(),
        })
    }

    fn node(node_type: NodeType, raw: &str, properties: serde_json::Value) -> Node {
        Node::aws("us-east-1", node_type, raw, properties)
    }

    #[test]
    fn an_unreadable_route_table_makes_its_vpcs_exposure_unknown_not_safe() {
        let instance = node(
            NodeType::Instance,
            "i-1",
            serde_json::json!({"state": "running", "vpc_id": "vpc-1", "subnet_id": "subnet-1", "public_ip": "54.0.0.1"}),
        );
        let id = instance.id.clone();
        // `routes` is a string where a list belongs: this table might route vpc-1 to an IGW.
        let table_in = |vpc: &str| {
            node(
                NodeType::RouteTable,
                "rtb-1",
                serde_json::json!({"route_table_id": "rtb-1", "vpc_id": vpc, "routes": "0.0.0.0/0 igw-1"}),
            )
        };
        let elsewhere = snapshot_of(vec![instance.clone(), table_in("vpc-2")]);
        assert_eq!(elsewhere.exposure().unreadable(&id), None);
        let same_vpc = snapshot_of(vec![instance, table_in("vpc-1")]);
        let why = same_vpc.exposure().unreadable(&id).unwrap();
        assert!(why.contains("rtb-1") && why.contains("malformed"), "{why}");
        assert!(matches!(
            SnapshotExposure(same_vpc.clone()).is_exposed(&id, 22, "tcp"),
            ExposureAnswer::Unknown
        ));
    }

    #[test]
    fn an_instance_with_unreadable_properties_is_of_unknown_exposure_not_safe() {
        // A string where a list belongs; the state the SSH rule looks at reads fine.
        let instance = node(
            NodeType::Instance,
            "i-1",
            serde_json::json!({"state": "running", "security_group_ids": "sg-1"}),
        );
        let id = instance.id.clone();
        let snapshot = snapshot_of(vec![instance]);
        let why = snapshot.exposure().unreadable(&id).unwrap();
        assert!(why.contains("malformed"), "{why}");
        assert!(matches!(
            SnapshotExposure(snapshot.clone()).is_exposed(&id, 22, "tcp"),
            ExposureAnswer::Unknown
        ));
        let rule_set = RuleSet::builtin().unwrap();
        let ssh = snapshot
            .evaluation(&rule_set)
            .results
            .iter()
            .find(|result| {
                &*result.rule_id == "aws.ec2.instance_ssh_exposed_to_internet"
                    && result.node_id == id
            })
            .unwrap();
        assert_eq!(ssh.status, RuleStatus::Error, "{}", ssh.reason);
        assert!(ssh.reason.contains("exposed_to_internet"), "{}", ssh.reason);
    }
}
