//! OCSF export: one Detection Finding (class 2004, category 2 "Findings", OCSF 1.3.0, activity
//! Create) per current finding, as a JSON array. Required attributes of the class: `activity_id`,
//! `category_uid`, `class_uid`, `finding_info` (with `uid` and `title`), `metadata` (with
//! `product` and `version`), `severity_id`, `time`, `type_uid`; the cloud profile adds `cloud`.
//! The path proof, rule version and (with a framework) the framework's score and coverage travel
//! in `unmapped`, where OCSF puts source-specific data.

use serde_json::{Value, json};

use super::{RenderError, ReportFinding, ReportInput};
use crate::model::{FindingStatus, Severity};

pub const OCSF_VERSION: &str = "1.3.0";
const CLASS_UID: u32 = 2004;
const ACTIVITY_CREATE: u32 = 1;

/// OCSF `severity_id`: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical.
fn severity_id(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Critical => (5, "Critical"),
        Severity::High => (4, "High"),
        Severity::Medium => (3, "Medium"),
        Severity::Low => (2, "Low"),
        Severity::Info => (1, "Informational"),
    }
}

/// OCSF finding `status_id`: 1 New for open findings, 3 Suppressed for accepted ones.
fn status_id(status: FindingStatus) -> (u32, &'static str) {
    match status {
        FindingStatus::Accepted => (3, "Suppressed"),
        FindingStatus::Open | FindingStatus::Resolved => (1, "New"),
    }
}

fn detection_finding(finding: &ReportFinding, input: &ReportInput) -> Value {
    let (severity_id, severity) = severity_id(finding.severity);
    let (status_id, status) = status_id(finding.status);
    let provider = finding.node_id.split(':').next().unwrap_or("aws");
    json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "time": finding.last_seen.timestamp_millis(),
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": finding.reason,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {"name": "Infracast", "vendor_name": "Infracast", "version": env!("CARGO_PKG_VERSION")},
            "uid": finding.id,
            "tenant_uid": input.tenant_id,
        },
        "finding_info": {
            "uid": finding.id,
            "title": finding.rule_title,
            "desc": finding.reason,
            "types": [finding.node_type],
            "created_time": finding.first_seen.timestamp_millis(),
            "first_seen_time": finding.first_seen.timestamp_millis(),
            "last_seen_time": finding.last_seen.timestamp_millis(),
            "analytic": {"uid": finding.rule_id, "name": finding.rule_title, "type_id": 1, "type": "Rule", "version": finding.rule_version.to_string()},
        },
        "resources": [{
            "uid": finding.node_id,
            "type": finding.node_type,
            "region": finding.region,
            "cloud_partition": provider,
        }],
        "cloud": {"provider": provider.to_uppercase(), "region": finding.region, "account": {"uid": finding.account}},
        "remediation": {"desc": finding.remediation},
        "unmapped": {
            "infracast": {
                "rule_version": finding.rule_version,
                "acceptance": finding.acceptance,
                "path_proof": finding.path_proof,
                "framework": framework_coverage(input),
            }
        },
    })
}

/// The report's framework score with its coverage (null without a framework), so a consumer of
/// the export never sees the score without what it leaves out.
fn framework_coverage(input: &ReportInput) -> Value {
    let Some(framework) = &input.framework else {
        return Value::Null;
    };
    json!({
        "id": framework.id,
        "revision": framework.revision,
        "score": framework.score,
        "controls_total": framework.controls_total,
        "controls_assessed": framework.controls_assessed,
        "controls_manual": framework.controls_manual,
        "controls_not_applicable": framework.controls_not_applicable,
        "coverage": framework.coverage,
        "coverage_text": framework.coverage_text,
    })
}

pub fn render(input: &ReportInput) -> Result<Vec<u8>, RenderError> {
    let findings: Vec<Value> = input
        .findings
        .iter()
        .map(|finding| detection_finding(finding, input))
        .collect();
    serde_json::to_vec(&findings).map_err(|error| RenderError::Template(error.to_string()))
}
