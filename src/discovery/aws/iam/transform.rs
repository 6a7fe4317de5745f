//! Pure transforms from aws-sdk-iam values (and the credential report's CSV, and policy JSON) to
//! Infracast nodes. No SDK calls and no clock: "now" is passed in, so every age is reproducible
//! in the unit tests below. IAM is global: every node is in the scope region `global`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_iam::primitives::DateTime as SdkDateTime;
use aws_sdk_iam::types as iam;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::super::node_builder::regional_node;
use crate::model::properties::*;
use crate::model::{Node, NodeType};

pub use super::super::service::Origin;

/// The policy whose attachment CIS 1.17 asks for.
pub const SUPPORT_ACCESS_POLICY_ARN: &str = "arn:aws:iam::aws:policy/AWSSupportAccess";

fn node(
    origin: &Origin,
    node_type: NodeType,
    raw_id: &str,
    name: &str,
    properties: &impl Serialize,
) -> Node {
    regional_node(origin, node_type, raw_id, name, BTreeMap::new(), properties)
}

/// Whole days from `then` to `now` (negative when `then` is in the future).
pub fn days_between(then: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - then).num_seconds().div_euclid(86_400)
}

fn sdk_time(value: Option<&SdkDateTime>) -> Option<DateTime<Utc>> {
    let value = value?;
    DateTime::from_timestamp(value.secs(), value.subsec_nanos())
}

/// IAM returns policy documents URL-encoded (RFC 3986); some endpoints send them plain.
pub fn decode_policy_document(document: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(document) {
        return Some(value);
    }
    let bytes = document.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .and_then(|digit| (*digit as char).to_digit(16))
        };
        if bytes[index] == b'%'
            && let (Some(high), Some(low)) = (hex(index + 1), hex(index + 2))
        {
            // Invariant: two hex digits make at most 255.
            let byte = (high * 16 + low) as u8;
            decoded.push(byte);
            index += 3;
            continue;
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    serde_json::from_slice(&decoded).ok()
}

/// A JSON string or list of strings as a list.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(single)) => vec![single.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(document: &Value) -> Vec<&Value> {
    match document.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

fn is_allow(statement: &Value) -> bool {
    statement.get("Effect").and_then(Value::as_str) == Some("Allow")
}

/// What a policy document allows, as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyAnalysis {
    /// An `Allow` statement with Action `*` or `*:*` on Resource `*` (no `NotAction`).
    pub grants_full_admin: bool,
    pub allowed_actions: Vec<String>,
}

pub fn analyse_policy_document(document: &Value) -> PolicyAnalysis {
    let mut analysis = PolicyAnalysis::default();
    let mut actions = BTreeSet::new();
    for statement in statements(document).into_iter().filter(|s| is_allow(s)) {
        let statement_actions = strings(statement.get("Action"));
        let resources = strings(statement.get("Resource"));
        if statement_actions.iter().any(|a| a == "*" || a == "*:*")
            && resources.iter().any(|r| r == "*")
        {
            analysis.grants_full_admin = true;
        }
        actions.extend(statement_actions);
    }
    analysis.allowed_actions = actions.into_iter().collect();
    analysis
}

/// The principals of a trust policy's `Allow` statements, as `kind:identifier` strings, and
/// whether one of them is every AWS principal without a condition.
pub fn trusted_principals(document: &Value) -> (Vec<String>, bool) {
    let mut principals = BTreeSet::new();
    let mut anyone = false;
    for statement in statements(document).into_iter().filter(|s| is_allow(s)) {
        let unconditional = statement.get("Condition").is_none();
        match statement.get("Principal") {
            Some(Value::String(star)) if star == "*" => {
                principals.insert("aws:*".to_string());
                anyone |= unconditional;
            }
            Some(Value::Object(map)) => {
                for (kind, value) in map {
                    let kind = match kind.as_str() {
                        "AWS" => "aws",
                        "Service" => "service",
                        "Federated" => "federated",
                        "CanonicalUser" => "canonical_user",
                        _ => continue,
                    };
                    for identifier in strings(Some(value)) {
                        if kind == "aws" && identifier == "*" {
                            anyone |= unconditional;
                        }
                        principals.insert(format!("{kind}:{identifier}"));
                    }
                }
            }
            _ => {}
        }
    }
    (principals.into_iter().collect(), anyone)
}

/// One row of the credential report, with its dates turned into ages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialRow {
    pub password_enabled: bool,
    pub password_last_used_days: Option<i64>,
    pub mfa_active: bool,
    pub access_keys: Vec<AccessKey>,
    pub user_age_days: Option<i64>,
}

/// The credential report: the `<root_account>` row and one row per user, by user name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialReport {
    pub root: Option<CredentialRow>,
    pub users: HashMap<String, CredentialRow>,
}

fn report_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

/// Parses the credential report CSV (its fields are never quoted: names and ARNs hold no
/// commas). Unknown columns are ignored; a missing column reads as "no information".
pub fn parse_credential_report(csv: &str, now: DateTime<Utc>) -> CredentialReport {
    let mut lines = csv.lines();
    let Some(header) = lines.next() else {
        return CredentialReport::default();
    };
    let columns: HashMap<&str, usize> = header
        .split(',')
        .enumerate()
        .map(|(index, name)| (name.trim(), index))
        .collect();
    let mut report = CredentialReport::default();
    for line in lines.filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let field = |name: &str| {
            columns
                .get(name)
                .and_then(|index| fields.get(*index))
                .map(|value| value.trim())
                .unwrap_or("")
        };
        let age = |name: &str| report_date(field(name)).map(|date| days_between(date, now));
        let access_keys = [1, 2]
            .into_iter()
            .map(|number| AccessKey {
                number,
                active: field(&format!("access_key_{number}_active")) == "true",
                age_days: age(&format!("access_key_{number}_last_rotated")),
                last_used_days: age(&format!("access_key_{number}_last_used_date")),
            })
            .filter(|key| key.active || key.age_days.is_some())
            .collect();
        let row = CredentialRow {
            password_enabled: field("password_enabled") == "true",
            password_last_used_days: age("password_last_used"),
            mfa_active: field("mfa_active") == "true",
            access_keys,
            user_age_days: age("user_creation_time"),
        };
        match field("user") {
            "<root_account>" => report.root = Some(row),
            "" => {}
            user => {
                report.users.insert(user.to_string(), row);
            }
        }
    }
    report
}

/// The root user's last use: its password or either key, whichever is most recent.
pub fn root_last_used_days(root: &CredentialRow) -> Option<i64> {
    root.access_keys
        .iter()
        .filter_map(|key| key.last_used_days)
        .chain(root.password_last_used_days)
        .min()
}

fn attached_arns(policies: &[iam::AttachedPolicy]) -> Vec<String> {
    policies
        .iter()
        .filter_map(|policy| policy.policy_arn().map(str::to_string))
        .collect()
}

fn inline_names(policies: &[iam::PolicyDetail]) -> Vec<String> {
    policies
        .iter()
        .filter_map(|policy| policy.policy_name().map(str::to_string))
        .collect()
}

pub fn transform_user(
    origin: &Origin,
    user: &iam::UserDetail,
    credentials: Option<&CredentialRow>,
    now: DateTime<Utc>,
) -> Option<Node> {
    let user_name = user.user_name()?;
    let created = sdk_time(user.create_date());
    let credentials = credentials.cloned().unwrap_or_default();
    let active_keys: Vec<&AccessKey> = credentials
        .access_keys
        .iter()
        .filter(|key| key.active)
        .collect();
    let age_days = created.map(|date| days_between(date, now));
    // A credential never used has been unused since it was created.
    let mut unused = Vec::new();
    if credentials.password_enabled {
        unused.extend(credentials.password_last_used_days.or(age_days));
    }
    for key in &active_keys {
        unused.extend(key.last_used_days.or(key.age_days));
    }
    let properties = IamUserProperties {
        user_name: user_name.to_string(),
        arn: user.arn().unwrap_or_default().to_string(),
        path: user.path().unwrap_or("/").to_string(),
        created: created.map(|date| date.to_rfc3339()),
        age_days,
        password_enabled: credentials.password_enabled,
        password_last_used_days: credentials.password_last_used_days,
        mfa_active: credentials.mfa_active,
        active_access_key_count: active_keys.len() as i64,
        oldest_active_key_age_days: active_keys.iter().filter_map(|key| key.age_days).max(),
        longest_unused_credential_days: unused.into_iter().max(),
        access_keys: credentials.access_keys.clone(),
        groups: user.group_list().to_vec(),
        attached_policy_arns: attached_arns(user.attached_managed_policies()),
        inline_policy_names: inline_names(user.user_policy_list()),
    };
    Some(node(
        origin,
        NodeType::IamUser,
        user_name,
        user_name,
        &properties,
    ))
}

pub fn transform_group(origin: &Origin, group: &iam::GroupDetail) -> Option<Node> {
    let group_name = group.group_name()?;
    let properties = IamGroupProperties {
        group_name: group_name.to_string(),
        arn: group.arn().unwrap_or_default().to_string(),
        path: group.path().unwrap_or("/").to_string(),
        attached_policy_arns: attached_arns(group.attached_managed_policies()),
        inline_policy_names: inline_names(group.group_policy_list()),
    };
    Some(node(
        origin,
        NodeType::IamGroup,
        group_name,
        group_name,
        &properties,
    ))
}

pub fn transform_role(origin: &Origin, role: &iam::RoleDetail, now: DateTime<Utc>) -> Option<Node> {
    let role_name = role.role_name()?;
    let (trusted, trusts_anyone) = role
        .assume_role_policy_document()
        .and_then(decode_policy_document)
        .map(|document| trusted_principals(&document))
        .unwrap_or_default();
    let path = role.path().unwrap_or("/").to_string();
    let properties = IamRoleProperties {
        role_name: role_name.to_string(),
        arn: role.arn().unwrap_or_default().to_string(),
        service_linked: path.starts_with("/aws-service-role/"),
        path,
        trusted_principals: trusted,
        trusts_anyone,
        attached_policy_arns: attached_arns(role.attached_managed_policies()),
        inline_policy_names: inline_names(role.role_policy_list()),
        instance_profile_names: role
            .instance_profile_list()
            .iter()
            .map(|profile| profile.instance_profile_name().to_string())
            .collect(),
        last_used_days: sdk_time(role.role_last_used().and_then(|used| used.last_used_date()))
            .map(|date| days_between(date, now)),
    };
    Some(node(
        origin,
        NodeType::IamRole,
        role_name,
        role_name,
        &properties,
    ))
}

/// A customer-managed policy with its default version analysed. `attachment_count` is counted
/// from the attachments discovery saw (the SDK's own count is optional).
pub fn transform_policy(
    origin: &Origin,
    policy: &iam::ManagedPolicyDetail,
    attachment_count: i64,
) -> Option<Node> {
    let arn = policy.arn()?;
    let policy_name = policy.policy_name().unwrap_or(arn);
    let default_version = policy
        .policy_version_list()
        .iter()
        .find(|version| version.is_default_version())
        .or_else(|| {
            policy
                .policy_version_list()
                .iter()
                .find(|version| version.version_id() == policy.default_version_id())
        });
    let analysis = default_version
        .and_then(|version| version.document())
        .and_then(decode_policy_document)
        .map(|document| analyse_policy_document(&document))
        .unwrap_or_default();
    let properties = IamPolicyProperties {
        policy_name: policy_name.to_string(),
        arn: arn.to_string(),
        aws_managed: arn.starts_with("arn:aws:iam::aws:"),
        attachment_count: policy
            .attachment_count()
            .map(i64::from)
            .unwrap_or(0)
            .max(attachment_count),
        default_version_id: policy.default_version_id().map(str::to_string),
        grants_full_admin: analysis.grants_full_admin,
        allowed_actions: analysis.allowed_actions,
    };
    Some(node(
        origin,
        NodeType::IamPolicy,
        arn,
        policy_name,
        &properties,
    ))
}

/// An AWS-managed policy that something is attached to (its document is AWS's, not read).
pub fn aws_managed_policy_node(origin: &Origin, arn: &str, attachment_count: i64) -> Node {
    let policy_name = arn.rsplit('/').next().unwrap_or(arn);
    let properties = IamPolicyProperties {
        policy_name: policy_name.to_string(),
        arn: arn.to_string(),
        aws_managed: true,
        attachment_count,
        grants_full_admin: arn == "arn:aws:iam::aws:policy/AdministratorAccess",
        ..IamPolicyProperties::default()
    };
    node(origin, NodeType::IamPolicy, arn, policy_name, &properties)
}

pub fn transform_instance_profile(origin: &Origin, profile: &iam::InstanceProfile) -> Option<Node> {
    let name = profile.instance_profile_name();
    if name.is_empty() {
        return None;
    }
    let properties = IamInstanceProfileProperties {
        instance_profile_name: name.to_string(),
        arn: profile.arn().to_string(),
        role_names: profile
            .roles()
            .iter()
            .map(|role| role.role_name().to_string())
            .collect(),
    };
    Some(node(
        origin,
        NodeType::IamInstanceProfile,
        name,
        name,
        &properties,
    ))
}

pub fn transform_server_certificate(
    origin: &Origin,
    certificate: &iam::ServerCertificateMetadata,
    now: DateTime<Utc>,
) -> Option<Node> {
    let name = certificate.server_certificate_name();
    if name.is_empty() {
        return None;
    }
    let expiration = sdk_time(certificate.expiration());
    let properties = IamServerCertificateProperties {
        server_certificate_name: name.to_string(),
        arn: certificate.arn().to_string(),
        expiration: expiration.map(|date| date.to_rfc3339()),
        days_until_expiry: expiration.map(|date| -days_between(date, now)),
    };
    Some(node(
        origin,
        NodeType::IamServerCertificate,
        name,
        name,
        &properties,
    ))
}

/// A principal a role trusts that is not a user or role of the graph.
pub fn principal_node(origin: &Origin, principal: &str) -> Option<Node> {
    let (kind, identifier) = principal.split_once(':')?;
    if identifier.is_empty() || identifier.chars().any(char::is_whitespace) {
        return None;
    }
    let account_id = (kind == "aws")
        .then(|| {
            if identifier.len() == 12 && identifier.chars().all(|c| c.is_ascii_digit()) {
                Some(identifier.to_string())
            } else {
                identifier.split(':').nth(4).map(str::to_string)
            }
        })
        .flatten()
        .filter(|account| !account.is_empty());
    let properties = IamPrincipalProperties {
        principal_kind: kind.to_string(),
        identifier: identifier.to_string(),
        account_id,
    };
    Some(node(
        origin,
        NodeType::IamPrincipal,
        principal,
        identifier,
        &properties,
    ))
}

/// The principal nodes for what roles trust outside the graph (not a user or role of `nodes`),
/// once each.
pub fn principal_nodes(origin: &Origin, nodes: &[Node]) -> Vec<Node> {
    let mut known = BTreeSet::new();
    let mut trusted = BTreeSet::new();
    for node in nodes {
        match node.node_type {
            NodeType::IamUser => known.extend(
                node.properties_as::<IamUserProperties>()
                    .ok()
                    .map(|user| format!("aws:{}", user.arn)),
            ),
            NodeType::IamRole => {
                if let Ok(role) = node.properties_as::<IamRoleProperties>() {
                    known.insert(format!("aws:{}", role.arn));
                    trusted.extend(role.trusted_principals);
                }
            }
            _ => {}
        }
    }
    trusted
        .difference(&known)
        .filter_map(|principal| principal_node(origin, principal))
        .collect()
}

/// The account node: root user, password policy, AWSSupportAccess holders.
pub struct AccountFacts<'a> {
    pub summary: Option<&'a HashMap<iam::SummaryKeyType, i32>>,
    pub password_policy: Option<&'a iam::PasswordPolicy>,
    pub report: Option<&'a CredentialReport>,
    /// Serial numbers of the account's virtual MFA devices.
    pub virtual_mfa_serials: &'a [String],
    pub support_access_principals: Vec<String>,
}

pub fn transform_account(origin: &Origin, facts: AccountFacts<'_>) -> Node {
    let summary_flag = |key: iam::SummaryKeyType| {
        facts
            .summary
            .and_then(|summary| summary.get(&key))
            .is_some_and(|value| *value > 0)
    };
    let root_mfa_enabled = summary_flag(iam::SummaryKeyType::AccountMfaEnabled);
    let root_virtual_mfa = facts
        .virtual_mfa_serials
        .iter()
        .any(|serial| serial.ends_with(":mfa/root-account-mfa-device"));
    let password_policy = facts.password_policy.map(|policy| PasswordPolicy {
        minimum_password_length: policy.minimum_password_length().map(i64::from).unwrap_or(6),
        require_symbols: policy.require_symbols(),
        require_numbers: policy.require_numbers(),
        require_uppercase_characters: policy.require_uppercase_characters(),
        require_lowercase_characters: policy.require_lowercase_characters(),
        allow_users_to_change_password: policy.allow_users_to_change_password(),
        expire_passwords: policy.expire_passwords(),
        max_password_age: policy.max_password_age().map(i64::from),
        password_reuse_prevention: policy.password_reuse_prevention().map(i64::from),
        hard_expiry: policy.hard_expiry().unwrap_or(false),
    });
    let properties = IamAccountProperties {
        account_id: origin.account.clone(),
        root_mfa_enabled,
        root_hardware_mfa_enabled: root_mfa_enabled && !root_virtual_mfa,
        root_access_keys_present: summary_flag(iam::SummaryKeyType::AccountAccessKeysPresent),
        root_last_used_days: facts
            .report
            .and_then(|report| report.root.as_ref())
            .and_then(root_last_used_days),
        credential_report_available: facts.report.is_some(),
        password_policy_present: password_policy.is_some(),
        password_policy: password_policy.unwrap_or_default(),
        support_access_principals: facts.support_access_principals,
    };
    node(
        origin,
        NodeType::IamAccount,
        &origin.account,
        &origin.account,
        &properties,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn origin() -> Origin {
        Origin {
            account: "123456789012".into(),
            region: "global".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        report_date("2026-12-01T00:00:00+00:00").unwrap()
    }

    #[test]
    fn credential_report_rows_become_ages_per_user_and_root() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n\
<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-21T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
alice,arn:aws:iam::123456789012:user/alice,2026-01-01T00:00:00+00:00,true,no_information,N/A,N/A,false,true,2026-06-04T00:00:00+00:00,2026-11-30T12:00:00+00:00,us-east-1,s3,true,2026-11-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n";
        let report = parse_credential_report(csv, now());
        let root = report.root.as_ref().unwrap();
        assert_eq!(root.password_last_used_days, Some(10));
        assert!(root.mfa_active);
        assert_eq!(root_last_used_days(root), Some(10));
        let alice = &report.users["alice"];
        assert!(alice.password_enabled);
        assert!(!alice.mfa_active);
        assert_eq!(alice.password_last_used_days, None);
        assert_eq!(
            alice.access_keys,
            vec![
                AccessKey {
                    number: 1,
                    active: true,
                    age_days: Some(180),
                    last_used_days: Some(0)
                },
                AccessKey {
                    number: 2,
                    active: true,
                    age_days: Some(30),
                    last_used_days: None
                },
            ]
        );
        assert_eq!(alice.user_age_days, Some(334));
    }

    #[test]
    fn user_summarises_keys_and_unused_credentials() {
        let mut report = CredentialReport::default();
        report.users.insert(
            "bob".into(),
            CredentialRow {
                password_enabled: true,
                password_last_used_days: Some(3),
                mfa_active: false,
                access_keys: vec![
                    AccessKey {
                        number: 1,
                        active: true,
                        age_days: Some(120),
                        last_used_days: None,
                    },
                    AccessKey {
                        number: 2,
                        active: false,
                        age_days: Some(400),
                        last_used_days: Some(300),
                    },
                ],
                user_age_days: Some(200),
            },
        );
        let user = iam::UserDetail::builder()
            .user_name("bob")
            .arn("arn:aws:iam::123456789012:user/bob")
            .create_date(SdkDateTime::from_secs(now().timestamp() - 200 * 86_400))
            .group_list("admins")
            .attached_managed_policies(
                iam::AttachedPolicy::builder()
                    .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
                    .build(),
            )
            .user_policy_list(
                iam::PolicyDetail::builder()
                    .policy_name("inline-one")
                    .build(),
            )
            .build();
        let node = transform_user(&origin(), &user, report.users.get("bob"), now()).unwrap();
        assert_eq!(node.id.as_str(), "aws:global:aws.iam.user:bob");
        let properties = node.properties_as::<IamUserProperties>().unwrap();
        assert_eq!(properties.active_access_key_count, 1);
        assert_eq!(properties.oldest_active_key_age_days, Some(120));
        // The active key was never used: unused since its creation, 120 days ago.
        assert_eq!(properties.longest_unused_credential_days, Some(120));
        assert_eq!(properties.age_days, Some(200));
        assert_eq!(properties.groups, vec!["admins".to_string()]);
        assert_eq!(
            properties.inline_policy_names,
            vec!["inline-one".to_string()]
        );
        assert!(!properties.mfa_active);
    }

    #[test]
    fn admin_statements_are_flagged_and_narrow_ones_are_not() {
        let admin = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        assert!(analyse_policy_document(&admin).grants_full_admin);
        let admin_list =
            json!({"Statement": {"Effect": "Allow", "Action": ["s3:*", "*:*"], "Resource": ["*"]}});
        assert!(analyse_policy_document(&admin_list).grants_full_admin);
        let denied = json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]});
        assert!(!analyse_policy_document(&denied).grants_full_admin);
        let scoped = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}]});
        assert!(!analyse_policy_document(&scoped).grants_full_admin);
        let service =
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
        let analysis = analyse_policy_document(&service);
        assert!(!analysis.grants_full_admin);
        assert_eq!(analysis.allowed_actions, vec!["s3:*".to_string()]);
    }

    #[test]
    fn url_encoded_documents_are_decoded() {
        let encoded = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let document = decode_policy_document(encoded).unwrap();
        assert!(analyse_policy_document(&document).grants_full_admin);
        assert!(decode_policy_document("not json %zz").is_none());
    }

    #[test]
    fn trust_principals_are_listed_by_kind() {
        let document = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}},
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]});
        let (principals, anyone) = trusted_principals(&document);
        assert_eq!(
            principals,
            vec![
                "aws:arn:aws:iam::111122223333:root".to_string(),
                "service:ec2.amazonaws.com".to_string(),
                "service:lambda.amazonaws.com".to_string(),
            ]
        );
        assert!(!anyone);
        let open = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]});
        assert_eq!(trusted_principals(&open), (vec!["aws:*".to_string()], true));
        let node = principal_node(&origin(), "aws:arn:aws:iam::111122223333:root").unwrap();
        let properties = node.properties_as::<IamPrincipalProperties>().unwrap();
        assert_eq!(properties.account_id.as_deref(), Some("111122223333"));
        assert_eq!(properties.principal_kind, "aws");
    }

    #[test]
    fn account_reads_root_mfa_kind_and_password_policy() {
        let summary = HashMap::from([
            (iam::SummaryKeyType::AccountMfaEnabled, 1),
            (iam::SummaryKeyType::AccountAccessKeysPresent, 0),
        ]);
        let policy = iam::PasswordPolicy::builder()
            .minimum_password_length(8)
            .password_reuse_prevention(5)
            .build();
        let serials = vec!["arn:aws:iam::123456789012:mfa/root-account-mfa-device".to_string()];
        let node = transform_account(
            &origin(),
            AccountFacts {
                summary: Some(&summary),
                password_policy: Some(&policy),
                report: None,
                virtual_mfa_serials: &serials,
                support_access_principals: Vec::new(),
            },
        );
        let properties = node.properties_as::<IamAccountProperties>().unwrap();
        assert!(properties.root_mfa_enabled);
        assert!(
            !properties.root_hardware_mfa_enabled,
            "a virtual device is not hardware"
        );
        assert!(!properties.root_access_keys_present);
        assert!(!properties.credential_report_available);
        assert!(properties.password_policy_present);
        let policy = properties.password_policy;
        assert_eq!(policy.minimum_password_length, 8);
        assert_eq!(policy.password_reuse_prevention, Some(5));
        assert!(!policy.require_symbols);
    }

    #[test]
    fn expired_certificates_count_negative_days() {
        let certificate = iam::ServerCertificateMetadata::builder()
            .server_certificate_name("old")
            .server_certificate_id("id")
            .path("/")
            .arn("arn:aws:iam::123456789012:server-certificate/old")
            .expiration(SdkDateTime::from_secs(now().timestamp() - 3 * 86_400))
            .build()
            .unwrap();
        let node = transform_server_certificate(&origin(), &certificate, now()).unwrap();
        let properties = node
            .properties_as::<IamServerCertificateProperties>()
            .unwrap();
        assert_eq!(properties.days_until_expiry, Some(-3));
    }
}
