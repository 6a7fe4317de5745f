//! The command line (clap): the global and serve flags are also environment variables. Commands print results to
//! stdout and logs to stderr, so scripts can capture a key with `$(infracast key create …)`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::app::{self, Database};
use crate::auth::{self, KeyScope, Role};
use crate::config::Config;
use crate::model::provider_config::{AwsConfig, DiscoveryPolicy, OPERATOR_MARKER, ProviderConfig};
use crate::store;

#[derive(Debug, Parser)]
#[command(
    name = "infracast",
    version,
    about = "Graph-based infrastructure discovery and compliance engine"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// PostgreSQL server to use; without it Infracast runs its own private cluster.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where the embedded cluster and other local data live [default: $XDG_DATA_HOME/infracast,
    /// else ~/.local/share/infracast, or /var/lib/infracast as root].
    #[arg(
        long,
        env = "INFRACAST_DATA_DIR",
        hide_env_values = true,
        hide_env_values = true,
        global = true
    )]
    pub data_dir: Option<PathBuf>,
}

impl GlobalArgs {
    /// The data directory, absolute: the flag or variable, else the per-user default. A relative
    /// default would make a command run from another folder silently start a new, empty cluster.
    pub fn data_dir(&self) -> PathBuf {
        let chosen = self.data_dir.clone().unwrap_or_else(|| {
            default_data_dir(
                std::env::var_os("XDG_DATA_HOME").map(PathBuf::from),
                std::env::var_os("HOME").map(PathBuf::from),
                nix::unistd::Uid::effective().is_root(),
            )
        });
        std::path::absolute(&chosen).unwrap_or(chosen)
    }

    /// Where the database is, for messages: the URL's host part is not shown, only that one is used.
    fn database_location(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => "the database of DATABASE_URL".to_string(),
            _ => format!("the embedded database in {}", self.data_dir().display()),
        }
    }

    /// The error for a tenant that is not there, naming the database looked in.
    fn missing_tenant(&self, tenant: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "tenant `{tenant}` does not exist in {} (use --data-dir or DATABASE_URL for another)",
            self.database_location()
        )
    }

    /// Says so on stderr when the embedded cluster is about to be created, with its absolute path.
    fn announce_new_cluster(&self) {
        let uses_url = self
            .database_url
            .as_ref()
            .is_some_and(|url| !url.trim().is_empty());
        let data_dir = self.data_dir();
        if !uses_url && !data_dir.join("pg").join("PG_VERSION").exists() {
            eprintln!(
                "infracast: initialising a new embedded PostgreSQL cluster in {}",
                data_dir.display()
            );
        }
    }
}

/// The per-user data directory, as other tools choose it: `$XDG_DATA_HOME/infracast`, else
/// `~/.local/share/infracast`; as root `/var/lib/infracast` (the cluster then runs as `postgres`,
/// which cannot enter root's home).
pub fn default_data_dir(
    xdg_data_home: Option<PathBuf>,
    home: Option<PathBuf>,
    root: bool,
) -> PathBuf {
    if let Some(xdg) = xdg_data_home.filter(|path| path.is_absolute()) {
        return xdg.join("infracast");
    }
    if root {
        return PathBuf::from("/var/lib/infracast");
    }
    match home {
        Some(home) => home.join(".local/share/infracast"),
        None => PathBuf::from("/var/tmp/infracast"),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API.
    Serve {
        /// Address the API listens on.
        #[arg(
            long,
            env = "INFRACAST_BIND",
            hide_env_values = true,
            hide_env_values = true,
            default_value = "127.0.0.1:8080"
        )]
        bind: SocketAddr,
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        jobs: JobArgs,
    },
    /// Apply database migrations and exit.
    Migrate {
        /// On a Citus coordinator: then distribute every tenant table by `tenant_id` (co-located)
        /// and make the platform tables reference tables. Run it again after every upgrade, so
        /// tables new migrations add are distributed too (README, "Scaling out").
        #[arg(long)]
        distribute: bool,
    },
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Manage the embedded PostgreSQL cluster.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Run one discovery job now (in this process) and print its result.
    Discover(DiscoverArgs),
    /// Start the database, create tenant `demo` with an admin key (printed), discover the sample
    /// estate, and serve the API.
    Demo {
        /// Address the API listens on.
        #[arg(
            long,
            env = "INFRACAST_BIND",
            hide_env_values = true,
            hide_env_values = true,
            default_value = "127.0.0.1:8080"
        )]
        bind: SocketAddr,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Trace a network path and print it hop by hop.
    Trace(TraceArgs),
    /// Webhooks: send a signed test event.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Write a deterministic synthetic inventory (JSON) whose size scales with --instances.
    Generate {
        /// How many instances the estate holds (the other resources scale with it).
        #[arg(long, default_value_t = 1000)]
        instances: usize,
        /// Seed of the generator: the same seed writes the same estate.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Write here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// How `serve` runs jobs.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// Jobs run at once by this process (0 = API only).
    #[arg(
        long,
        env = "INFRACAST_WORKERS",
        hide_env_values = true,
        default_value_t = 4
    )]
    pub workers: usize,
    /// Jobs one tenant may have running at once, across all processes.
    #[arg(long, env = "INFRACAST_MAX_RUNNING_PER_TENANT", hide_env_values = true, default_value_t = 2,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub max_running_per_tenant: i64,
    /// Claims of a job whose worker keeps dying before it ends `failed`.
    #[arg(long, env = "INFRACAST_MAX_JOB_ATTEMPTS", hide_env_values = true, default_value_t = 3,
          value_parser = clap::value_parser!(i32).range(1..))]
    pub max_job_attempts: i32,
    /// Seconds a discovery's provider may run before the job fails as timed out.
    #[arg(long, env = "INFRACAST_DISCOVERY_TIMEOUT_SECONDS", hide_env_values = true, default_value_t = 1800,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub discovery_timeout_seconds: u64,
    /// Seconds an evaluation or report job may run before it fails as timed out.
    #[arg(long, env = "INFRACAST_EVALUATION_TIMEOUT_SECONDS", hide_env_values = true, default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub evaluation_timeout_seconds: u64,
    /// Seconds a job's lease lasts without renewal (a dead worker's job is re-claimed after it).
    #[arg(long, env = "INFRACAST_JOB_LEASE_SECONDS", hide_env_values = true, default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(2..))]
    pub job_lease_seconds: u64,
    /// On SIGTERM: seconds running jobs and open connections get before they are abandoned.
    #[arg(
        long,
        env = "INFRACAST_SHUTDOWN_GRACE_SECONDS",
        hide_env_values = true,
        default_value_t = 10
    )]
    pub shutdown_grace_seconds: u64,
}

impl JobArgs {
    fn apply(&self, config: &mut Config) {
        config.workers = self.workers;
        config.jobs = crate::config::JobLimits {
            max_running_per_tenant: self.max_running_per_tenant,
            max_attempts: self.max_job_attempts,
            discovery_timeout: std::time::Duration::from_secs(self.discovery_timeout_seconds),
            evaluation_timeout: std::time::Duration::from_secs(self.evaluation_timeout_seconds),
            lease: std::time::Duration::from_secs(self.job_lease_seconds),
        };
        config.shutdown_grace = std::time::Duration::from_secs(self.shutdown_grace_seconds);
    }
}

/// What the operator lets tenants' discovery jobs use (`serve` and `demo`). The CLI's own
/// `discover` is the operator and may use anything.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Base URLs a tenant's aws job may name as `endpoint_url` (comma-separated); none by default.
    #[arg(
        long,
        env = "INFRACAST_ALLOWED_ENDPOINTS",
        hide_env_values = true,
        hide_env_values = true,
        default_value = ""
    )]
    pub allowed_endpoints: String,
    /// Let tenants' aws jobs use this server's own AWS credentials (a single-tenant install);
    /// otherwise a job must name a role to assume with the tenant's external id.
    #[arg(long, env = "INFRACAST_ALLOW_AMBIENT_AWS_CREDENTIALS", hide_env_values = true, value_parser = clap::builder::BoolishValueParser::new(), default_value = "false")]
    pub allow_ambient_aws_credentials: bool,
    /// Directory whose inventory files tenants may import by name (`{"file": "name.json"}`).
    #[arg(long, env = "INFRACAST_FIXTURE_DIR", hide_env_values = true)]
    pub fixture_dir: Option<PathBuf>,
}

impl PolicyArgs {
    fn to_policy(&self) -> anyhow::Result<DiscoveryPolicy> {
        let mut policy = DiscoveryPolicy::default()
            .with_allowed_endpoints(&self.allowed_endpoints)
            .map_err(|message| anyhow::anyhow!("INFRACAST_ALLOWED_ENDPOINTS: {message}"))?;
        policy.allow_ambient_credentials = self.allow_ambient_aws_credentials;
        if let Some(directory) = &self.fixture_dir {
            let resolved = directory.canonicalize().with_context(|| {
                format!(
                    "INFRACAST_FIXTURE_DIR {} is not a directory",
                    directory.display()
                )
            })?;
            policy.fixture_dir = Some(resolved);
        }
        Ok(policy)
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("destination").required(true).args(["to", "to_node"])))]
pub struct TraceArgs {
    /// Tenant id (slug).
    #[arg(long, env = "INFRACAST_TENANT", hide_env_values = true)]
    pub tenant: String,
    /// Source instance or network interface (node id).
    #[arg(long)]
    pub from: String,
    /// Destination CIDR (e.g. 0.0.0.0/0); or give --to-node.
    #[arg(long)]
    pub to: Option<String>,
    /// Destination node id instead of a CIDR.
    #[arg(long)]
    pub to_node: Option<String>,
    /// Destination port (required for tcp and udp).
    #[arg(long)]
    pub port: Option<i64>,
    /// tcp, udp, icmp or all.
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Tenant id (slug).
    #[arg(long, env = "INFRACAST_TENANT", hide_env_values = true)]
    pub tenant: String,
    /// `aws` or `fixture`.
    #[arg(long, default_value = "aws")]
    pub provider: String,
    /// AWS regions, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// An EC2-compatible endpoint (e.g. http://127.0.0.1:5000).
    #[arg(long, env = "INFRACAST_AWS_ENDPOINT_URL", hide_env_values = true)]
    pub endpoint_url: Option<String>,
    /// A role to assume for discovery (with the tenant's external id).
    #[arg(long)]
    pub role_arn: Option<String>,
    /// The 12-digit account id (asked from STS when left out).
    #[arg(long)]
    pub account_id: Option<String>,
    /// Inventory file for `--provider fixture` (or `sample` for the shipped sample estate).
    #[arg(long)]
    pub file: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        /// Tenant id (slug): lowercase letters, digits and `-`.
        slug: String,
        /// Display name (defaults to the slug).
        #[arg(long, env = "INFRACAST_TENANT_NAME", hide_env_values = true)]
        name: Option<String>,
        /// Plan: free, pro or enterprise (sets the rate limits).
        #[arg(
            long,
            env = "INFRACAST_TENANT_PLAN",
            hide_env_values = true,
            hide_env_values = true,
            default_value = "free"
        )]
        plan: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key and print it (once) on stdout.
    Create {
        /// Tenant the key belongs to.
        #[arg(
            long,
            env = "INFRACAST_KEY_TENANT",
            hide_env_values = true,
            hide_env_values = true,
            conflicts_with = "platform",
            required_unless_present = "platform"
        )]
        tenant: Option<String>,
        /// Role of a tenant key: admin, analyst or viewer.
        #[arg(
            long,
            env = "INFRACAST_KEY_ROLE",
            hide_env_values = true,
            hide_env_values = true,
            default_value = "admin"
        )]
        role: String,
        /// Create a platform-admin key (manages tenants).
        #[arg(long)]
        platform: bool,
        /// A name to recognise the key by in listings.
        #[arg(long, env = "INFRACAST_KEY_NAME", hide_env_values = true)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Send a signed `ping` to the webhook now and print how the receiver answered.
    Test {
        /// Tenant id (slug).
        #[arg(long, env = "INFRACAST_TENANT", hide_env_values = true)]
        tenant: String,
        /// The webhook's id (`GET /api/v1/tenants/{t}/webhooks`).
        webhook_id: uuid::Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Start the embedded cluster (or report that it runs) and leave it running.
    Start,
    /// Stop the embedded cluster.
    Stop,
    /// Print a connection string for the embedded cluster.
    Url,
}

/// The configuration of a command about to open the database (announced when it will be new).
fn config(global: &GlobalArgs, bind: Option<SocketAddr>) -> Config {
    global.announce_new_cluster();
    let bind = bind.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    Config::new(global.database_url.clone(), global.data_dir(), bind, 1)
}

/// The trace query's field names as the command line spells them.
fn flag_names(message: &str) -> String {
    message
        .replace("`source_node_id`", "`--from`")
        .replace("`destination_node_id`", "`--to-node`")
        .replace("`destination_cidr`", "`--to`")
        .replace("`port`", "`--port`")
        .replace("`protocol`", "`--protocol`")
}

/// A tenant a command named is not in the database (reported with the database's location).
#[derive(Debug, thiserror::Error)]
#[error("tenant `{0}` does not exist")]
struct MissingTenant(String);

fn exit_now(result: anyhow::Result<()>) -> ! {
    match result {
        Ok(()) => std::process::exit(0),
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::exit(1)
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = GlobalArgs {
        database_url: cli.global.database_url.clone(),
        data_dir: cli.global.data_dir.clone(),
    };
    run_command(cli)
        .await
        .map_err(|error| match error.downcast_ref::<MissingTenant>() {
            Some(MissingTenant(tenant)) => global.missing_tenant(tenant),
            None => error,
        })
}

async fn run_command(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { bind, policy, jobs } => {
            let mut config = config(&cli.global, Some(bind));
            config.discovery_policy = policy.to_policy()?;
            jobs.apply(&mut config);
            let served = app::serve(&config).await;
            // Blocking work abandoned at shutdown (a rule evaluation on the blocking pool) must
            // not hold the process: the runtime would wait for it when dropped.
            exit_now(served)
        }
        Command::Migrate { distribute } => {
            let database = Database::open(&config(&cli.global, None)).await?;
            eprintln!("migrations applied");
            if distribute {
                let changed = store::citus::distribute(&database.pool).await?;
                for layout in &changed {
                    eprintln!("{}: now a {} table", layout.table, layout.kind);
                }
                let problems = store::citus::distribution_problems(&database.pool).await?;
                anyhow::ensure!(
                    problems.is_empty(),
                    "the schema is not fully distributed: {}",
                    problems.join("; ")
                );
                eprintln!("every tenant table is distributed by tenant_id");
            }
            database.close().await
        }
        Command::Tenant {
            command: TenantCommand::Create { slug, name, plan },
        } => {
            crate::api::validate_tenant(&slug, &plan)
                .map_err(|message| anyhow::anyhow!(message))?;
            let database = Database::open(&config(&cli.global, None)).await?;
            let result = store::tenants::create(
                &database.pool,
                &slug,
                name.as_deref().unwrap_or(&slug),
                &plan,
            )
            .await;
            database.close().await?;
            match result {
                Ok(tenant) => {
                    println!("{}", tenant.id);
                    Ok(())
                }
                Err(store::Error::Conflict(_)) => bail!("tenant `{slug}` already exists"),
                Err(error) => Err(error).context("creating tenant"),
            }
        }
        Command::Key {
            command:
                KeyCommand::Create {
                    tenant,
                    role,
                    platform,
                    name,
                },
        } => {
            let (scope, role) = if platform {
                (KeyScope::Platform, Role::PlatformAdmin)
            } else {
                let role = Role::parse(&role)?;
                // Invariant: clap requires --tenant unless --platform is given.
                (KeyScope::Tenant(tenant.unwrap_or_default()), role)
            };
            let database = Database::open(&config(&cli.global, None)).await?;
            let result = create_key(&database, &scope, role, name).await;
            database.close().await?;
            println!("{}", result?);
            Ok(())
        }
        Command::Db { command } => run_db(&cli.global, command).await,
        Command::Discover(arguments) => {
            let database = Database::open(&config(&cli.global, None)).await?;
            let result = discover(&database, &arguments).await;
            database.close().await?;
            result
        }
        Command::Demo { bind, policy } => {
            let mut config = config(&cli.global, Some(bind));
            config.discovery_policy = policy.to_policy()?;
            let database = Database::open(&config).await?;
            let result = demo(&config, &database).await;
            database.close().await?;
            result
        }
        Command::Webhook {
            command: WebhookCommand::Test { tenant, webhook_id },
        } => {
            let database = Database::open(&config(&cli.global, None)).await?;
            let result = test_webhook(&database, &tenant, webhook_id).await;
            database.close().await?;
            let delivery = result?;
            println!(
                "{} after {} attempt(s): {}",
                delivery.status,
                delivery.attempts,
                match (delivery.last_status_code, &delivery.last_error) {
                    (Some(code), _) => format!("HTTP {code}"),
                    (None, Some(error)) => error.clone(),
                    (None, None) => "no answer yet".to_string(),
                }
            );
            if delivery.status == crate::model::DeliveryStatus::Delivered {
                Ok(())
            } else {
                bail!("the receiver did not accept the test event")
            }
        }
        Command::Trace(arguments) => {
            let query = crate::pathtrace::parse_query(
                &arguments.from,
                arguments.to.as_deref(),
                arguments.to_node.as_deref(),
                arguments.port,
                &arguments.protocol,
            )
            .map_err(|error| anyhow::anyhow!(flag_names(&error.to_string())))?;
            let database = Database::open(&config(&cli.global, None)).await?;
            let snapshots = crate::snapshots::GraphSnapshots::default();
            let snapshot = snapshots.current(&database.pool, &arguments.tenant).await;
            database.close().await?;
            let snapshot = snapshot.map_err(|error| match error {
                store::Error::NotFound => cli.global.missing_tenant(&arguments.tenant),
                other => other.into(),
            })?;
            let result = crate::pathtrace::trace(&snapshot.graph, &query)?;
            if arguments.json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                print!("{}", describe_trace(&result));
            }
            Ok(())
        }
        Command::Generate {
            instances,
            seed,
            output,
        } => {
            let inventory = crate::discovery::generate::generate_estate(instances, seed);
            let json = serde_json::to_string(&inventory)?;
            match output {
                Some(path) => std::fs::write(&path, json)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{json}"),
            }
            eprintln!(
                "{} nodes, {} edges",
                inventory.nodes.len(),
                inventory.edges.len()
            );
            Ok(())
        }
    }
}

fn job_config(arguments: &DiscoverArgs) -> anyhow::Result<serde_json::Value> {
    match arguments.provider.as_str() {
        "aws" => {
            if arguments.regions.is_empty() {
                bail!("--regions is required for --provider aws");
            }
            // The same type the API and the worker parse, checked the same way.
            let aws = AwsConfig {
                regions: arguments.regions.clone(),
                endpoint_url: arguments.endpoint_url.clone(),
                role_arn: arguments.role_arn.clone(),
                account_id: arguments.account_id.clone(),
                ..AwsConfig::default()
            };
            ProviderConfig::Aws(aws.clone())
                .check(&DiscoveryPolicy::operator())
                .map_err(|message| anyhow::anyhow!(message))?;
            let mut config = serde_json::to_value(&aws)?;
            config[OPERATOR_MARKER] = serde_json::json!("operator");
            Ok(config)
        }
        "fixture" => match arguments.file.as_deref() {
            Some("sample") => Ok(serde_json::json!({"sample": true})),
            Some(path) => {
                let absolute =
                    std::fs::canonicalize(path).with_context(|| format!("cannot read {path}"))?;
                // The operator's own job: a server path is theirs to name.
                Ok(serde_json::json!({"path": absolute, OPERATOR_MARKER: "operator"}))
            }
            None => bail!("--file is required for --provider fixture (a path, or `sample`)"),
        },
        other => bail!("unknown provider `{other}`; expected aws or fixture"),
    }
}

/// Runs discovery jobs in this process until the one it created has finished.
async fn run_discovery(
    database: &Database,
    tenant: &str,
    provider: &str,
    config: serde_json::Value,
    show_progress: bool,
) -> anyhow::Result<crate::jobs::FinishedJob> {
    use std::io::{IsTerminal, Write};
    // Before the job exists: a broken rule pack fails the command, not the job.
    let catalog = crate::app::load_catalog()?;
    let new_job = store::jobs::NewJob {
        kind: crate::model::JobKind::Discovery,
        provider: Some(provider.to_string()),
        config,
        start: true,
    };
    let job = store::jobs::create(&database.pool, tenant, &new_job)
        .await
        .map_err(|error| match error {
            store::Error::InvalidReference(_) => {
                anyhow::Error::from(MissingTenant(tenant.to_string()))
            }
            other => anyhow::Error::from(other),
        })?;
    let mut runtime = crate::jobs::JobRuntime::new(
        database.pool.clone(),
        std::sync::Arc::new(crate::snapshots::GraphSnapshots::default()),
        catalog,
    );
    if show_progress && std::io::stderr().is_terminal() {
        runtime.on_progress = Some(std::sync::Arc::new(|progress: &crate::jobs::Progress| {
            eprint!(
                "\r\x1b[2K[{} / {} scopes] {} items, {} pages: {}",
                progress.scopes_finished,
                progress.scopes_started.max(1),
                progress.items_fetched,
                progress.pages_fetched,
                progress.last_event
            );
            let _ = std::io::stderr().flush();
        }));
    }
    loop {
        match crate::jobs::run_next(&runtime).await? {
            Some(finished) if finished.job_id == job.job_id => {
                if show_progress && std::io::stderr().is_terminal() {
                    eprintln!();
                }
                return Ok(finished);
            }
            Some(_) => continue,
            None => {
                let current = store::jobs::get(&database.pool, tenant, job.job_id).await?;
                if current.is_terminal() {
                    bail!(
                        "job {} finished elsewhere as {}",
                        job.job_id,
                        current.status
                    );
                }
                // Another process holds it; wait for its lease to end or for it to finish.
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

async fn discover(database: &Database, arguments: &DiscoverArgs) -> anyhow::Result<()> {
    let config = job_config(arguments)?;
    let finished = run_discovery(
        database,
        &arguments.tenant,
        &arguments.provider,
        config,
        true,
    )
    .await?;
    let job = store::jobs::get(&database.pool, &arguments.tenant, finished.job_id).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "job_id": job.job_id, "status": job.status, "counts": job.counts, "scopes": job.scopes, "errors": job.errors
        }))?
    );
    if job.status == crate::model::JobStatus::Failed {
        bail!("discovery failed");
    }
    Ok(())
}

/// Queues a ping to the webhook and delivers it from this process (the operator's), waiting up to
/// 30 s for its first attempt; returns the delivery as recorded.
async fn test_webhook(
    database: &Database,
    tenant: &str,
    webhook_id: uuid::Uuid,
) -> anyhow::Result<store::webhooks::Delivery> {
    let delivery_id = store::webhooks::enqueue_ping(&database.pool, tenant, webhook_id)
        .await
        .map_err(|error| match error {
            store::Error::NotFound => {
                anyhow::anyhow!("tenant `{tenant}` has no webhook {webhook_id}")
            }
            other => other.into(),
        })?;
    let allow_internal = crate::netguard::internal_targets_allowed_by_environment();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        crate::jobs::deliveries::deliver_due(&database.pool, allow_internal).await?;
        let delivery = store::webhooks::deliveries(&database.pool, tenant, webhook_id)
            .await?
            .into_iter()
            .find(|delivery| delivery.id == delivery_id)
            .ok_or_else(|| anyhow::anyhow!("the test delivery vanished"))?;
        if delivery.attempts > 0 || std::time::Instant::now() >= deadline {
            return Ok(delivery);
        }
        // Another process (a running server) may hold the delivery's lease: look again shortly.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// Where log lines go: stderr, each line first clearing the terminal line when stderr is a
/// terminal, so a log line never lands in the middle of the progress line `discover` draws with
/// `\r` (the next progress event draws it again below).
pub fn log_writer() -> impl Fn() -> LogLine<std::io::Stderr> + Send + Sync + 'static {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    move || LogLine::new(std::io::stderr(), terminal)
}

/// One log event's writer (see `log_writer`).
pub struct LogLine<W: std::io::Write> {
    inner: W,
    clear_first: bool,
}

impl<W: std::io::Write> LogLine<W> {
    pub fn new(inner: W, clear_first: bool) -> Self {
        LogLine { inner, clear_first }
    }
}

impl<W: std::io::Write> std::io::Write for LogLine<W> {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        if std::mem::take(&mut self.clear_first) {
            self.inner.write_all(b"\r\x1b[2K")?;
        }
        self.inner.write(buffer)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The name of the admin key `infracast demo` prints.
const DEMO_KEY_NAME: &str = "demo admin";

async fn demo(config: &Config, database: &Database) -> anyhow::Result<()> {
    match store::tenants::create(&database.pool, "demo", "Demo", "enterprise").await {
        Ok(_) | Err(store::Error::Conflict(_)) => {}
        Err(error) => return Err(error).context("creating tenant demo"),
    }
    // Each start prints a fresh key; the keys of earlier starts stop working, so only one demo
    // admin key is ever valid.
    for earlier in store::api_keys::list_keys(&database.pool, "demo").await? {
        if earlier.name == DEMO_KEY_NAME && earlier.revoked_at.is_none() {
            store::api_keys::revoke_key(&database.pool, "demo", earlier.key_id).await?;
        }
    }
    let (_, key) = auth::create_key(
        &database.pool,
        &KeyScope::Tenant("demo".into()),
        Role::Admin,
        DEMO_KEY_NAME,
    )
    .await?;
    let finished = run_discovery(
        database,
        "demo",
        "fixture",
        serde_json::json!({"sample": true}),
        false,
    )
    .await?;
    eprintln!(
        "discovered the sample estate into tenant `demo`: {} ({})",
        finished.status, finished.counts
    );
    eprintln!(
        "try: curl -H 'Authorization: Bearer {key}' 'http://{}/api/v1/tenants/demo/nodes?types=aws.ec2.instance'",
        config.bind
    );
    println!("{key}");
    app::serve_database(config, database).await
}

async fn create_key(
    database: &Database,
    scope: &KeyScope,
    role: Role,
    name: Option<String>,
) -> anyhow::Result<String> {
    if let KeyScope::Tenant(tenant_id) = scope {
        match store::tenants::get(&database.pool, tenant_id).await {
            Ok(_) => {}
            Err(store::Error::NotFound) => return Err(MissingTenant(tenant_id.clone()).into()),
            Err(error) => return Err(error).context("looking up tenant"),
        }
    }
    let name = name.unwrap_or_else(|| format!("{} key (cli)", role.as_str()));
    let (_, secret) = auth::create_key(&database.pool, scope, role, &name).await?;
    Ok(secret)
}

async fn run_db(global: &GlobalArgs, command: DbCommand) -> anyhow::Result<()> {
    global.announce_new_cluster();
    let data_dir = global.data_dir();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let cluster = store::embedded::EmbeddedPostgres::ensure_running(&data_dir)?;
        match command {
            DbCommand::Start => {
                eprintln!(
                    "embedded postgres running in {}",
                    cluster.cluster_dir().display()
                );
            }
            DbCommand::Stop => {
                cluster.stop_cluster()?;
                eprintln!("embedded postgres stopped");
            }
            DbCommand::Url => {
                println!(
                    "postgres://{}@localhost/{}?host={}",
                    store::embedded::SUPERUSER,
                    store::embedded::DATABASE,
                    cluster.cluster_dir().display()
                );
            }
        }
        Ok(())
    })
    .await
    .context("embedded postgres task panicked")?
}

/// The trace as readable text: verdict, then each hop with its reason.
fn describe_trace(result: &crate::pathtrace::TraceResult) -> String {
    let mut text = format!(
        "{} ({})\n",
        if result.reachable {
            "REACHABLE"
        } else {
            "NOT REACHABLE"
        },
        serde_json::to_value(result.disposition)
            .ok()
            .and_then(|value| value.as_str().map(str::to_string))
            .unwrap_or_default()
    );
    for (title, hops) in [
        ("forward", &result.forward_hops),
        ("return", &result.return_hops),
    ] {
        if hops.is_empty() {
            continue;
        }
        text.push_str(&format!("{title}:\n"));
        for hop in hops {
            let verdict = serde_json::to_value(hop.verdict)
                .ok()
                .and_then(|value| value.as_str().map(str::to_string))
                .unwrap_or_default();
            text.push_str(&format!(
                "  {:>2}. [{verdict:<7}] {:<28} {}\n      {} ({})\n",
                hop.seq, hop.component, hop.node_id, hop.text, hop.reason_code
            ));
        }
    }
    for assumption in &result.assumptions {
        text.push_str(&format!("assumption: {assumption}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discover_arguments(regions: &[&str]) -> DiscoverArgs {
        DiscoverArgs {
            tenant: "acme".to_string(),
            provider: "aws".to_string(),
            regions: regions.iter().map(|region| region.to_string()).collect(),
            endpoint_url: Some("http://127.0.0.1:5000".to_string()),
            role_arn: None,
            account_id: Some("123456789012".to_string()),
            file: None,
        }
    }

    #[test]
    fn an_aws_discovery_config_is_the_providers_own_type_marked_as_the_operators() {
        let config = job_config(&discover_arguments(&["us-east-1", "eu-west-1"])).unwrap();
        assert_eq!(config[OPERATOR_MARKER], "operator");
        let expected = AwsConfig {
            regions: vec!["us-east-1".to_string(), "eu-west-1".to_string()],
            endpoint_url: Some("http://127.0.0.1:5000".to_string()),
            account_id: Some("123456789012".to_string()),
            ..AwsConfig::default()
        };
        assert_eq!(
            ProviderConfig::parse("aws", &config),
            Ok(ProviderConfig::Aws(expected))
        );
    }

    #[test]
    fn a_bad_region_fails_the_command_before_any_job_exists() {
        let error = job_config(&discover_arguments(&["not a region"])).unwrap_err();
        assert!(error.to_string().contains("not a region"), "{error}");
    }

    #[test]
    fn log_lines_clear_a_terminal_line_once_before_they_print() {
        use std::io::Write;
        let mut terminal = LogLine::new(Vec::new(), true);
        terminal.write_all(b"INFO job claimed").unwrap();
        terminal.write_all(b"\n").unwrap();
        assert_eq!(terminal.inner, b"\r\x1b[2KINFO job claimed\n".to_vec());
        let mut pipe = LogLine::new(Vec::new(), false);
        pipe.write_all(b"INFO job claimed\n").unwrap();
        assert_eq!(pipe.inner, b"INFO job claimed\n".to_vec());
    }

    #[test]
    fn trace_errors_name_the_flags_not_the_api_fields() {
        assert_eq!(
            flag_names("`source_node_id`: node id must look like …"),
            "`--from`: node id must look like …"
        );
        assert_eq!(flag_names("`port` is required"), "`--port` is required");
    }

    #[test]
    fn every_environment_variable_hides_its_value_and_every_flag_has_help() {
        use clap::CommandFactory;
        let mut pending = vec![Cli::command()];
        while let Some(command) = pending.pop() {
            for argument in command.get_arguments() {
                let name = argument.get_id().as_str();
                if name == "help" || name == "version" {
                    continue;
                }
                assert!(
                    argument.get_help().is_some() || argument.get_long_help().is_some(),
                    "`{} --{name}` has no help text",
                    command.get_name()
                );
                if argument.get_env().is_some() {
                    assert!(
                        argument.is_hide_env_values_set(),
                        "`{} --{name}` shows its environment value",
                        command.get_name()
                    );
                }
            }
            pending.extend(command.get_subcommands().cloned());
        }
    }

    #[test]
    fn the_default_data_dir_is_per_user_and_absolute() {
        let home = Some(PathBuf::from("/home/ana"));
        assert_eq!(
            default_data_dir(None, home.clone(), false),
            PathBuf::from("/home/ana/.local/share/infracast")
        );
        assert_eq!(
            default_data_dir(Some(PathBuf::from("/data")), home.clone(), false),
            PathBuf::from("/data/infracast")
        );
        // A relative XDG_DATA_HOME is ignored, as the XDG spec says.
        assert_eq!(
            default_data_dir(Some(PathBuf::from("rel")), home, false),
            PathBuf::from("/home/ana/.local/share/infracast")
        );
        assert_eq!(
            default_data_dir(None, Some(PathBuf::from("/root")), true),
            PathBuf::from("/var/lib/infracast")
        );
        let relative = GlobalArgs {
            database_url: None,
            data_dir: Some(PathBuf::from("somewhere")),
        };
        assert!(relative.data_dir().is_absolute());
        assert!(
            relative
                .missing_tenant("acme")
                .to_string()
                .contains(&relative.data_dir().display().to_string())
        );
    }
}
