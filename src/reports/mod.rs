//! Reports: turn a framework's compliance result and the tenant's findings into files an auditor
//! can read: HTML (embedded tera templates, inline SVG charts), PDF (pdf-writer, built-in fonts),
//! CSV of findings, JSON of the compliance result, and OCSF Detection Findings (class 2004).
//!
//! Rendering only: the job in `jobs::report` gathers a [`ReportInput`] from the store and the
//! engines; this module never reads the database, the network or the clock, so the same input
//! always renders the same bytes.

mod csv;
mod html;
mod ocsf;
mod pdf;
mod view;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::compliance::FrameworkScore;
use crate::model::{AcceptanceKind, FindingStatus, PathProof, Severity};

pub use crate::model::ReportFormat;
pub use view::{ReportView, build_view};

/// An accepted finding's exception: who accepted it, why, and until when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Acceptance {
    pub kind: AcceptanceKind,
    pub reason: String,
    pub accepted_by: String,
    pub accepted_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A finding as reports show it (the store's row, without storage details).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFinding {
    pub id: String,
    pub rule_id: String,
    pub rule_title: String,
    pub rule_version: i64,
    pub node_id: String,
    pub node_type: String,
    pub account: String,
    pub region: String,
    pub severity: Severity,
    /// `open` or `accepted` (reports show current findings only).
    pub status: FindingStatus,
    pub reason: String,
    pub remediation: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub acceptance: Option<Acceptance>,
    /// `{"open": [...], "hops": [...]}` for resources proven reachable from the internet; for a
    /// security group, the proof of its first exposed member (named in `proof_subject`).
    pub path_proof: Option<PathProof>,
    /// The node the path proof is about, when it is not the finding's own resource.
    pub proof_subject: Option<String>,
    /// For network findings: whether the misconfiguration is really reachable (a sentence).
    pub exposure_note: Option<String>,
}

/// The version of a rule the report's results come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleVersion {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub severity: Severity,
}

/// When a scope was last discovered completely.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopeFreshness {
    pub provider: String,
    pub account: String,
    pub region: String,
    pub discovered_at: DateTime<Utc>,
}

/// Everything one report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    pub report_id: String,
    pub title: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub generated_at: DateTime<Utc>,
    /// The framework's scores; `None` only for CSV and OCSF exports of every finding.
    pub framework: Option<FrameworkScore>,
    /// Current findings (open and accepted) in scope, sorted by severity then rule then node.
    pub findings: Vec<ReportFinding>,
    /// The rules behind the results (the framework's rules, or every rule with a finding).
    pub rules: Vec<RuleVersion>,
    pub freshness: Vec<ScopeFreshness>,
    pub last_evaluation_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("the {0} format needs a framework")]
    FrameworkRequired(&'static str),
    #[error("rendering failed: {0}")]
    Template(String),
}

/// Renders `input` to the bytes of one file.
pub fn render(format: ReportFormat, input: &ReportInput) -> Result<Vec<u8>, RenderError> {
    if format.needs_framework() && input.framework.is_none() {
        return Err(RenderError::FrameworkRequired(format.as_str()));
    }
    match format {
        ReportFormat::Html => html::render(&build_view(input)),
        ReportFormat::Pdf => Ok(pdf::render(&build_view(input))),
        ReportFormat::Csv => Ok(csv::render(&input.findings)),
        ReportFormat::Json => render_json(input),
        ReportFormat::Ocsf => ocsf::render(input),
    }
}

/// The compliance result as JSON: the framework's scores with every control, plus the report's
/// provenance (rule versions, data freshness).
fn render_json(input: &ReportInput) -> Result<Vec<u8>, RenderError> {
    let document = serde_json::json!({
        "report_id": input.report_id,
        "title": input.title,
        "tenant": {"id": input.tenant_id, "name": input.tenant_name},
        "generated_at": input.generated_at,
        "last_evaluation_at": input.last_evaluation_at,
        "framework": input.framework,
        "findings": {
            "total": input.findings.len(),
            "open": input.findings.iter().filter(|finding| finding.status == FindingStatus::Open).count(),
            "accepted": input.findings.iter().filter(|finding| finding.status == FindingStatus::Accepted).count(),
        },
        "exceptions": input.findings.iter().filter(|finding| finding.acceptance.is_some()).map(|finding| serde_json::json!({
            "finding_id": finding.id, "rule_id": finding.rule_id, "node_id": finding.node_id, "acceptance": finding.acceptance,
        })).collect::<Vec<_>>(),
        "rules": input.rules,
        "data_freshness": input.freshness,
    });
    serde_json::to_vec_pretty(&document).map_err(|error| RenderError::Template(error.to_string()))
}

/// The download name: `<tenant>-<framework or findings>-<yyyymmdd-hhmm>.<ext>`, ASCII only.
pub fn filename(input: &ReportInput, format: ReportFormat) -> String {
    let subject = input
        .framework
        .as_ref()
        .map(|framework| format!("{}-{}", framework.id, framework.revision))
        .unwrap_or_else(|| "findings".to_string());
    let safe: String = format!("{}-{subject}", input.tenant_id)
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() || character == '-' || character == '.' {
                character
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "{safe}-{}.{}",
        input.generated_at.format("%Y%m%d-%H%M"),
        format.file_extension()
    )
}
