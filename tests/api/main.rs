//! Black-box tests of the HTTP API: the real app on a loopback port with a fresh database each.

mod helpers;

mod jobs;
mod moto;
mod pipeline;
mod reconcile;

mod auth_and_status;
mod aws_discovery;
mod compliance;
mod crash;
mod edges;
mod embedded_postgres;
mod errors;
mod evaluation;
mod findings;
mod isolation;
mod job_limits;
mod nodes;
mod openapi;
mod pathtracer;
mod rate_limits;
mod reports;
mod tenants;
mod webhooks;
