//! The fixture provider: reads an inventory (`{"scopes": […], "nodes": […], "edges": […]}`, nodes
//! and edges in the API's shape) from a file and validates it. An edge's `id` may be omitted; it
//! is derived from `(kind, src, dst)` and must match when given.
//!
//! Tenants never name server paths: a tenant's file is a name inside the operator's fixture
//! directory, resolved (links included) and confined to it; only the operator's CLI reads any
//! path. Only regular files are read, at most `MAX_INVENTORY_BYTES`, and errors never quote the
//! file's content.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{DiscoveryControl, DiscoveryOutcome, Error, ProgressEvent, ScopeResult, ScopeStatus};
use crate::model::provider_config::FixtureSource;
use crate::model::{Inventory, NodeId, Scope};

/// The `fixture` provider, configured for one job: an inventory from the sample, the request, the
/// operator's fixture directory, or (the operator's CLI only) any path.
pub struct FixtureProvider {
    pub source: FixtureSource,
    /// The operator's fixture directory, resolved (for `FixtureSource::File`).
    pub directory: Option<PathBuf>,
}

impl super::Provider for FixtureProvider {
    fn name(&self) -> &'static str {
        "fixture"
    }

    async fn discover(&self, control: &DiscoveryControl) -> Result<DiscoveryOutcome, Error> {
        let inventory = match &self.source {
            FixtureSource::Sample => super::sample::sample_estate(),
            FixtureSource::Inline(inventory) => (**inventory).clone(),
            FixtureSource::File(name) => {
                let directory = self.directory.clone().ok_or_else(|| {
                    Error::InvalidConfig("this server has no fixture directory".to_string())
                })?;
                let name = name.clone();
                tokio::task::spawn_blocking(move || load_confined_inventory(&directory, &name))
                    .await
                    .map_err(|error| Error::Provider(format!("fixture loader failed: {error}")))??
            }
            FixtureSource::OperatorPath(path) => {
                let path = PathBuf::from(path);
                tokio::task::spawn_blocking(move || load_inventory(&path))
                    .await
                    .map_err(|error| Error::Provider(format!("fixture loader failed: {error}")))??
            }
        };
        Ok(outcome_of(inventory, control))
    }
}

/// A fixture covers the scopes it declares (or, if it declares none, those of its nodes); a
/// cancelled import covers none of them.
fn outcome_of(mut inventory: Inventory, control: &DiscoveryControl) -> DiscoveryOutcome {
    let cancelled = control.is_cancelled();
    let scopes: Vec<Scope> = if inventory.scopes.is_empty() {
        let derived: BTreeSet<Scope> = inventory
            .nodes
            .iter()
            .map(|node| Scope {
                provider: node.provider.clone(),
                account: node.account.clone(),
                region: node.region.clone(),
            })
            .collect();
        derived.into_iter().collect()
    } else {
        inventory.scopes.clone()
    };
    let status = if cancelled {
        ScopeStatus::Cancelled
    } else {
        ScopeStatus::Completed
    };
    let scope_of: HashMap<&NodeId, (&str, &str)> = inventory
        .nodes
        .iter()
        .map(|node| (&node.id, (node.account.as_str(), node.region.as_str())))
        .collect();
    let results: Vec<ScopeResult> = scopes
        .iter()
        .map(|scope| {
            let in_scope =
                |account: &str, region: &str| region == scope.region && account == scope.account;
            ScopeResult {
                scope: scope.clone(),
                status: status.clone(),
                nodes: inventory
                    .nodes
                    .iter()
                    .filter(|node| in_scope(&node.account, &node.region))
                    .count(),
                // An edge belongs to the scope of the node it starts at.
                edges: inventory
                    .edges
                    .iter()
                    .filter(|edge| {
                        scope_of
                            .get(&edge.src)
                            .is_some_and(|(account, region)| in_scope(account, region))
                    })
                    .count(),
                gaps: Vec::new(),
                timings_ms: Default::default(),
            }
        })
        .collect();
    for result in &results {
        control.report(ProgressEvent::ScopeStarted {
            scope: result.scope.clone(),
        });
        control.report(ProgressEvent::PageFetched {
            scope: result.scope.clone(),
            resource: "inventory nodes",
            items: result.nodes,
        });
        control.report(ProgressEvent::ScopeFinished {
            result: result.clone(),
        });
    }
    if cancelled {
        inventory = Inventory::default();
    } else {
        inventory.scopes = scopes;
    }
    DiscoveryOutcome {
        inventory,
        scopes: results,
    }
}

/// The largest inventory file read (a 100k-instance estate is about 400 MB).
pub const MAX_INVENTORY_BYTES: u64 = 1024 * 1024 * 1024;

/// Reads an inventory file named by the operator (the CLI): any path, still only a regular file.
pub fn load_inventory(path: &Path) -> Result<Inventory, Error> {
    read_regular_file(path, path.display().to_string())
}

/// Reads `name` inside `directory`: the resolved path must stay inside the resolved directory.
/// Error messages name the file as the tenant wrote it, never the server's directory.
pub fn load_confined_inventory(directory: &Path, name: &str) -> Result<Inventory, Error> {
    let unavailable = || Error::Io {
        path: name.to_string(),
        message: "no such inventory in the fixture directory".to_string(),
    };
    let root = directory.canonicalize().map_err(|error| {
        tracing::error!(directory = %directory.display(), %error, "fixture directory unusable");
        Error::InvalidConfig("the server's fixture directory is not available".to_string())
    })?;
    let resolved: PathBuf = root.join(name).canonicalize().map_err(|_| unavailable())?;
    if !resolved.starts_with(&root) {
        tracing::warn!(name, "fixture name resolves outside the fixture directory");
        return Err(unavailable());
    }
    read_regular_file(&resolved, name.to_string())
}

fn read_regular_file(path: &Path, shown_as: String) -> Result<Inventory, Error> {
    let io_error = |message: &str| Error::Io {
        path: shown_as.clone(),
        message: message.to_string(),
    };
    let file = std::fs::File::open(path).map_err(|_| io_error("cannot be opened"))?;
    let metadata = file.metadata().map_err(|_| io_error("cannot be read"))?;
    if !metadata.is_file() {
        return Err(io_error("is not a regular file"));
    }
    if metadata.len() > MAX_INVENTORY_BYTES {
        return Err(io_error("is larger than the 1 GiB inventory limit"));
    }
    let mut text = String::new();
    file.take(MAX_INVENTORY_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|_| io_error("is not UTF-8 text"))?;
    if text.len() as u64 > MAX_INVENTORY_BYTES {
        return Err(io_error("is larger than the 1 GiB inventory limit"));
    }
    parse_inventory(&text)
}

/// Parses and validates an inventory's text (errors give a place, never the content).
pub fn parse_inventory(json: &str) -> Result<Inventory, Error> {
    crate::model::parse_inventory_text(json).map_err(Error::InvalidInventory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EdgeKind, NodeId, edge_id};

    const VPC: &str = "aws:us-east-1:aws.ec2.vpc:vpc-1";
    const SUBNET: &str = "aws:us-east-1:aws.ec2.subnet:subnet-1";

    fn node_json(id: &str, node_type: &str) -> String {
        format!(
            r#"{{"id": "{id}", "type": "{node_type}", "provider": "aws", "region": "us-east-1"}}"#
        )
    }

    #[test]
    fn parses_nodes_and_derives_edge_ids() {
        let json = format!(
            r#"{{"nodes": [{}, {}], "edges": [{{"kind": "contains", "src": "{VPC}", "dst": "{SUBNET}"}}]}}"#,
            node_json(VPC, "aws.ec2.vpc"),
            node_json(SUBNET, "aws.ec2.subnet")
        );
        let inventory = parse_inventory(&json).unwrap();
        assert_eq!(inventory.nodes.len(), 2);
        assert_eq!(inventory.edges.len(), 1);
        assert_eq!(
            inventory.edges[0].id,
            edge_id(
                EdgeKind::Contains,
                &NodeId::parse(VPC).unwrap(),
                &NodeId::parse(SUBNET).unwrap()
            )
        );
    }

    #[test]
    fn rejects_dangling_edges_duplicates_and_mismatched_types() {
        let dangling = format!(
            r#"{{"nodes": [{}], "edges": [{{"kind": "contains", "src": "{VPC}", "dst": "{SUBNET}"}}]}}"#,
            node_json(VPC, "aws.ec2.vpc")
        );
        assert!(
            parse_inventory(&dangling)
                .unwrap_err()
                .to_string()
                .contains(SUBNET)
        );
        let duplicate = format!(
            r#"{{"nodes": [{}, {}]}}"#,
            node_json(VPC, "aws.ec2.vpc"),
            node_json(VPC, "aws.ec2.vpc")
        );
        assert!(
            parse_inventory(&duplicate)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        let mismatched = format!(r#"{{"nodes": [{}]}}"#, node_json(VPC, "aws.ec2.subnet"));
        assert!(
            parse_inventory(&mismatched)
                .unwrap_err()
                .to_string()
                .contains("aws.ec2.subnet")
        );
        assert!(parse_inventory(r#"{"nodes": [], "extra": 1}"#).is_err());
    }
}

#[cfg(test)]
mod confinement_tests {
    use super::*;

    const INVENTORY: &str = r#"{"nodes": [{"id": "aws:us-east-1:aws.ec2.vpc:vpc-1", "type": "aws.ec2.vpc", "provider": "aws", "region": "us-east-1"}]}"#;

    #[test]
    fn reads_names_inside_the_directory_only() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(
            outside.path().join("secret.json"),
            r#"{"password": "hunter2"}"#,
        )
        .unwrap();
        let directory = tempfile::tempdir().unwrap();
        std::fs::create_dir(directory.path().join("estates")).unwrap();
        std::fs::write(directory.path().join("estates/prod.json"), INVENTORY).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.json"),
            directory.path().join("link.json"),
        )
        .unwrap();
        let inventory = load_confined_inventory(directory.path(), "estates/prod.json").unwrap();
        assert_eq!(inventory.nodes.len(), 1);
        let escaped = load_confined_inventory(directory.path(), "link.json").unwrap_err();
        assert!(!escaped.to_string().contains("hunter2"), "{escaped}");
        assert!(
            escaped.to_string().contains("no such inventory"),
            "{escaped}"
        );
        let dotted = format!(
            "../{}/secret.json",
            outside.path().file_name().unwrap().to_str().unwrap()
        );
        assert!(load_confined_inventory(directory.path(), &dotted).is_err());
        let missing = load_confined_inventory(directory.path(), "nope.json").unwrap_err();
        assert!(
            !missing
                .to_string()
                .contains(directory.path().to_str().unwrap())
        );
    }

    #[test]
    fn refuses_devices_and_never_quotes_content() {
        assert!(
            load_inventory(Path::new("/dev/zero"))
                .unwrap_err()
                .to_string()
                .contains("not a regular file")
        );
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("shadow");
        std::fs::write(&file, "root:$6$secret:19000:0:99999:7:::\n").unwrap();
        let error = load_inventory(&file).unwrap_err().to_string();
        assert!(
            !error.contains("secret") && !error.contains("root"),
            "{error}"
        );
        std::fs::write(&file, r#"{"nodes": [], "hunter2": 1}"#).unwrap();
        let error = load_inventory(&file).unwrap_err().to_string();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(error.contains("line 1"), "{error}");
    }
}
