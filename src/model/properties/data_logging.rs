//! Property shapes of the data-store and logging services (S3, CloudTrail, AWS Config, IAM Access
//! Analyzer, KMS, EFS), registered in `node_types!` of `model/properties.rs`. Plain data: no IO.
//!
//! Account- or region-wide facts that a rule must be able to fail on (no trail in a region, no
//! Config recorder, no Access Analyzer, the account's S3 public access block) are carried by one
//! settings node per region, because a missing resource cannot fail a rule on its own. A settings
//! node is written only when its facts are known: an endpoint that does not answer the call gets a
//! recorded gap and no node, so no control reads "pass" from data that was never collected.

use serde::{Deserialize, Serialize};

use super::NodeProperties;

/// The four switches of an S3 public access block (bucket or account level).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// True when all four switches are on (what CIS 2.1.4 asks for).
    pub fn blocks_all(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }

    fn all_on() -> Self {
        PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        }
    }
}

/// `aws.s3.bucket`: one bucket, in the collection of the region it lives in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3BucketProperties {
    pub bucket_name: String,
    pub arn: String,
    pub creation_date: Option<String>,
    /// The bucket-level block; `None` when the bucket has none configured.
    pub public_access_block: Option<PublicAccessBlock>,
    /// Whether the account-level block turns all four switches on (`None`: unknown); set from the
    /// region's `aws.s3.account_settings` node when linking.
    pub account_blocks_all_public_access: Option<bool>,
    /// True when the bucket's block or the account's block turns every switch on.
    pub public_access_blocked: bool,
    pub policy_present: bool,
    /// The policy allows a `*` principal without a restricting condition.
    pub policy_public: bool,
    /// The policy denies requests with `aws:SecureTransport = false`.
    pub policy_denies_insecure_transport: bool,
    /// ACL grants to AllUsers or AuthenticatedUsers, as `AllUsers:READ`.
    pub acl_public_grants: Vec<String>,
    /// Anyone can reach the bucket through its policy, after the public access blocks.
    pub public_via_policy: bool,
    /// Anyone can reach the bucket through an ACL grant, after the public access blocks.
    pub public_via_acl: bool,
    /// `public_via_policy || public_via_acl`.
    pub public: bool,
    /// `AES256`, `aws:kms`, `aws:kms:dsse`; `None` without default encryption.
    pub default_encryption: Option<String>,
    /// `default_encryption` is set (a plain flag, so rule examples can say "off").
    pub default_encryption_enabled: bool,
    pub kms_key_id: Option<String>,
    /// `Enabled`, `Suspended`, or empty when versioning was never enabled.
    pub versioning: String,
    pub mfa_delete: bool,
    pub logging_enabled: bool,
    pub logging_target_bucket: Option<String>,
    pub object_lock_enabled: bool,
    /// Per-bucket calls the endpoint did not support (recorded gaps).
    pub unsupported_calls: Vec<String>,
}

impl NodeProperties for S3BucketProperties {
    fn defaults() -> Self {
        S3BucketProperties {
            public_access_block: Some(PublicAccessBlock::all_on()),
            public_access_blocked: true,
            policy_present: true,
            policy_denies_insecure_transport: true,
            default_encryption: Some("AES256".into()),
            default_encryption_enabled: true,
            versioning: "Enabled".into(),
            logging_enabled: true,
            ..Default::default()
        }
    }

    fn example() -> Self {
        S3BucketProperties {
            bucket_name: "acme-audit-logs".into(),
            arn: "arn:aws:s3:::acme-audit-logs".into(),
            creation_date: Some("2026-01-05T09:30:00Z".into()),
            account_blocks_all_public_access: Some(true),
            default_encryption: Some("aws:kms".into()),
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/1234abcd".into()),
            mfa_delete: true,
            logging_target_bucket: Some("acme-access-logs".into()),
            object_lock_enabled: true,
            ..Self::defaults()
        }
    }
}

/// `aws.s3.account_settings` (raw id: the account): the account's S3 public access block, as
/// seen from one region. The setting is account-wide; each region carries its own copy so each
/// region's scope owns (and may tombstone) what it wrote. Written only when S3 Control answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct S3AccountSettingsProperties {
    pub account_id: String,
    /// `None` when the account has no block configured.
    pub public_access_block: Option<PublicAccessBlock>,
    pub blocks_all_public_access: bool,
}

impl NodeProperties for S3AccountSettingsProperties {
    fn defaults() -> Self {
        S3AccountSettingsProperties {
            public_access_block: Some(PublicAccessBlock::all_on()),
            blocks_all_public_access: true,
            ..Default::default()
        }
    }

    fn example() -> Self {
        S3AccountSettingsProperties {
            account_id: "123456789012".into(),
            ..Self::defaults()
        }
    }
}

/// `aws.cloudtrail.trail`: a trail, in its home region only (shadow copies of multi-region
/// trails are not nodes; they count in each region's `aws.cloudtrail.region_settings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudTrailTrailProperties {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub is_multi_region: bool,
    pub is_organization_trail: bool,
    /// From GetTrailStatus; `None` when the status could not be read.
    pub is_logging: Option<bool>,
    pub log_file_validation_enabled: bool,
    pub kms_key_id: Option<String>,
    pub s3_bucket_name: Option<String>,
    /// The bucket's region (GetBucketLocation), so the edge names the bucket's node.
    pub s3_bucket_region: Option<String>,
    pub cloud_watch_logs_log_group_arn: Option<String>,
    pub include_global_service_events: bool,
    /// Management events recorded: `All`, `ReadOnly`, `WriteOnly`, or `None`.
    pub management_events: String,
    /// Object-level data events of every S3 bucket (basic or advanced selectors).
    pub s3_object_read_events: bool,
    pub s3_object_write_events: bool,
}

impl NodeProperties for CloudTrailTrailProperties {
    fn defaults() -> Self {
        CloudTrailTrailProperties {
            is_multi_region: true,
            is_logging: Some(true),
            log_file_validation_enabled: true,
            include_global_service_events: true,
            management_events: "All".into(),
            ..Default::default()
        }
    }

    fn example() -> Self {
        CloudTrailTrailProperties {
            name: "org-trail".into(),
            arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail".into(),
            home_region: "us-east-1".into(),
            s3_bucket_name: Some("acme-audit-logs".into()),
            s3_bucket_region: Some("us-east-1".into()),
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/1234abcd".into()),
            cloud_watch_logs_log_group_arn: Some(
                "arn:aws:logs:us-east-1:123456789012:log-group:trail:*".into(),
            ),
            s3_object_read_events: true,
            s3_object_write_events: true,
            ..Self::defaults()
        }
    }
}

/// `aws.cloudtrail.region_settings` (raw id: the account): which trails cover one region, its
/// own and other regions' multi-region trails.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloudTrailRegionSettingsProperties {
    pub trail_count: u32,
    /// Multi-region trails that are logging and record all management events (CIS 3.1).
    pub multi_region_logging_trail_count: u32,
    /// A logging trail covering the region records object-level reads / writes of all buckets.
    pub s3_object_read_events: bool,
    pub s3_object_write_events: bool,
    pub trail_arns: Vec<String>,
    /// The CloudWatch Logs groups (ARNs) that logging multi-region trails covering the region
    /// deliver to, shadow copies included: the CIS section 4 summary of a region that is not the
    /// trail's home learns from this where the trail's events are judged.
    pub multi_region_log_group_arns: Vec<String>,
}

impl NodeProperties for CloudTrailRegionSettingsProperties {
    fn defaults() -> Self {
        CloudTrailRegionSettingsProperties {
            trail_count: 1,
            multi_region_logging_trail_count: 1,
            s3_object_read_events: true,
            s3_object_write_events: true,
            ..Default::default()
        }
    }

    fn example() -> Self {
        CloudTrailRegionSettingsProperties {
            trail_arns: vec!["arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail".into()],
            ..Self::defaults()
        }
    }
}

/// `aws.config.recorder`: an AWS Config configuration recorder and its status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigRecorderProperties {
    pub name: String,
    pub role_arn: Option<String>,
    pub all_supported: bool,
    pub include_global_resource_types: bool,
    pub recording: bool,
    /// `Success`, `Failure`, `Pending`, from the recorder status.
    pub last_status: Option<String>,
}

impl NodeProperties for ConfigRecorderProperties {
    fn defaults() -> Self {
        ConfigRecorderProperties {
            all_supported: true,
            include_global_resource_types: true,
            recording: true,
            last_status: Some("Success".into()),
            ..Default::default()
        }
    }

    fn example() -> Self {
        ConfigRecorderProperties {
            name: "default".into(),
            role_arn: Some("arn:aws:iam::123456789012:role/config-recorder".into()),
            ..Self::defaults()
        }
    }
}

/// `aws.config.region_settings` (raw id: the account): the region's recorders in numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigRegionSettingsProperties {
    pub recorder_count: u32,
    /// Recorders that are recording every supported resource type.
    pub recording_all_resources_count: u32,
    pub recording: bool,
}

impl NodeProperties for ConfigRegionSettingsProperties {
    fn defaults() -> Self {
        ConfigRegionSettingsProperties {
            recorder_count: 1,
            recording_all_resources_count: 1,
            recording: true,
        }
    }

    fn example() -> Self {
        Self::defaults()
    }
}

/// `aws.accessanalyzer.analyzer`: one IAM Access Analyzer analyzer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessAnalyzerProperties {
    pub name: String,
    pub arn: String,
    /// `ACCOUNT`, `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, …
    pub analyzer_type: String,
    /// `ACTIVE`, `CREATING`, `DISABLED`, `FAILED`.
    pub status: String,
}

impl NodeProperties for AccessAnalyzerProperties {
    fn defaults() -> Self {
        AccessAnalyzerProperties {
            analyzer_type: "ACCOUNT".into(),
            status: "ACTIVE".into(),
            ..Default::default()
        }
    }

    fn example() -> Self {
        AccessAnalyzerProperties {
            name: "account-analyzer".into(),
            arn: "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/account-analyzer".into(),
            ..Self::defaults()
        }
    }
}

/// `aws.accessanalyzer.region_settings` (raw id: the account): written only where the Access
/// Analyzer API answered, so "not enabled" is never inferred from an endpoint without the API.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessAnalyzerRegionSettingsProperties {
    pub analyzer_count: u32,
    pub active_analyzer_count: u32,
}

impl NodeProperties for AccessAnalyzerRegionSettingsProperties {
    fn defaults() -> Self {
        AccessAnalyzerRegionSettingsProperties {
            analyzer_count: 1,
            active_analyzer_count: 1,
        }
    }

    fn example() -> Self {
        Self::defaults()
    }
}

/// `aws.kms.key`: a customer-managed KMS key (AWS-managed keys are not discovered).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KmsKeyProperties {
    pub key_id: String,
    pub arn: String,
    pub description: Option<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    pub key_state: String,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, …: only symmetric keys can rotate automatically.
    pub key_spec: String,
    pub key_usage: String,
    /// `None` where rotation does not apply or could not be read.
    pub rotation_enabled: Option<bool>,
    /// The key policy allows a `*` principal without a restricting condition.
    pub policy_public: bool,
}

impl NodeProperties for KmsKeyProperties {
    fn defaults() -> Self {
        KmsKeyProperties {
            key_state: "Enabled".into(),
            key_spec: "SYMMETRIC_DEFAULT".into(),
            key_usage: "ENCRYPT_DECRYPT".into(),
            rotation_enabled: Some(true),
            ..Default::default()
        }
    }

    fn example() -> Self {
        KmsKeyProperties {
            key_id: "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
            arn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                .into(),
            description: Some("audit logs".into()),
            ..Self::defaults()
        }
    }
}

/// `aws.efs.file_system`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EfsFileSystemProperties {
    pub file_system_id: String,
    pub arn: Option<String>,
    pub encrypted: bool,
    pub kms_key_id: Option<String>,
    /// `available`, `creating`, `deleting`, …
    pub life_cycle_state: String,
}

impl NodeProperties for EfsFileSystemProperties {
    fn defaults() -> Self {
        EfsFileSystemProperties {
            encrypted: true,
            life_cycle_state: "available".into(),
            ..Default::default()
        }
    }

    fn example() -> Self {
        EfsFileSystemProperties {
            file_system_id: "fs-0a1b2c3d".into(),
            arn: Some(
                "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0a1b2c3d".into(),
            ),
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/1234abcd".into()),
            ..Self::defaults()
        }
    }
}
