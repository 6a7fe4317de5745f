//! Black-box tests of the HTTP API: the real app on a loopback port with a fresh database each.

mod helpers;

mod jobs;
mod moto;
mod pipeline;
mod reconcile;

mod audit;
mod auth_and_status;
// issue 12 acceptance: the audit estate through the API and the CLI, organizations
mod aws_audit_estate;
mod aws_data_logging_discovery;
mod aws_discovery;
mod aws_monitoring_discovery;
// rds, lambda, eks (managed endpoints)
mod aws_iam_discovery;
mod aws_managed_discovery;
// elbv2 end to end (exposure through a load balancer)
mod aws_load_balancer_discovery;
mod bulk_findings;
mod citus;
mod compliance;
mod console;
mod crash;
mod edges;
mod embedded_postgres;
mod errors;
mod evaluation;
mod faults;
mod findings;
mod incremental_evaluation;
mod isolation;
mod job_limits;
mod limits;
mod lists;
mod nodes;
mod openapi;
mod paging;
mod pathtracer;
mod processes;
mod rate_limits;
mod reports;
mod rls;
mod tenant_boundary;
mod tenants;
mod webhooks;
