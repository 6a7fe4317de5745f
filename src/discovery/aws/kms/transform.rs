//! Pure: a customer-managed key's answers into an `aws.kms.key` node.

use std::collections::BTreeMap;

use super::super::node_builder::regional_node;
use super::super::resource_policy;
use super::super::service::Origin;
use crate::model::properties::KmsKeyProperties;
use crate::model::{Node, NodeType};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyFacts {
    pub key_id: String,
    pub arn: String,
    pub description: Option<String>,
    pub key_state: String,
    pub key_spec: String,
    pub key_usage: String,
    pub rotation_enabled: Option<bool>,
    pub policy: Option<String>,
}

pub fn transform_key(origin: &Origin, facts: KeyFacts) -> Node {
    let policy_public = facts
        .policy
        .as_deref()
        .is_some_and(|policy| resource_policy::analyse(policy).allows_public);
    let name = facts
        .description
        .clone()
        .unwrap_or_else(|| facts.key_id.clone());
    let properties = KmsKeyProperties {
        key_id: facts.key_id.clone(),
        arn: facts.arn,
        description: facts.description,
        key_state: facts.key_state,
        key_spec: facts.key_spec,
        key_usage: facts.key_usage,
        rotation_enabled: facts.rotation_enabled,
        policy_public,
    };
    regional_node(
        origin,
        NodeType::KmsKey,
        &facts.key_id,
        &name,
        BTreeMap::new(),
        &properties,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_policy_open_to_everyone_is_public_and_the_account_root_is_not() {
        let origin = Origin {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        };
        let open = KeyFacts {
            key_id: "k1".into(),
            policy: Some(
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}"#
                    .into(),
            ),
            ..KeyFacts::default()
        };
        let node = transform_key(&origin, open);
        assert_eq!(node.id.as_str(), "aws:us-east-1:aws.kms.key:k1");
        assert!(
            node.properties_as::<KmsKeyProperties>()
                .unwrap()
                .policy_public
        );
        let closed = KeyFacts {
            key_id: "k2".into(),
            policy: Some(
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}"#
                    .into(),
            ),
            ..KeyFacts::default()
        };
        assert!(
            !transform_key(&origin, closed)
                .properties_as::<KmsKeyProperties>()
                .unwrap()
                .policy_public
        );
    }
}
