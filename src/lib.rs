//! Infracast: graph-based infrastructure discovery and compliance engine.
//!
//! See `ARCHITECTURE.md` for the module map and the rules about who may import whom.

pub mod allocator;
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
