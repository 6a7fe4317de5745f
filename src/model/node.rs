//! Node identity (`provider:region:type:resource-id`), node types and the node record.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::UnknownName;

/// The id of the internet pseudo-node that stands for 0.0.0.0/0 and ::/0.
pub const INTERNET_NODE_ID: &str = "global:global:internet:internet";

/// Cloud provider of a node. Only AWS is discovered today; `global` is used by pseudo-nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Aws,
    Global,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Global => "global",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownName> {
        match value {
            "aws" => Ok(Provider::Aws),
            "global" => Ok(Provider::Global),
            other => Err(UnknownName {
                what: "provider",
                value: other.to_string(),
                expected: "aws, global".to_string(),
            }),
        }
    }
}

macro_rules! node_types {
    ($($variant:ident => $name:literal,)*) => {
        /// The closed set of node types Infracast understands.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum NodeType {
            $(#[serde(rename = $name)] $variant,)*
        }

        impl NodeType {
            /// Every node type, in declaration order.
            pub const ALL: &'static [NodeType] = &[$(NodeType::$variant,)*];

            /// The dotted name used in ids, rules and the API (`aws.ec2.instance`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(NodeType::$variant => $name,)*
                }
            }

            pub fn parse(value: &str) -> Result<Self, UnknownName> {
                match value {
                    $($name => Ok(NodeType::$variant),)*
                    other => Err(UnknownName {
                        what: "node type",
                        value: other.to_string(),
                        expected: [$($name,)*].join(", "),
                    }),
                }
            }
        }
    };
}

node_types! {
    Instance => "aws.ec2.instance",
    NetworkInterface => "aws.ec2.network_interface",
    SecurityGroup => "aws.ec2.security_group",
    NetworkAcl => "aws.ec2.network_acl",
    Subnet => "aws.ec2.subnet",
    Vpc => "aws.ec2.vpc",
    RouteTable => "aws.ec2.route_table",
    InternetGateway => "aws.ec2.internet_gateway",
    EgressOnlyInternetGateway => "aws.ec2.egress_only_internet_gateway",
    NatGateway => "aws.ec2.nat_gateway",
    VpcPeeringConnection => "aws.ec2.vpc_peering_connection",
    Volume => "aws.ec2.volume",
    Snapshot => "aws.ec2.snapshot",
    ElasticIp => "aws.ec2.elastic_ip",
    TransitGateway => "aws.ec2.transit_gateway",
    TransitGatewayAttachment => "aws.ec2.transit_gateway_attachment",
    VpcEndpoint => "aws.ec2.vpc_endpoint",
    ManagedPrefixList => "aws.ec2.managed_prefix_list",
    FlowLog => "aws.ec2.flow_log",
    RegionSettings => "aws.ec2.region_settings",
    Internet => "internet",
}

impl fmt::Display for NodeType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Why a string is not a valid node id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeIdError {
    #[error("node id must look like `provider:region:type:resource-id`, got `{0}`")]
    Shape(String),
    #[error("node id `{id}`: {source}")]
    Part { id: String, source: UnknownName },
    #[error("node id `{id}`: region `{region}` may hold only lowercase letters, digits and `-`")]
    Region { id: String, region: String },
    #[error("node id `{id}`: resource id may not be empty or hold whitespace")]
    ResourceId { id: String },
    #[error(
        "node id `{prefix}…` is {bytes} bytes long; at most {MAX_NODE_ID_BYTES} bytes are allowed"
    )]
    TooLong { prefix: String, bytes: usize },
}

/// Longest node id (bytes of UTF-8). Ids, names and accounts are indexed: PostgreSQL's btree
/// refuses index rows past ~2,700 bytes, so every indexed text has a limit that keeps a row under
/// it (`nodes_by_name` holds tenant, name and id together).
pub const MAX_NODE_ID_BYTES: usize = 1024;
/// Longest node name (bytes of UTF-8).
pub const MAX_NODE_NAME_BYTES: usize = 1024;
/// Longest account (bytes of UTF-8).
pub const MAX_NODE_ACCOUNT_BYTES: usize = 256;

/// The first characters of a long text, for an error message that does not echo all of it.
fn prefix_of(text: &str) -> String {
    text.chars().take(40).collect()
}

/// A validated node id: `provider:region:type:resource-id`, stable across discovery runs.
///
/// The resource id is everything after the third `:` so ARNs (which contain colons) fit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NodeId(String);

impl NodeId {
    pub fn parse(value: &str) -> Result<Self, NodeIdError> {
        if value.len() > MAX_NODE_ID_BYTES {
            return Err(NodeIdError::TooLong {
                prefix: prefix_of(value),
                bytes: value.len(),
            });
        }
        let mut parts = value.splitn(4, ':');
        let (Some(provider), Some(region), Some(node_type), Some(resource_id)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(NodeIdError::Shape(value.to_string()));
        };
        Provider::parse(provider).map_err(|source| NodeIdError::Part {
            id: value.to_string(),
            source,
        })?;
        NodeType::parse(node_type).map_err(|source| NodeIdError::Part {
            id: value.to_string(),
            source,
        })?;
        let region_is_valid = !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_is_valid {
            return Err(NodeIdError::Region {
                id: value.to_string(),
                region: region.to_string(),
            });
        }
        if resource_id.is_empty() || resource_id.chars().any(char::is_whitespace) {
            return Err(NodeIdError::ResourceId {
                id: value.to_string(),
            });
        }
        Ok(NodeId(value.to_string()))
    }

    /// The id of an AWS resource: `aws:<region>:<type>:<resource_id>`.
    pub fn aws(region: &str, node_type: NodeType, resource_id: &str) -> Self {
        NodeId(format!("aws:{region}:{}:{resource_id}", node_type.as_str()))
    }

    /// The internet pseudo-node.
    pub fn internet() -> Self {
        NodeId(INTERNET_NODE_ID.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn part(&self, index: usize) -> &str {
        // Invariant: a NodeId is only built by `parse` or the constructors above, so it has four parts.
        self.0.splitn(4, ':').nth(index).unwrap_or_default()
    }

    pub fn provider(&self) -> &str {
        self.part(0)
    }

    pub fn region(&self) -> &str {
        self.part(1)
    }

    pub fn node_type(&self) -> NodeType {
        NodeType::parse(self.part(2)).unwrap_or(NodeType::Internet)
    }

    /// The provider's own id of the resource (`i-0abc…`, `sg-…`).
    pub fn resource_id(&self) -> &str {
        self.part(3)
    }
}

impl TryFrom<String> for NodeId {
    type Error = NodeIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        NodeId::parse(&value)
    }
}

impl From<NodeId> for String {
    fn from(value: NodeId) -> Self {
        value.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// One resource in a tenant's graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    #[serde(rename = "type")]
    pub node_type: NodeType,
    pub provider: String,
    pub region: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Typed per node type (see `model::properties`); kept as JSON so unknown fields survive.
    #[serde(default = "empty_object")]
    pub properties: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

impl Node {
    /// Checks the indexed texts against their limits (`MAX_NODE_*_BYTES`); the id was checked when
    /// it was parsed. `Err` says which field and its limit.
    pub fn check_lengths(&self) -> Result<(), String> {
        for (field, value, limit) in [
            ("name", &self.name, MAX_NODE_NAME_BYTES),
            ("account", &self.account, MAX_NODE_ACCOUNT_BYTES),
        ] {
            if value.len() > limit {
                return Err(format!(
                    "node `{}`: `{field}` is {} bytes long; at most {limit} bytes are allowed",
                    prefix_of(self.id.as_str()),
                    value.len()
                ));
            }
        }
        Ok(())
    }

    /// Reads the node's properties as the typed shape `T`; `None` when they do not fit.
    pub fn typed_properties<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        // Deserialize from the borrowed value: cloning the JSON first doubled the cost of every
        // lookup in the tracer.
        T::deserialize(&self.properties).ok()
    }

    /// The internet pseudo-node.
    pub fn internet() -> Self {
        Node {
            id: NodeId::internet(),
            node_type: NodeType::Internet,
            provider: "global".to_string(),
            region: "global".to_string(),
            account: String::new(),
            name: "internet".to_string(),
            tags: BTreeMap::new(),
            properties: serde_json::json!({"cidrs": ["0.0.0.0/0", "::/0"]}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_names_and_accounts_past_their_byte_limits_are_refused() {
        let prefix = "aws:us-east-1:aws.ec2.vpc:";
        let at_limit = format!("{prefix}{}", "v".repeat(MAX_NODE_ID_BYTES - prefix.len()));
        assert!(NodeId::parse(&at_limit).is_ok());
        let over = format!("{at_limit}v");
        let error = NodeId::parse(&over).unwrap_err().to_string();
        assert!(error.contains("1025 bytes"), "{error}");
        // Bytes, not characters: 4-byte characters reach the limit four times sooner.
        let wide = format!("{prefix}{}", "𝄞".repeat(250));
        assert!(NodeId::parse(&wide).is_err());

        let mut node: Node = serde_json::from_value(serde_json::json!({
            "id": "aws:us-east-1:aws.ec2.vpc:vpc-1",
            "type": "aws.ec2.vpc",
            "provider": "aws",
            "region": "us-east-1",
        }))
        .unwrap();
        node.name = "n".repeat(MAX_NODE_NAME_BYTES);
        node.account = "a".repeat(MAX_NODE_ACCOUNT_BYTES);
        assert!(node.check_lengths().is_ok());
        node.name.push('n');
        assert!(node.check_lengths().unwrap_err().contains("`name`"));
        node.name.pop();
        node.account.push('a');
        assert!(node.check_lengths().unwrap_err().contains("`account`"));
    }

    #[test]
    fn parses_a_well_formed_id_and_exposes_its_parts() {
        let id = NodeId::parse("aws:us-east-1:aws.ec2.instance:i-0abc123").unwrap();
        assert_eq!(id.provider(), "aws");
        assert_eq!(id.region(), "us-east-1");
        assert_eq!(id.node_type(), NodeType::Instance);
        assert_eq!(id.resource_id(), "i-0abc123");
    }

    #[test]
    fn keeps_colons_inside_the_resource_id() {
        let id = NodeId::parse("aws:global:aws.ec2.vpc:arn:aws:ec2:x").unwrap();
        assert_eq!(id.resource_id(), "arn:aws:ec2:x");
    }

    #[test]
    fn rejects_malformed_ids() {
        assert!(matches!(
            NodeId::parse("aws:us-east-1"),
            Err(NodeIdError::Shape(_))
        ));
        assert!(matches!(
            NodeId::parse("gcp:us-east-1:aws.ec2.instance:i-1"),
            Err(NodeIdError::Part { .. })
        ));
        assert!(matches!(
            NodeId::parse("aws:us-east-1:aws.ec2.bucket:i-1"),
            Err(NodeIdError::Part { .. })
        ));
        assert!(matches!(
            NodeId::parse("aws:US_EAST:aws.ec2.instance:i-1"),
            Err(NodeIdError::Region { .. })
        ));
        assert!(matches!(
            NodeId::parse("aws:us-east-1:aws.ec2.instance:"),
            Err(NodeIdError::ResourceId { .. })
        ));
    }

    #[test]
    fn internet_id_is_valid() {
        assert_eq!(
            NodeId::parse(INTERNET_NODE_ID).unwrap().node_type(),
            NodeType::Internet
        );
    }
}
