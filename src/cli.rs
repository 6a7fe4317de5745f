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

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { bind } => app::serve(&config(&cli.global, Some(bind))).await,
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
    }
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
