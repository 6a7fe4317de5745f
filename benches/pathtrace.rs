//! Path tracer benchmark on a generated estate: single-trace latency (p50/p99 over random
//! instance → internet and instance → instance traces) and the full internet-exposure analysis.
//!
//! Run: `cargo bench --bench pathtrace` (env `INSTANCES`, default 100000).

use std::time::Instant;

use infracast::discovery::generate::generate_estate;
use infracast::graph::TenantGraph;
use infracast::model::NodeType;
use infracast::pathtrace::{self, Destination, Protocol, TraceQuery};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn main() {
    infracast::allocator::keep_freed_memory_between_stages();
    let instances: usize = std::env::var("INSTANCES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let inventory = generate_estate(instances, 42);
    let graph = TenantGraph::build(inventory.nodes, inventory.edges);
    let index = pathtrace::PathIndex::build(&graph);
    let ids: Vec<_> = graph
        .nodes_of_type(NodeType::Instance)
        .map(|node| node.id.clone())
        .collect();
    let mut random = StdRng::seed_from_u64(7);
    let mut latencies = Vec::with_capacity(10_000);
    let mut reachable = 0;
    for round in 0..10_000 {
        let source = ids[random.random_range(0..ids.len())].clone();
        let destination = if round % 2 == 0 {
            Destination::Cidr("0.0.0.0/0".parse().unwrap())
        } else {
            // Same VPC half the time (generated VPCs hold 500 consecutive instances).
            let index = ids.iter().position(|id| id == &source).unwrap_or(0);
            let base = index - index % 500;
            Destination::Node(ids[(base + random.random_range(0..500)).min(ids.len() - 1)].clone())
        };
        let query = TraceQuery {
            source,
            destination,
            port: Some([22, 443, 5432, 8080][round % 4]),
            protocol: Protocol::Tcp,
        };
        let started = Instant::now();
        let result = pathtrace::trace_indexed(&graph, Some(&index), &query).expect("trace");
        latencies.push(started.elapsed().as_secs_f64() * 1e6);
        reachable += usize::from(result.reachable);
    }
    latencies.sort_by(|left, right| left.total_cmp(right));
    let percentile = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    println!(
        "single trace over {instances} instances ({} nodes): p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs ({reachable} of 10000 reachable)",
        graph.node_count(),
        percentile(0.5),
        percentile(0.99),
        latencies[latencies.len() - 1]
    );
    let started = Instant::now();
    let cpu_before = process_cpu_seconds();
    let report = pathtrace::analyse_internet_exposure(&graph);
    let cpu = process_cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    println!(
        "internet exposure of every instance: {:.2} s on {} threads ({} s of CPU: on a busy shared machine, wall time over-states what the pass costs), {} exposed",
        started.elapsed().as_secs_f64(),
        rayon::current_num_threads(),
        cpu.map(|seconds| format!("{seconds:.2}"))
            .unwrap_or_else(|| "unknown".into()),
        report.entries().len()
    );
}

/// User + system CPU time of this process so far, from `/proc/self/stat` (Linux; `None`
/// elsewhere). Assumes the usual 100 clock ticks per second.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}
