//! The property shapes of the IAM node types (`aws.iam.*`), a global service: its nodes live in
//! the scope region `global`. Ages are whole days counted at discovery time (the engines are pure
//! and have no clock; a rescan refreshes them). Plain data: no IO.

use serde::{Deserialize, Serialize};

use super::NodeProperties;

/// `aws.iam.account`: what IAM says about the account as a whole: the root user, the password
/// policy and who holds the AWSSupportAccess policy. One per account (raw id: the account id).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamAccountProperties {
    pub account_id: String,
    /// `AccountMFAEnabled` of the account summary.
    pub root_mfa_enabled: bool,
    /// The root user has MFA and it is not a virtual device.
    pub root_hardware_mfa_enabled: bool,
    /// `AccountAccessKeysPresent` of the account summary.
    pub root_access_keys_present: bool,
    /// Days since the root user last signed in or used a key, from the credential report's
    /// `<root_account>` row; `None` when never used or unknown.
    pub root_last_used_days: Option<i64>,
    /// Whether the credential report was read (the per-user credential fields depend on it).
    pub credential_report_available: bool,
    /// The account has a password policy; without one AWS's defaults apply (the fields below
    /// then read as their zero values).
    pub password_policy_present: bool,
    /// The password policy's fields, flattened so a rule reads them directly.
    #[serde(flatten)]
    pub password_policy: PasswordPolicy,
    /// Users, groups and roles the AWS-managed `AWSSupportAccess` policy is attached to (ARNs).
    pub support_access_principals: Vec<String>,
}

/// The account's password policy, in AWS's terms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    pub minimum_password_length: i64,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    pub expire_passwords: bool,
    /// Days; `None` when passwords do not expire.
    pub max_password_age: Option<i64>,
    /// How many previous passwords cannot be reused; `None` when reuse is not prevented.
    pub password_reuse_prevention: Option<i64>,
    pub hard_expiry: bool,
}

impl NodeProperties for IamAccountProperties {
    fn defaults() -> Self {
        IamAccountProperties {
            root_mfa_enabled: true,
            root_hardware_mfa_enabled: true,
            credential_report_available: true,
            password_policy_present: true,
            password_policy: PasswordPolicy::example(),
            support_access_principals: vec!["arn:aws:iam::123456789012:role/support".into()],
            ..Default::default()
        }
    }

    fn example() -> Self {
        IamAccountProperties {
            account_id: "123456789012".into(),
            root_last_used_days: Some(400),
            ..Self::defaults()
        }
    }
}

impl PasswordPolicy {
    /// The policy CIS 1.8/1.9 and Prowler accept.
    pub fn example() -> Self {
        PasswordPolicy {
            minimum_password_length: 14,
            require_symbols: true,
            require_numbers: true,
            require_uppercase_characters: true,
            require_lowercase_characters: true,
            allow_users_to_change_password: true,
            expire_passwords: true,
            max_password_age: Some(90),
            password_reuse_prevention: Some(24),
            hard_expiry: false,
        }
    }
}

/// One access key of a user, from the credential report (which numbers them 1 and 2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccessKey {
    pub number: i64,
    pub active: bool,
    /// Days since the key was created or last rotated.
    pub age_days: Option<i64>,
    /// Days since the key was last used; `None` when never used.
    pub last_used_days: Option<i64>,
}

/// `aws.iam.user` (raw id: the user name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamUserProperties {
    pub user_name: String,
    pub arn: String,
    pub path: String,
    pub created: Option<String>,
    /// Days since the user was created.
    pub age_days: Option<i64>,
    /// A console password is set.
    pub password_enabled: bool,
    /// Days since the password was last used; `None` when never used or unknown.
    pub password_last_used_days: Option<i64>,
    pub mfa_active: bool,
    pub access_keys: Vec<AccessKey>,
    pub active_access_key_count: i64,
    /// The oldest active key's age in days; `None` without active keys.
    pub oldest_active_key_age_days: Option<i64>,
    /// Days the least recently used active credential (password or key) has gone unused,
    /// counting from its creation when never used; `None` without active credentials.
    pub longest_unused_credential_days: Option<i64>,
    pub groups: Vec<String>,
    pub attached_policy_arns: Vec<String>,
    pub inline_policy_names: Vec<String>,
}

impl NodeProperties for IamUserProperties {
    fn defaults() -> Self {
        IamUserProperties {
            path: "/".into(),
            mfa_active: true,
            ..Default::default()
        }
    }

    fn example() -> Self {
        IamUserProperties {
            user_name: "alice".into(),
            arn: "arn:aws:iam::123456789012:user/alice".into(),
            created: Some("2026-01-05T09:30:00Z".into()),
            age_days: Some(300),
            password_enabled: true,
            password_last_used_days: Some(2),
            access_keys: vec![AccessKey {
                number: 1,
                active: true,
                age_days: Some(30),
                last_used_days: Some(1),
            }],
            active_access_key_count: 1,
            oldest_active_key_age_days: Some(30),
            longest_unused_credential_days: Some(2),
            groups: vec!["developers".into()],
            ..Self::defaults()
        }
    }

    fn list_item_defaults(field: &str) -> Option<serde_json::Value> {
        (field == "access_keys").then(|| super::to_json(&AccessKey::default()))
    }
}

/// `aws.iam.group` (raw id: the group name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamGroupProperties {
    pub group_name: String,
    pub arn: String,
    pub path: String,
    pub attached_policy_arns: Vec<String>,
    pub inline_policy_names: Vec<String>,
}

impl NodeProperties for IamGroupProperties {
    fn defaults() -> Self {
        IamGroupProperties {
            path: "/".into(),
            ..Default::default()
        }
    }

    fn example() -> Self {
        IamGroupProperties {
            group_name: "developers".into(),
            arn: "arn:aws:iam::123456789012:group/developers".into(),
            attached_policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            ..Self::defaults()
        }
    }
}

/// `aws.iam.role` (raw id: the role name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamRoleProperties {
    pub role_name: String,
    pub arn: String,
    pub path: String,
    /// Who may assume the role, one string per principal of an `Allow` statement of the trust
    /// policy: `service:ec2.amazonaws.com`, `aws:arn:aws:iam::111122223333:root`,
    /// `federated:…`, or `aws:*` for anyone.
    pub trusted_principals: Vec<String>,
    /// The trust policy allows every AWS principal (`"AWS": "*"`) without a condition.
    pub trusts_anyone: bool,
    pub attached_policy_arns: Vec<String>,
    pub inline_policy_names: Vec<String>,
    pub instance_profile_names: Vec<String>,
    /// Days since the role was last assumed; `None` when never or unknown.
    pub last_used_days: Option<i64>,
    pub service_linked: bool,
}

impl NodeProperties for IamRoleProperties {
    fn defaults() -> Self {
        IamRoleProperties {
            path: "/".into(),
            ..Default::default()
        }
    }

    fn example() -> Self {
        IamRoleProperties {
            role_name: "web".into(),
            arn: "arn:aws:iam::123456789012:role/web".into(),
            trusted_principals: vec!["service:ec2.amazonaws.com".into()],
            attached_policy_arns: vec!["arn:aws:iam::123456789012:policy/web-data".into()],
            instance_profile_names: vec!["web".into()],
            last_used_days: Some(0),
            ..Self::defaults()
        }
    }
}

/// `aws.iam.policy` (raw id: the policy ARN): customer-managed policies with their default
/// version's analysis, and AWS-managed ones that something is attached to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamPolicyProperties {
    pub policy_name: String,
    pub arn: String,
    pub aws_managed: bool,
    /// Users, groups and roles it is attached to.
    pub attachment_count: i64,
    pub default_version_id: Option<String>,
    /// An `Allow` statement grants Action `*` (or `*:*`) on Resource `*`.
    pub grants_full_admin: bool,
    /// Actions the default version allows (as written, for reading; not expanded).
    pub allowed_actions: Vec<String>,
}

impl NodeProperties for IamPolicyProperties {
    fn defaults() -> Self {
        IamPolicyProperties::default()
    }

    fn example() -> Self {
        IamPolicyProperties {
            policy_name: "web-data".into(),
            arn: "arn:aws:iam::123456789012:policy/web-data".into(),
            attachment_count: 1,
            default_version_id: Some("v1".into()),
            allowed_actions: vec!["s3:GetObject".into()],
            ..Self::defaults()
        }
    }
}

/// `aws.iam.instance_profile` (raw id: the profile name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamInstanceProfileProperties {
    pub instance_profile_name: String,
    pub arn: String,
    pub role_names: Vec<String>,
}

impl NodeProperties for IamInstanceProfileProperties {
    fn defaults() -> Self {
        IamInstanceProfileProperties::default()
    }

    fn example() -> Self {
        IamInstanceProfileProperties {
            instance_profile_name: "web".into(),
            arn: "arn:aws:iam::123456789012:instance-profile/web".into(),
            role_names: vec!["web".into()],
        }
    }
}

/// `aws.iam.server_certificate` (raw id: the certificate name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamServerCertificateProperties {
    pub server_certificate_name: String,
    pub arn: String,
    pub expiration: Option<String>,
    /// Days until expiry at discovery time; negative once expired.
    pub days_until_expiry: Option<i64>,
}

impl NodeProperties for IamServerCertificateProperties {
    fn defaults() -> Self {
        IamServerCertificateProperties {
            days_until_expiry: Some(200),
            ..Default::default()
        }
    }

    fn example() -> Self {
        IamServerCertificateProperties {
            server_certificate_name: "www".into(),
            arn: "arn:aws:iam::123456789012:server-certificate/www".into(),
            expiration: Some("2027-06-01T00:00:00Z".into()),
            ..Self::defaults()
        }
    }
}

/// `aws.iam.principal` (raw id: as in `IamRoleProperties::trusted_principals`): a principal a
/// role trusts that is not itself in the graph (a service, another account, a federation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IamPrincipalProperties {
    /// `service`, `aws`, `federated` or `canonical_user`.
    pub principal_kind: String,
    pub identifier: String,
    /// For `aws` principals: the account the principal belongs to, when the ARN names one.
    pub account_id: Option<String>,
}

impl NodeProperties for IamPrincipalProperties {
    fn defaults() -> Self {
        IamPrincipalProperties::default()
    }

    fn example() -> Self {
        IamPrincipalProperties {
            principal_kind: "service".into(),
            identifier: "ec2.amazonaws.com".into(),
            account_id: None,
        }
    }
}
