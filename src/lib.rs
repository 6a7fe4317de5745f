//! Infracast: graph-based infrastructure discovery and compliance engine.
//!
//! See `ARCHITECTURE.md` for the module map and the rules about who may import whom.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod compliance;
pub mod config;
pub mod discovery;
pub mod graph;
pub mod jobs;
pub mod model;
pub mod netguard;
pub mod pathtrace;
pub mod reports;
pub mod rules;
pub mod snapshots;
pub mod store;

/// mimalloc for every binary linking the crate (server, tests, benches): evaluation and snapshot
/// building allocate many small values from several rayon threads, where glibc's allocator
/// spent a quarter of the rules benchmark's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
