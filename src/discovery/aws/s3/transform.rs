//! Pure: S3 answers (and SDK values) into `aws.s3.bucket` and `aws.s3.account_settings` nodes.
//! A bucket is public when its policy allows everyone or an ACL grants AllUsers or
//! AuthenticatedUsers, unless a public access block (the bucket's here, the account's when
//! linking) neutralises that path.

use std::collections::BTreeMap;

use aws_sdk_s3::types::{Grant, ServerSideEncryptionConfiguration};

use super::super::node_builder::regional_node;
use super::super::resource_policy;
use super::super::service::Origin;
use crate::model::Node;
use crate::model::NodeType;
use crate::model::properties::{
    PublicAccessBlock, S3AccountSettingsProperties, S3BucketProperties,
};

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

/// What the per-bucket calls answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BucketFacts {
    pub name: String,
    pub creation_date: Option<String>,
    pub public_access_block: Option<PublicAccessBlock>,
    pub policy: Option<String>,
    pub acl_public_grants: Vec<String>,
    /// (algorithm, KMS key) of the default encryption.
    pub encryption: Option<(String, Option<String>)>,
    pub versioning: String,
    pub mfa_delete: bool,
    pub logging_target: Option<String>,
    pub object_lock: bool,
    pub tags: BTreeMap<String, String>,
    pub unsupported_calls: Vec<String>,
}

pub fn public_access_block(
    block_public_acls: Option<bool>,
    ignore_public_acls: Option<bool>,
    block_public_policy: Option<bool>,
    restrict_public_buckets: Option<bool>,
) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: block_public_acls.unwrap_or(false),
        ignore_public_acls: ignore_public_acls.unwrap_or(false),
        block_public_policy: block_public_policy.unwrap_or(false),
        restrict_public_buckets: restrict_public_buckets.unwrap_or(false),
    }
}

/// A location constraint as a region: none or empty is us-east-1, the legacy `EU` eu-west-1.
pub fn location_region(location: Option<&str>) -> String {
    match location {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(region) => region.to_string(),
    }
}

/// ACL grants to everyone or to every AWS account, as `AllUsers:READ`.
pub fn public_grants(grants: &[Grant]) -> Vec<String> {
    let mut public: Vec<String> = grants
        .iter()
        .filter_map(|grant| {
            let uri = grant.grantee()?.uri()?;
            let group = match uri {
                ALL_USERS => "AllUsers",
                AUTHENTICATED_USERS => "AuthenticatedUsers",
                _ => return None,
            };
            let permission = grant
                .permission()
                .map_or("", |permission| permission.as_str());
            Some(format!("{group}:{permission}"))
        })
        .collect();
    public.sort();
    public.dedup();
    public
}

/// The default encryption's algorithm and key, from the first rule that sets one.
pub fn default_encryption(
    configuration: &ServerSideEncryptionConfiguration,
) -> Option<(String, Option<String>)> {
    configuration.rules().iter().find_map(|rule| {
        let default = rule.apply_server_side_encryption_by_default()?;
        Some((
            default.sse_algorithm().as_str().to_string(),
            default.kms_master_key_id().map(str::to_string),
        ))
    })
}

pub fn transform_bucket(origin: &Origin, facts: BucketFacts) -> Node {
    let policy = facts
        .policy
        .as_deref()
        .map(resource_policy::analyse)
        .unwrap_or_default();
    let bucket_block = facts.public_access_block.clone().unwrap_or_default();
    let public_through_policy = policy.allows_public && !bucket_block.restrict_public_buckets;
    let public_through_acl =
        !facts.acl_public_grants.is_empty() && !bucket_block.ignore_public_acls;
    let properties = S3BucketProperties {
        bucket_name: facts.name.clone(),
        arn: format!("arn:aws:s3:::{}", facts.name),
        creation_date: facts.creation_date,
        public_access_blocked: bucket_block.blocks_all(),
        public_access_block: facts.public_access_block,
        account_blocks_all_public_access: None,
        policy_present: facts.policy.is_some(),
        policy_public: policy.allows_public,
        policy_denies_insecure_transport: policy.denies_insecure_transport,
        acl_public_grants: facts.acl_public_grants,
        public_via_policy: public_through_policy,
        public_via_acl: public_through_acl,
        public: public_through_policy || public_through_acl,
        default_encryption: facts
            .encryption
            .as_ref()
            .map(|(algorithm, _)| algorithm.clone()),
        default_encryption_enabled: facts.encryption.is_some(),
        kms_key_id: facts.encryption.and_then(|(_, key)| key),
        versioning: facts.versioning,
        mfa_delete: facts.mfa_delete,
        logging_enabled: facts.logging_target.is_some(),
        logging_target_bucket: facts.logging_target,
        object_lock_enabled: facts.object_lock,
        unsupported_calls: facts.unsupported_calls,
    };
    regional_node(
        origin,
        NodeType::S3Bucket,
        &facts.name,
        &facts.name,
        facts.tags,
        &properties,
    )
}

/// The region's copy of the account's block (`None`: the account has none).
pub fn transform_account_settings(origin: &Origin, block: Option<PublicAccessBlock>) -> Node {
    let properties = S3AccountSettingsProperties {
        account_id: origin.account.clone(),
        blocks_all_public_access: block.as_ref().is_some_and(PublicAccessBlock::blocks_all),
        public_access_block: block,
    };
    regional_node(
        origin,
        NodeType::S3AccountSettings,
        &origin.account,
        "S3 account settings",
        BTreeMap::new(),
        &properties,
    )
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::types::{
        Grantee, Permission, ServerSideEncryption, ServerSideEncryptionByDefault,
        ServerSideEncryptionRule, Type,
    };

    use super::*;

    fn origin() -> Origin {
        Origin {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        }
    }

    fn group_grant(uri: &str, permission: Permission) -> Grant {
        Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::Group)
                    .uri(uri)
                    .build()
                    .unwrap(),
            )
            .permission(permission)
            .build()
    }

    #[test]
    fn acl_grants_to_everyone_and_to_any_account_are_public_and_owner_grants_are_not() {
        let owner = Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::CanonicalUser)
                    .id("abc")
                    .build()
                    .unwrap(),
            )
            .permission(Permission::FullControl)
            .build();
        let grants = [
            owner,
            group_grant(ALL_USERS, Permission::Read),
            group_grant(AUTHENTICATED_USERS, Permission::Write),
            group_grant(
                "http://acs.amazonaws.com/groups/s3/LogDelivery",
                Permission::Write,
            ),
        ];
        assert_eq!(
            public_grants(&grants),
            vec!["AllUsers:READ", "AuthenticatedUsers:WRITE"]
        );
    }

    #[test]
    fn default_encryption_reads_algorithm_and_key() {
        let configuration = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(
                        ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(ServerSideEncryption::AwsKms)
                            .kms_master_key_id("arn:aws:kms:us-east-1:1:key/k")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .build()
            .unwrap();
        assert_eq!(
            default_encryption(&configuration),
            Some((
                "aws:kms".to_string(),
                Some("arn:aws:kms:us-east-1:1:key/k".to_string())
            ))
        );
    }

    #[test]
    fn a_public_policy_makes_a_bucket_public_unless_its_block_restricts_it() {
        let public_policy = r#"{"Statement":[{"Effect":"Allow","Principal":"*",
            "Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}"#;
        let facts = BucketFacts {
            name: "site".into(),
            policy: Some(public_policy.into()),
            ..BucketFacts::default()
        };
        let open = transform_bucket(&origin(), facts.clone());
        let open: S3BucketProperties = open.properties_as().unwrap();
        assert!(open.public && open.policy_public && open.policy_present);
        assert!(!open.policy_denies_insecure_transport && !open.public_access_blocked);

        let restricted = BucketFacts {
            public_access_block: Some(public_access_block(
                Some(false),
                Some(false),
                Some(false),
                Some(true),
            )),
            ..facts
        };
        let restricted: S3BucketProperties = transform_bucket(&origin(), restricted)
            .properties_as()
            .unwrap();
        assert!(restricted.policy_public && !restricted.public);
    }

    #[test]
    fn locations_map_to_regions() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("eu-central-1")), "eu-central-1");
    }
}
