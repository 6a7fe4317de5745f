//! Graph snapshot benchmark: build the immutable tenant graph for a generated 100k-instance estate;
//! wall time and resident memory.
//!
//! Run: `cargo bench --bench snapshot` (env `INSTANCES` to change the size).

mod support;

use std::time::Instant;

use infracast::discovery::generate::generate_estate;
use infracast::graph::TenantGraph;

fn main() {
    infracast::allocator::keep_freed_memory_between_stages();
    let instances: usize = std::env::var("INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let inventory = generate_estate(instances, 42);
    let (nodes, edges) = (inventory.nodes.len(), inventory.edges.len());
    let before = support::resident_mib();
    let mut timings = Vec::new();
    let mut graph = TenantGraph::default();
    for _ in 0..3 {
        let (nodes_copy, edges_copy) = (inventory.nodes.clone(), inventory.edges.clone());
        let started = Instant::now();
        graph = TenantGraph::build(nodes_copy, edges_copy);
        timings.push(started.elapsed().as_secs_f64());
    }
    drop(inventory);
    let after = support::resident_mib();
    timings.sort_by(|left, right| left.total_cmp(right));
    println!(
        "snapshot of {instances} instances ({nodes} nodes, {edges} edges): build median {:.3} s (min {:.3}, max {:.3}); resident {:.0} MiB after the build with the inventory dropped (process was {:.0} MiB before)",
        timings[1], timings[0], timings[2], after, before
    );
    assert_eq!(graph.node_count(), nodes);
}
