//! SDK calls only, once per account: the account summary, the password policy, the credential
//! report, the account authorization details (users, groups, roles and customer-managed policies
//! with their documents, in one paginated call instead of five calls per user), virtual MFA
//! devices, instance profiles and server certificates. The authorization details are required;
//! the rest are optional and recorded as gaps when an endpoint does not answer them.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{EntityType, ReportStateType};
use chrono::{DateTime, Utc};

use super::super::classify::describe_sdk_error;
use super::super::service::{FetchError, Origin};
use super::transform::{self, AccountFacts, SUPPORT_ACCESS_POLICY_ARN};
use crate::discovery::{DiscoveryControl, ProgressEvent};
use crate::model::{Node, Scope};

/// How long to wait for IAM to generate the credential report (it usually takes seconds).
const CREDENTIAL_REPORT_WAIT: Duration = Duration::from_secs(60);

/// Pages through a paginator stream, returning its pages or a classified error line.
macro_rules! all_pages {
    ($control:expr, $scope:expr, $resource:literal, $stream:expr, $count:expr) => {{
        let mut stream = $stream;
        let mut pages = Vec::new();
        let mut outcome: Result<(), String> = Ok(());
        while let Some(page) = stream.next().await {
            if $control.is_cancelled() {
                return Err(FetchError::Cancelled);
            }
            match page {
                Ok(page) => {
                    $control.report(ProgressEvent::PageFetched {
                        scope: $scope.clone(),
                        resource: $resource,
                        items: $count(&page),
                    });
                    pages.push(page);
                }
                Err(error) => {
                    outcome = Err(describe_sdk_error(
                        concat!("listing ", $resource),
                        &$scope.region,
                        &error,
                    ));
                    break;
                }
            }
        }
        outcome.map(|()| pages)
    }};
}

/// Asks IAM for a fresh credential report and reads it. `Err` is a gap line.
async fn credential_report(client: &Client, region: &str) -> Result<String, String> {
    let deadline = tokio::time::Instant::now() + CREDENTIAL_REPORT_WAIT;
    let mut pause = Duration::from_millis(200);
    loop {
        let state = client
            .generate_credential_report()
            .send()
            .await
            .map_err(|error| {
                describe_sdk_error("generating the credential report", region, &error)
            })?;
        if state.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err("the credential report was not ready within 60 s".to_string());
        }
        // IAM generates the report asynchronously: polling GenerateCredentialReport is the API.
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
    let report = client
        .get_credential_report()
        .send()
        .await
        .map_err(|error| describe_sdk_error("reading the credential report", region, &error))?;
    let content = report
        .content()
        .map(|blob| String::from_utf8_lossy(blob.as_ref()).into_owned())
        .unwrap_or_default();
    Ok(content)
}

/// Collects the account's IAM resources. Returns the nodes and the gaps.
pub async fn collect_account(
    client: &Client,
    origin: &Origin,
    scope: &Scope,
    control: &DiscoveryControl,
    now: DateTime<Utc>,
) -> Result<(Vec<Node>, Vec<String>), FetchError> {
    let mut nodes = Vec::new();
    let mut gaps = Vec::new();
    let region = scope.region.as_str();

    let details = all_pages!(
        control,
        scope,
        "iam authorization details",
        client
            .get_account_authorization_details()
            .filter(EntityType::User)
            .filter(EntityType::Group)
            .filter(EntityType::Role)
            .filter(EntityType::LocalManagedPolicy)
            .into_paginator()
            .send(),
        |page: &aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput| {
            page.user_detail_list().len()
                + page.group_detail_list().len()
                + page.role_detail_list().len()
                + page.policies().len()
        }
    )
    .map_err(FetchError::Failed)?;

    let report = match credential_report(client, region).await {
        Ok(csv) => Some(transform::parse_credential_report(&csv, now)),
        Err(message) => {
            gaps.push(message);
            None
        }
    };

    // Who each managed policy is attached to (by ARN), counted from what we saw.
    let mut attachments: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for page in &details {
        for user in page.user_detail_list() {
            for policy in user.attached_managed_policies() {
                attachments
                    .entry(policy.policy_arn().unwrap_or_default().to_string())
                    .or_default()
                    .push(user.arn().unwrap_or_default().to_string());
            }
        }
        for group in page.group_detail_list() {
            for policy in group.attached_managed_policies() {
                attachments
                    .entry(policy.policy_arn().unwrap_or_default().to_string())
                    .or_default()
                    .push(group.arn().unwrap_or_default().to_string());
            }
        }
        for role in page.role_detail_list() {
            for policy in role.attached_managed_policies() {
                attachments
                    .entry(policy.policy_arn().unwrap_or_default().to_string())
                    .or_default()
                    .push(role.arn().unwrap_or_default().to_string());
            }
        }
    }
    attachments.remove("");

    let mut customer_policy_arns = Vec::new();
    for page in &details {
        for user in page.user_detail_list() {
            let credentials = report
                .as_ref()
                .and_then(|report| report.users.get(user.user_name().unwrap_or_default()));
            nodes.extend(transform::transform_user(origin, user, credentials, now));
        }
        nodes.extend(
            page.group_detail_list()
                .iter()
                .filter_map(|group| transform::transform_group(origin, group)),
        );
        nodes.extend(
            page.role_detail_list()
                .iter()
                .filter_map(|role| transform::transform_role(origin, role, now)),
        );
        for policy in page.policies() {
            let arn = policy.arn().unwrap_or_default();
            let count = attachments.get(arn).map_or(0, Vec::len) as i64;
            customer_policy_arns.push(arn.to_string());
            nodes.extend(transform::transform_policy(origin, policy, count));
        }
    }
    let principals = transform::principal_nodes(origin, &nodes);
    nodes.extend(principals);
    // AWS-managed policies appear as nodes only when something is attached to them.
    for (arn, holders) in &attachments {
        if arn.starts_with("arn:aws:iam::aws:") && !customer_policy_arns.contains(arn) {
            nodes.push(transform::aws_managed_policy_node(
                origin,
                arn,
                holders.len() as i64,
            ));
        }
    }

    match all_pages!(
        control,
        scope,
        "iam instance profiles",
        client.list_instance_profiles().into_paginator().send(),
        |page: &aws_sdk_iam::operation::list_instance_profiles::ListInstanceProfilesOutput| page
            .instance_profiles()
            .len()
    ) {
        Ok(pages) => nodes.extend(pages.iter().flat_map(|page| {
            page.instance_profiles()
                .iter()
                .filter_map(|profile| transform::transform_instance_profile(origin, profile))
        })),
        Err(message) => gaps.push(message),
    }

    match all_pages!(
        control,
        scope,
        "iam server certificates",
        client.list_server_certificates().into_paginator().send(),
        |page: &aws_sdk_iam::operation::list_server_certificates::ListServerCertificatesOutput| {
            page.server_certificate_metadata_list().len()
        }
    ) {
        Ok(pages) => nodes.extend(pages.iter().flat_map(|page| {
            page.server_certificate_metadata_list()
                .iter()
                .filter_map(|certificate| {
                    transform::transform_server_certificate(origin, certificate, now)
                })
        })),
        Err(message) => gaps.push(message),
    }

    let virtual_mfa_serials: Vec<String> = match all_pages!(
        control,
        scope,
        "iam virtual mfa devices",
        client.list_virtual_mfa_devices().into_paginator().send(),
        |page: &aws_sdk_iam::operation::list_virtual_mfa_devices::ListVirtualMfaDevicesOutput| page
            .virtual_mfa_devices()
            .len()
    ) {
        Ok(pages) => pages
            .iter()
            .flat_map(|page| page.virtual_mfa_devices())
            .map(|device| device.serial_number().to_string())
            .collect(),
        Err(message) => {
            gaps.push(message);
            Vec::new()
        }
    };

    let summary: Option<HashMap<_, _>> = match client.get_account_summary().send().await {
        Ok(output) => output.summary_map().cloned(),
        Err(error) => {
            gaps.push(describe_sdk_error(
                "reading the account summary",
                region,
                &error,
            ));
            None
        }
    };
    let password_policy = match client.get_account_password_policy().send().await {
        Ok(output) => output.password_policy().cloned(),
        // No policy is an answer (AWS's defaults apply), not a gap.
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|service| service.is_no_such_entity_exception()) =>
        {
            None
        }
        Err(error) => {
            gaps.push(describe_sdk_error(
                "reading the password policy",
                region,
                &error,
            ));
            None
        }
    };
    nodes.push(transform::transform_account(
        origin,
        AccountFacts {
            summary: summary.as_ref(),
            password_policy: password_policy.as_ref(),
            report: report.as_ref(),
            virtual_mfa_serials: &virtual_mfa_serials,
            support_access_principals: attachments
                .get(SUPPORT_ACCESS_POLICY_ARN)
                .cloned()
                .unwrap_or_default(),
        },
    ));
    Ok((nodes, gaps))
}
