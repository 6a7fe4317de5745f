//! Edges: a closed set of kinds and a deterministic id derived from (kind, src, dst).

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{NodeId, UnknownName};

macro_rules! edge_kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// The closed set of relationships between nodes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum EdgeKind {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl EdgeKind {
            pub const ALL: &'static [EdgeKind] = &[$(EdgeKind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(EdgeKind::$variant => $name,)*
                }
            }

            pub fn parse(value: &str) -> Result<Self, UnknownName> {
                match value {
                    $($name => Ok(EdgeKind::$variant),)*
                    other => Err(UnknownName {
                        what: "edge kind",
                        value: other.to_string(),
                        expected: [$($name,)*].join(", "),
                    }),
                }
            }
        }
    };
}

edge_kinds! {
    Contains => "contains",
    InSubnet => "in_subnet",
    AttachedTo => "attached_to",
    MemberOf => "member_of",
    AssociatedWith => "associated_with",
    RoutesTo => "routes_to",
    PeersWith => "peers_with",
    References => "references",
    SnapshotOf => "snapshot_of",
    // logs, cloudwatch: metric filter → log group, alarm → metric filter, alarm → SNS topic
    FiltersLogGroup => "filters_log_group",
    AlarmsOn => "alarms_on",
    Notifies => "notifies",
    // data-logging: trail → bucket / log group, bucket → access-log bucket; trail, EFS → KMS key
    LogsTo => "logs_to",
    EncryptedWith => "encrypted_with",
    // iam: a user, group or role → a managed policy attached to it; a role → who may assume it
    HasPolicy => "has_policy",
    Trusts => "trusts",
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The deterministic edge id: `e_` and the first 16 bytes of SHA-256 over `kind|src|dst`, in hex.
pub fn edge_id(kind: EdgeKind, src: &NodeId, dst: &NodeId) -> String {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_str().as_bytes());
    hasher.update(b"|");
    hasher.update(src.as_str().as_bytes());
    hasher.update(b"|");
    hasher.update(dst.as_str().as_bytes());
    let digest = hasher.finalize();
    format!("e_{}", hex::encode(&digest[..16]))
}

/// A directed, typed relationship between two nodes of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub id: String,
    pub kind: EdgeKind,
    pub src: NodeId,
    pub dst: NodeId,
    #[serde(default = "empty_object")]
    pub properties: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

impl Edge {
    /// Builds an edge with its deterministic id and no properties.
    pub fn new(kind: EdgeKind, src: NodeId, dst: NodeId) -> Self {
        Edge {
            id: edge_id(kind, &src, &dst),
            kind,
            src,
            dst,
            properties: empty_object(),
        }
    }

    pub fn with_properties(mut self, properties: serde_json::Value) -> Self {
        self.properties = properties;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_id_depends_on_kind_and_direction() {
        let a = NodeId::parse("aws:us-east-1:aws.ec2.vpc:vpc-1").unwrap();
        let b = NodeId::parse("aws:us-east-1:aws.ec2.subnet:subnet-1").unwrap();
        let forward = edge_id(EdgeKind::Contains, &a, &b);
        assert_eq!(forward, edge_id(EdgeKind::Contains, &a, &b));
        assert_ne!(forward, edge_id(EdgeKind::Contains, &b, &a));
        assert_ne!(forward, edge_id(EdgeKind::References, &a, &b));
        assert_eq!(forward.len(), 2 + 32);
    }
}
