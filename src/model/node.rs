//! Node identity (`provider:region:type:resource-id`), node types and the node record.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::UnknownName;
use super::properties::{InternetProperties, NodeProperties, NodeType};

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

/// Declares the closed set of node types, each with its dotted name and the struct of its
/// properties. Invoked once, in `model::properties`, beside the structs it names: a node type and
/// its shape are one declaration, and a struct that does not implement `NodeProperties` (defaults
/// and an example) does not compile.
macro_rules! node_types {
    ($($variant:ident => $name:literal, $properties:ident,)*) => {
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

            pub fn parse(value: &str) -> Result<Self, $crate::model::UnknownName> {
                match value {
                    $($name => Ok(NodeType::$variant),)*
                    other => Err($crate::model::UnknownName {
                        what: "node type",
                        value: other.to_string(),
                        expected: [$($name,)*].join(", "),
                    }),
                }
            }

            /// The name of the struct that holds this type's properties (`InstanceProperties`).
            pub fn properties_shape(self) -> &'static str {
                match self {
                    $(NodeType::$variant => stringify!($properties),)*
                }
            }

            /// True when `T` is the struct registered for this type (`Node::properties_as`).
            pub fn holds_properties_of<T: 'static>(self) -> bool {
                let registered = match self {
                    $(NodeType::$variant => std::any::TypeId::of::<$properties>(),)*
                };
                registered == std::any::TypeId::of::<T>()
            }

            /// Reads `properties` as this type's registered struct and drops the result: `Err` when
            /// they are malformed (a field of the wrong JSON type). For code that holds a node of
            /// any type; code that knows the type reads it with `Node::properties_as`.
            pub fn check_properties(self, properties: &serde_json::Value) -> Result<(), serde_json::Error> {
                match self {
                    $(NodeType::$variant => <$properties as serde::Deserialize>::deserialize(properties).map(drop),)*
                }
            }

            /// The registered defaults (`NodeProperties::defaults`) as JSON.
            pub fn default_properties(self) -> serde_json::Value {
                match self {
                    $(NodeType::$variant => $crate::model::properties::to_json(
                        &<$properties as $crate::model::properties::NodeProperties>::defaults(),
                    ),)*
                }
            }

            /// The registered example (`NodeProperties::example`) as JSON.
            pub fn example_properties(self) -> serde_json::Value {
                match self {
                    $(NodeType::$variant => $crate::model::properties::to_json(
                        &<$properties as $crate::model::properties::NodeProperties>::example(),
                    ),)*
                }
            }

            /// The defaults of one item of the list field `field` (`NodeProperties::list_item_defaults`).
            pub fn list_item_defaults(self, field: &str) -> Option<serde_json::Value> {
                match self {
                    $(NodeType::$variant =>
                        <$properties as $crate::model::properties::NodeProperties>::list_item_defaults(field),)*
                }
            }
        }
    };
}
pub(super) use node_types;

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

/// Why a node's properties could not be read as the requested struct.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertiesError {
    #[error("node `{node_id}` is a {node_type}, whose properties are not {requested}")]
    WrongNodeType {
        node_id: NodeId,
        node_type: NodeType,
        requested: &'static str,
    },
    #[error("node `{node_id}` ({node_type}) has malformed properties: {message}")]
    Malformed {
        node_id: NodeId,
        node_type: NodeType,
        message: String,
    },
}

/// `InstanceProperties` for `infracast::model::properties::InstanceProperties`.
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
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
/// The resource id is everything after the third `:` so ARNs (which contain colons) fit. Shared
/// (`Arc<str>`): a snapshot, its edges and every rule result name the same nodes, and a clone is
/// a reference count, not a copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NodeId(Arc<str>);

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
        Ok(NodeId(Arc::from(value)))
    }

    /// The id of an AWS resource: `aws:<region>:<type>:<resource_id>`.
    pub fn aws(region: &str, node_type: NodeType, resource_id: &str) -> Self {
        NodeId(Arc::from(format!(
            "aws:{region}:{}:{resource_id}",
            node_type.as_str()
        )))
    }

    /// The internet pseudo-node.
    pub fn internet() -> Self {
        NodeId(Arc::from(INTERNET_NODE_ID))
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
        value.0.to_string()
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

    /// Reads the node's properties as `T`, the struct registered for its type. Asking for another
    /// type's struct is `WrongNodeType`; properties that do not fit `T` (a string where a list
    /// belongs) are `Malformed`, never silently replaced by defaults.
    pub fn properties_as<T: NodeProperties>(&self) -> Result<T, PropertiesError> {
        if !self.node_type.holds_properties_of::<T>() {
            return Err(PropertiesError::WrongNodeType {
                node_id: self.id.clone(),
                node_type: self.node_type,
                requested: short_type_name::<T>(),
            });
        }
        // Deserialize from the borrowed value: cloning the JSON first doubled the cost of every
        // lookup in the tracer.
        T::deserialize(&self.properties).map_err(|error| PropertiesError::Malformed {
            node_id: self.id.clone(),
            node_type: self.node_type,
            message: error.to_string(),
        })
    }

    /// An AWS resource as discovery (or a test) builds it: id from region, type and raw id, named
    /// after the raw id, no account or tags.
    pub fn aws(
        region: &str,
        node_type: NodeType,
        resource_id: &str,
        properties: serde_json::Value,
    ) -> Self {
        Node {
            id: NodeId::aws(region, node_type, resource_id),
            node_type,
            provider: Provider::Aws.as_str().to_string(),
            region: region.to_string(),
            account: String::new(),
            name: resource_id.to_string(),
            tags: BTreeMap::new(),
            properties,
        }
    }

    /// Checks that the properties read as the struct registered for the node's type.
    pub fn check_properties(&self) -> Result<(), PropertiesError> {
        self.node_type
            .check_properties(&self.properties)
            .map_err(|error| PropertiesError::Malformed {
                node_id: self.id.clone(),
                node_type: self.node_type,
                message: error.to_string(),
            })
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
            properties: super::properties::to_json(&InternetProperties::defaults()),
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

    fn node_of(node_type: NodeType, properties: serde_json::Value) -> Node {
        Node::aws("us-east-1", node_type, "r-1", properties)
    }

    #[test]
    fn properties_read_as_another_types_struct_are_an_error() {
        use crate::model::properties::{InstanceProperties, VolumeProperties};
        let instance = node_of(
            NodeType::Instance,
            serde_json::json!({"instance_id": "i-1", "state": "running"}),
        );
        assert_eq!(
            instance
                .properties_as::<InstanceProperties>()
                .unwrap()
                .state,
            "running"
        );
        // Every field of VolumeProperties has a default, so deserialising would "succeed": only
        // the registry can tell that an instance has no volume properties.
        let error = instance.properties_as::<VolumeProperties>().unwrap_err();
        assert_eq!(
            error,
            PropertiesError::WrongNodeType {
                node_id: instance.id.clone(),
                node_type: NodeType::Instance,
                requested: "VolumeProperties",
            }
        );
        assert!(error.to_string().contains("aws.ec2.instance"), "{error}");
    }

    #[test]
    fn malformed_properties_are_an_error_not_defaults() {
        use crate::model::properties::VolumeProperties;
        let volume = node_of(
            NodeType::Volume,
            serde_json::json!({"volume_id": "vol-1", "encrypted": "yes"}),
        );
        let error = volume.properties_as::<VolumeProperties>().unwrap_err();
        assert!(
            matches!(&error, PropertiesError::Malformed { node_type: NodeType::Volume, message, .. } if message.contains("invalid type")),
            "{error}"
        );
        assert_eq!(volume.check_properties().unwrap_err(), error);
        // Missing fields are not malformed: hand-made nodes list only what they know.
        let sparse = node_of(NodeType::Volume, serde_json::json!({"volume_id": "vol-1"}));
        assert!(sparse.check_properties().is_ok());
        assert!(
            !sparse
                .properties_as::<VolumeProperties>()
                .unwrap()
                .encrypted
        );
    }

    #[test]
    fn types_that_share_a_struct_both_read_it() {
        use crate::model::properties::InternetGatewayProperties;
        let attachments =
            serde_json::json!({"attachments": [{"vpc_id": "vpc-1", "state": "attached"}]});
        for node_type in [
            NodeType::InternetGateway,
            NodeType::EgressOnlyInternetGateway,
        ] {
            let gateway = node_of(node_type, attachments.clone())
                .properties_as::<InternetGatewayProperties>()
                .unwrap();
            assert_eq!(gateway.attachments[0].vpc_id, "vpc-1");
        }
        assert!(
            node_of(NodeType::NatGateway, attachments)
                .properties_as::<InternetGatewayProperties>()
                .is_err()
        );
    }

    #[test]
    fn internet_id_is_valid() {
        assert_eq!(
            NodeId::parse(INTERNET_NODE_ID).unwrap().node_type(),
            NodeType::Internet
        );
    }
}
