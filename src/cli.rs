//! The command line (clap): every flag is also an environment variable. Commands print results to
//! stdout and logs to stderr, so scripts can capture a key with `$(infracast key create …)`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::app::{self, Database};
use crate::auth::{self, KeyScope, Role};
use crate::config::Config;
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
    /// Where the embedded cluster and other local data live.
    #[arg(
        long,
        env = "INFRACAST_DATA_DIR",
        default_value = "./infracast-data",
        global = true
    )]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API.
    Serve {
        #[arg(long, env = "INFRACAST_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        #[command(flatten)]
        jobs: JobArgs,
    },
    /// Apply database migrations and exit.
    Migrate,
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
        #[arg(long, env = "INFRACAST_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
    },
    /// Trace a network path and print it hop by hop.
    Trace(TraceArgs),
    /// Write a deterministic synthetic inventory (JSON) whose size scales with --instances.
    Generate {
        #[arg(long, default_value_t = 1000)]
        instances: usize,
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
    #[arg(long, env = "INFRACAST_WORKERS", default_value_t = 4)]
    pub workers: usize,
    /// Jobs one tenant may have running at once, across all processes.
    #[arg(long, env = "INFRACAST_MAX_RUNNING_PER_TENANT", default_value_t = 2,
          value_parser = clap::value_parser!(i64).range(1..))]
    pub max_running_per_tenant: i64,
    /// Claims of a job whose worker keeps dying before it ends `failed`.
    #[arg(long, env = "INFRACAST_MAX_JOB_ATTEMPTS", default_value_t = 3,
          value_parser = clap::value_parser!(i32).range(1..))]
    pub max_job_attempts: i32,
    /// Seconds a discovery's provider may run before the job fails as timed out.
    #[arg(long, env = "INFRACAST_DISCOVERY_TIMEOUT_SECONDS", default_value_t = 1800,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub discovery_timeout_seconds: u64,
    /// Seconds an evaluation or report job may run before it fails as timed out.
    #[arg(long, env = "INFRACAST_EVALUATION_TIMEOUT_SECONDS", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub evaluation_timeout_seconds: u64,
    /// Seconds a job's lease lasts without renewal (a dead worker's job is re-claimed after it).
    #[arg(long, env = "INFRACAST_JOB_LEASE_SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(2..))]
    pub job_lease_seconds: u64,
    /// On SIGTERM: seconds running jobs and open connections get before they are abandoned.
    #[arg(long, env = "INFRACAST_SHUTDOWN_GRACE_SECONDS", default_value_t = 10)]
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

#[derive(Debug, Args)]
pub struct TraceArgs {
    #[arg(long, env = "INFRACAST_TENANT")]
    pub tenant: String,
    /// Source instance or network interface (node id).
    #[arg(long)]
    pub from: String,
    /// Destination CIDR (e.g. 0.0.0.0/0).
    #[arg(long, conflicts_with = "to_node", required_unless_present = "to_node")]
    pub to: Option<String>,
    /// Destination node id instead of a CIDR.
    #[arg(long)]
    pub to_node: Option<String>,
    #[arg(long)]
    pub port: Option<i64>,
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    #[arg(long, env = "INFRACAST_TENANT")]
    pub tenant: String,
    /// `aws` or `fixture`.
    #[arg(long, default_value = "aws")]
    pub provider: String,
    /// AWS regions, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// An EC2-compatible endpoint (e.g. http://127.0.0.1:5000).
    #[arg(long, env = "INFRACAST_AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    #[arg(long)]
    pub role_arn: Option<String>,
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
        #[arg(long, env = "INFRACAST_TENANT_NAME")]
        name: Option<String>,
        #[arg(long, env = "INFRACAST_TENANT_PLAN", default_value = "free")]
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
            conflicts_with = "platform",
            required_unless_present = "platform"
        )]
        tenant: Option<String>,
        /// Role of a tenant key: admin, analyst or viewer.
        #[arg(long, env = "INFRACAST_KEY_ROLE", default_value = "admin")]
        role: String,
        /// Create a platform-admin key (manages tenants).
        #[arg(long)]
        platform: bool,
        #[arg(long, env = "INFRACAST_KEY_NAME")]
        name: Option<String>,
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

fn config(global: &GlobalArgs, bind: Option<SocketAddr>) -> Config {
    let bind = bind.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    Config::new(
        global.database_url.clone(),
        global.data_dir.clone(),
        bind,
        1,
    )
}

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
    match cli.command {
        Command::Serve { bind, jobs } => {
            let mut config = config(&cli.global, Some(bind));
            jobs.apply(&mut config);
            let served = app::serve(&config).await;
            // Blocking work abandoned at shutdown (a rule evaluation on the blocking pool) must
            // not hold the process: the runtime would wait for it when dropped.
            exit_now(served)
        }
        Command::Migrate => {
            let database = Database::open(&config(&cli.global, None)).await?;
            eprintln!("migrations applied");
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
        Command::Demo { bind } => {
            let config = config(&cli.global, Some(bind));
            let database = Database::open(&config).await?;
            let result = demo(&config, &database).await;
            database.close().await?;
            result
        }
        Command::Trace(arguments) => {
            let query = crate::pathtrace::parse_query(
                &arguments.from,
                arguments.to.as_deref(),
                arguments.to_node.as_deref(),
                arguments.port,
                &arguments.protocol,
            )?;
            let database = Database::open(&config(&cli.global, None)).await?;
            let snapshots = crate::snapshots::GraphSnapshots::default();
            let snapshot = snapshots.current(&database.pool, &arguments.tenant).await;
            database.close().await?;
            let snapshot = snapshot.map_err(|error| match error {
                store::Error::NotFound => {
                    anyhow::anyhow!("tenant `{}` does not exist", arguments.tenant)
                }
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
            let mut config = serde_json::json!({"regions": arguments.regions});
            for (key, value) in [
                ("endpoint_url", &arguments.endpoint_url),
                ("role_arn", &arguments.role_arn),
                ("account_id", &arguments.account_id),
            ] {
                if let Some(value) = value {
                    config[key] = serde_json::json!(value);
                }
            }
            Ok(config)
        }
        "fixture" => match arguments.file.as_deref() {
            Some("sample") => Ok(serde_json::json!({"sample": true})),
            Some(path) => {
                let absolute =
                    std::fs::canonicalize(path).with_context(|| format!("cannot read {path}"))?;
                Ok(serde_json::json!({"path": absolute}))
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
    let new_job = store::jobs::NewJob {
        kind: "discovery".into(),
        provider: Some(provider.to_string()),
        config,
        start: true,
    };
    let job = store::jobs::create(&database.pool, tenant, &new_job)
        .await
        .map_err(|error| match error {
            store::Error::InvalidReference(_) => {
                anyhow::anyhow!("tenant `{tenant}` does not exist")
            }
            other => other.into(),
        })?;
    let mut runtime = crate::jobs::JobRuntime::new(
        database.pool.clone(),
        std::sync::Arc::new(crate::snapshots::GraphSnapshots::default()),
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
            "job_id": job.job_id, "status": job.status, "counts": job.counts.0, "scopes": job.scopes.0, "errors": job.errors.0
        }))?
    );
    if job.status == "failed" {
        bail!("discovery failed");
    }
    Ok(())
}

async fn demo(config: &Config, database: &Database) -> anyhow::Result<()> {
    match store::tenants::create(&database.pool, "demo", "Demo", "enterprise").await {
        Ok(_) | Err(store::Error::Conflict(_)) => {}
        Err(error) => return Err(error).context("creating tenant demo"),
    }
    let (_, key) = auth::create_key(
        &database.pool,
        &KeyScope::Tenant("demo".into()),
        Role::Admin,
        "demo admin",
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
            Err(store::Error::NotFound) => bail!("tenant `{tenant_id}` does not exist"),
            Err(error) => return Err(error).context("looking up tenant"),
        }
    }
    let name = name.unwrap_or_else(|| format!("{} key (cli)", role.as_str()));
    let (_, secret) = auth::create_key(&database.pool, scope, role, &name).await?;
    Ok(secret)
}

async fn run_db(global: &GlobalArgs, command: DbCommand) -> anyhow::Result<()> {
    let data_dir = global.data_dir.clone();
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
