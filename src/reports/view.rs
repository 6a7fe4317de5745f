//! The view-model shared by the HTML and PDF renderers: sentences, counts, chart geometry and
//! per-control evidence, computed once from a [`ReportInput`]. Formatting decisions live here so
//! both formats say the same thing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ReportFinding, ReportInput};
use crate::compliance::{ControlScore, ControlStatus};
use crate::model::{FindingStatus, PathProof, Severity};

/// Failing resources shown per control; the rest are counted and left to the CSV export, so a
/// large tenant's report stays readable.
pub const EVIDENCE_PER_CONTROL: usize = 25;

const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub report_id: String,
    pub title: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub generated_at: String,
    pub last_evaluation_at: String,
    pub framework_id: String,
    pub framework_name: String,
    pub framework_revision: String,
    /// `62.5%`, or `n/a` when no control passed or failed.
    pub score_text: String,
    pub score_formula: String,
    /// "12 of 62 controls assessed (19%); 40 manual, 10 not applicable": shown beside the score.
    pub coverage_text: String,
    pub summary: Vec<String>,
    pub status_counts: Vec<StatusCount>,
    pub severity_bars: Vec<SeverityBar>,
    pub score_arc: ScoreArc,
    pub sections: Vec<SectionView>,
    pub exceptions: Vec<ExceptionView>,
    pub rules: Vec<RuleView>,
    pub freshness: Vec<FreshnessView>,
    pub evidence_limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusCount {
    pub status: &'static str,
    pub count: usize,
    pub color: &'static str,
    /// Width in the stacked status bar, out of 600.
    pub width: f64,
    pub x: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeverityBar {
    pub severity: &'static str,
    pub open: usize,
    pub accepted: usize,
    pub color: &'static str,
    /// Bar widths out of 400 (scaled to the largest severity).
    pub open_width: f64,
    pub accepted_width: f64,
    pub y: f64,
}

/// The framework score as a ring: the SVG `stroke-dasharray` of the filled part.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreArc {
    pub filled: f64,
    pub circumference: f64,
    pub color: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    pub name: String,
    pub controls: Vec<ControlView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlView {
    pub id: String,
    pub title: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub score_text: String,
    pub formula: String,
    pub rules: Vec<String>,
    pub resources_evaluated: usize,
    pub resources_passing: usize,
    pub resources_failing: usize,
    pub resources_accepted: usize,
    pub rules_errored: usize,
    /// For a MANUAL control, what to check by hand; else empty.
    pub manual_check: String,
    pub evidence: Vec<EvidenceView>,
    pub evidence_omitted: usize,
    /// Width of the control's score bar, out of 120.
    pub score_width: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    pub node_id: String,
    pub rule_id: String,
    pub severity: String,
    pub reason: String,
    pub remediation: String,
    /// `tcp 22 (ipv4)` …, when the resource is proven reachable from the internet.
    pub open_ports: Vec<String>,
    /// One sentence per hop of the path proof.
    pub path: Vec<String>,
    /// The member the path proof is about (for a security group), else empty.
    pub proof_subject: String,
    /// Whether the misconfiguration is really reachable from the internet, else empty.
    pub exposure_note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExceptionView {
    pub rule_id: String,
    pub node_id: String,
    pub kind: String,
    pub reason: String,
    pub accepted_by: String,
    pub accepted_at: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub severity: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FreshnessView {
    pub scope: String,
    pub discovered_at: String,
    pub age: String,
}

fn timestamp(value: &DateTime<Utc>) -> String {
    value.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn percent(value: Option<f64>, scale: f64) -> String {
    match value {
        Some(value) => format!("{:.1}%", value * scale),
        None => "n/a".to_string(),
    }
}

/// How long before `now` something happened, in the largest whole unit.
fn age(then: &DateTime<Utc>, now: &DateTime<Utc>) -> String {
    let minutes = (*now - *then).num_minutes().max(0);
    match minutes {
        0 => "just now".to_string(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1440),
    }
}

fn status_name(status: ControlStatus) -> &'static str {
    match status {
        ControlStatus::Pass => "PASS",
        ControlStatus::Fail => "FAIL",
        ControlStatus::Manual => "MANUAL",
        ControlStatus::NotApplicable => "NOT_APPLICABLE",
    }
}

fn status_color(status: &str) -> &'static str {
    match status {
        "PASS" => "#2e7d32",
        "FAIL" => "#c62828",
        "MANUAL" => "#6d4c41",
        _ => "#757575",
    }
}

fn severity_color(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#c62828",
        Severity::Medium => "#ef6c00",
        Severity::Low => "#f9a825",
        Severity::Info => "#546e7a",
    }
}

/// Port ranges and hop sentences out of a finding's stored path proof.
fn path_proof_lines(proof: Option<&PathProof>) -> (Vec<String>, Vec<String>) {
    let Some(proof) = proof else {
        return (Vec::new(), Vec::new());
    };
    let open = proof
        .open
        .iter()
        .map(|range| {
            let ports = match (range.from_port, range.to_port) {
                (Some(from), Some(to)) if from == to => format!(" {from}"),
                (Some(from), Some(to)) => format!(" {from}-{to}"),
                _ => " (all ports)".to_string(),
            };
            format!("{}{ports} ({})", range.protocol, range.address_family)
        })
        .collect();
    let hops = proof
        .hops
        .iter()
        .map(|hop| format!("{}. {} [{}]", hop.seq, hop.text, hop.reason_code))
        .collect();
    (open, hops)
}

fn control_view(
    control: &ControlScore,
    findings: &BTreeMap<(&str, &str), &ReportFinding>,
) -> ControlView {
    let status = status_name(control.status);
    let evidence: Vec<EvidenceView> = control
        .failing_resources
        .iter()
        .take(EVIDENCE_PER_CONTROL)
        .map(|failing| {
            let finding = findings.get(&(failing.rule_id.as_str(), failing.node_id.as_str()));
            let (open_ports, path) =
                path_proof_lines(finding.and_then(|finding| finding.path_proof.as_ref()));
            EvidenceView {
                node_id: failing.node_id.clone(),
                rule_id: failing.rule_id.clone(),
                severity: finding
                    .map(|finding| finding.severity.to_string())
                    .unwrap_or_default(),
                reason: failing.reason.clone(),
                remediation: finding
                    .map(|finding| finding.remediation.clone())
                    .unwrap_or_default(),
                open_ports,
                path,
                proof_subject: finding
                    .and_then(|finding| finding.proof_subject.clone())
                    .unwrap_or_default(),
                exposure_note: finding
                    .and_then(|finding| finding.exposure_note.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    ControlView {
        id: control.id.clone(),
        title: control.title.clone(),
        status,
        status_class: match control.status {
            ControlStatus::Pass => "pass",
            ControlStatus::Fail => "fail",
            ControlStatus::Manual => "manual",
            ControlStatus::NotApplicable => "na",
        },
        score_text: percent(control.score, 100.0),
        formula: control.formula.clone(),
        rules: control.rules.clone(),
        resources_evaluated: control.resources_evaluated,
        resources_passing: control.resources_passing,
        resources_failing: control.resources_failing,
        resources_accepted: control.resources_accepted,
        rules_errored: control.rules_errored,
        manual_check: control.manual_check.clone().unwrap_or_default(),
        // The total, not the list: a stored result lists only the first failing resources.
        evidence_omitted: control
            .failing_resources_total
            .max(control.failing_resources.len())
            - evidence.len(),
        evidence,
        score_width: control.score.unwrap_or(0.0) * 120.0,
    }
}

/// Builds the view of `input`. Without a framework, the control parts are empty.
pub fn build_view(input: &ReportInput) -> ReportView {
    let findings_by_identity: BTreeMap<(&str, &str), &ReportFinding> = input
        .findings
        .iter()
        .map(|finding| {
            (
                (finding.rule_id.as_str(), finding.node_id.as_str()),
                finding,
            )
        })
        .collect();
    let framework = input.framework.as_ref();
    let controls: Vec<&ControlScore> = framework
        .map(|framework| framework.controls.iter().collect())
        .unwrap_or_default();

    // Sections keep the framework's order of first appearance.
    let mut sections: Vec<SectionView> = Vec::new();
    for control in &controls {
        let name = if control.section.is_empty() {
            "Controls".to_string()
        } else {
            control.section.clone()
        };
        let view = control_view(control, &findings_by_identity);
        match sections.iter_mut().find(|section| section.name == name) {
            Some(section) => section.controls.push(view),
            None => sections.push(SectionView {
                name,
                controls: vec![view],
            }),
        }
    }

    let mut status_counts = Vec::new();
    let mut x = 0.0;
    for status in ["PASS", "FAIL", "MANUAL", "NOT_APPLICABLE"] {
        let count = controls
            .iter()
            .filter(|control| status_name(control.status) == status)
            .count();
        let width = if controls.is_empty() {
            0.0
        } else {
            600.0 * count as f64 / controls.len() as f64
        };
        status_counts.push(StatusCount {
            status,
            count,
            color: status_color(status),
            width,
            x,
        });
        x += width;
    }

    let count_by = |severity: Severity, status: FindingStatus| {
        input
            .findings
            .iter()
            .filter(|finding| finding.severity == severity && finding.status == status)
            .count()
    };
    let largest = SEVERITIES
        .iter()
        .map(|&severity| {
            count_by(severity, FindingStatus::Open) + count_by(severity, FindingStatus::Accepted)
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let severity_bars = SEVERITIES
        .iter()
        .enumerate()
        .map(|(index, &severity)| {
            let (open, accepted) = (
                count_by(severity, FindingStatus::Open),
                count_by(severity, FindingStatus::Accepted),
            );
            SeverityBar {
                severity: severity.as_str(),
                open,
                accepted,
                color: severity_color(severity),
                open_width: 400.0 * open as f64 / largest as f64,
                accepted_width: 400.0 * accepted as f64 / largest as f64,
                y: 28.0 * index as f64,
            }
        })
        .collect();

    let score = framework.and_then(|framework| framework.score);
    let circumference = 2.0 * std::f64::consts::PI * 52.0;
    let score_arc = ScoreArc {
        filled: circumference * score.unwrap_or(0.0) / 100.0,
        circumference,
        color: match score {
            Some(score) if score >= 80.0 => "#2e7d32",
            Some(score) if score >= 50.0 => "#ef6c00",
            _ => "#c62828",
        },
    };

    let open = input
        .findings
        .iter()
        .filter(|finding| finding.status == FindingStatus::Open)
        .count();
    let accepted = input.findings.len() - open;
    let critical_or_high = input
        .findings
        .iter()
        .filter(|finding| {
            finding.status == FindingStatus::Open
                && matches!(finding.severity, Severity::Critical | Severity::High)
        })
        .count();
    let mut summary = Vec::new();
    if let Some(framework) = framework {
        // Coverage first, so the score is never read without what it leaves out.
        summary.push(format!(
            "Coverage: {}; the score covers assessed controls only.",
            framework.coverage_text
        ));
        summary.push(format!(
            "{} {}: {} of {} automated controls pass ({} fail, {} manual, {} not applicable); framework score {}.",
            framework.name,
            framework.revision,
            framework.controls_passing,
            framework.controls_passing + framework.controls_failing,
            framework.controls_failing,
            framework.controls_manual,
            framework.controls_not_applicable,
            percent(framework.score, 1.0),
        ));
    }
    summary.push(format!(
        "{open} open findings ({critical_or_high} critical or high) and {accepted} accepted exceptions in scope."
    ));
    match input
        .freshness
        .iter()
        .map(|scope| scope.discovered_at)
        .min()
    {
        Some(oldest) => summary.push(format!(
            "Data covers {} {}; the oldest was discovered {} ({}).",
            input.freshness.len(),
            if input.freshness.len() == 1 {
                "scope"
            } else {
                "scopes"
            },
            age(&oldest, &input.generated_at),
            timestamp(&oldest)
        )),
        None => summary.push(
            "No completed discovery is on record: the results cover no scanned scope.".to_string(),
        ),
    }

    let exceptions = input
        .findings
        .iter()
        .filter_map(|finding| {
            let acceptance = finding.acceptance.as_ref()?;
            Some(ExceptionView {
                rule_id: finding.rule_id.clone(),
                node_id: finding.node_id.clone(),
                kind: acceptance.kind.as_str().replace('_', " "),
                reason: acceptance.reason.clone(),
                accepted_by: acceptance.accepted_by.clone(),
                accepted_at: acceptance
                    .accepted_at
                    .as_ref()
                    .map(timestamp)
                    .unwrap_or_default(),
                expires_at: acceptance
                    .expires_at
                    .as_ref()
                    .map(timestamp)
                    .unwrap_or_else(|| "no expiry".to_string()),
            })
        })
        .collect();

    ReportView {
        report_id: input.report_id.clone(),
        title: input.title.clone(),
        tenant_id: input.tenant_id.clone(),
        tenant_name: input.tenant_name.clone(),
        generated_at: timestamp(&input.generated_at),
        last_evaluation_at: input
            .last_evaluation_at
            .as_ref()
            .map(timestamp)
            .unwrap_or_else(|| "never".to_string()),
        framework_id: framework
            .map(|framework| framework.id.clone())
            .unwrap_or_default(),
        framework_name: framework
            .map(|framework| framework.name.clone())
            .unwrap_or_default(),
        framework_revision: framework
            .map(|framework| framework.revision.clone())
            .unwrap_or_default(),
        score_text: percent(score, 1.0),
        score_formula: framework
            .map(|framework| framework.formula.clone())
            .unwrap_or_default(),
        coverage_text: framework
            .map(|framework| framework.coverage_text.clone())
            .unwrap_or_default(),
        summary,
        status_counts,
        severity_bars,
        score_arc,
        sections,
        exceptions,
        rules: input
            .rules
            .iter()
            .map(|rule| RuleView {
                id: rule.id.clone(),
                version: rule.version,
                title: rule.title.clone(),
                severity: rule.severity.to_string(),
            })
            .collect(),
        freshness: input
            .freshness
            .iter()
            .map(|scope| FreshnessView {
                scope: format!("{} / {} / {}", scope.provider, scope.account, scope.region),
                discovered_at: timestamp(&scope.discovered_at),
                age: age(&scope.discovered_at, &input.generated_at),
            })
            .collect(),
        evidence_limit: EVIDENCE_PER_CONTROL,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::compliance::{FailingResource, FrameworkScore};

    fn control(id: &str, status: ControlStatus, failing: usize) -> ControlScore {
        ControlScore {
            id: id.to_string(),
            section: "5 Networking".to_string(),
            title: format!("control {id}"),
            status,
            manual_check: None,
            rules: vec!["aws.ec2.sg_ssh_open_to_internet".to_string()],
            rules_passing: 0,
            rules_failing: usize::from(failing > 0),
            rules_errored: 0,
            failing_rules: Vec::new(),
            errored_rules: Vec::new(),
            resources_evaluated: failing + 10,
            resources_passing: 10,
            resources_failing: failing,
            resources_accepted: 0,
            errored_resources: Vec::new(),
            score: Some(10.0 / (failing + 10) as f64),
            formula: "f".to_string(),
            failing_resources_total: failing,
            failing_resources: (0..failing)
                .map(|index| FailingResource {
                    node_id: format!("aws:us-east-1:aws.ec2.security_group:sg-{index}"),
                    rule_id: "aws.ec2.sg_ssh_open_to_internet".to_string(),
                    reason: format!("group sg-{index} allows SSH from the internet"),
                })
                .collect(),
        }
    }

    fn input(controls: Vec<ControlScore>) -> ReportInput {
        let at = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        ReportInput {
            report_id: "r".to_string(),
            title: "t".to_string(),
            tenant_id: "acme".to_string(),
            tenant_name: "Acme".to_string(),
            generated_at: at,
            framework: Some(FrameworkScore {
                id: "cis".to_string(),
                name: "CIS".to_string(),
                revision: "3".to_string(),
                score: Some(50.0),
                formula: "100 × 1 / 2".to_string(),
                controls_passing: 1,
                controls_failing: 1,
                controls_manual: 0,
                controls_not_applicable: 0,
                controls_total: 2,
                controls_assessed: 2,
                coverage: Some(100.0),
                coverage_text: crate::compliance::coverage_text(2, 2, 0, 0),
                controls,
            }),
            findings: Vec::new(),
            rules: Vec::new(),
            freshness: vec![super::super::ScopeFreshness {
                provider: "aws".to_string(),
                account: "1".to_string(),
                region: "us-east-1".to_string(),
                discovered_at: at - chrono::Duration::hours(3),
            }],
            last_evaluation_at: None,
        }
    }

    #[test]
    fn large_controls_list_a_bounded_number_of_resources_and_count_the_rest() {
        let view = build_view(&input(vec![
            control("5.1", ControlStatus::Pass, 0),
            control("5.2", ControlStatus::Fail, EVIDENCE_PER_CONTROL + 7),
        ]));
        let failing = &view.sections[0].controls[1];
        assert_eq!(failing.evidence.len(), EVIDENCE_PER_CONTROL);
        assert_eq!(failing.evidence_omitted, 7);
        assert_eq!(view.sections.len(), 1, "both controls share one section");
    }

    #[test]
    fn summary_and_charts_follow_the_scores() {
        let view = build_view(&input(vec![
            control("5.1", ControlStatus::Pass, 0),
            control("5.2", ControlStatus::Fail, 2),
        ]));
        assert_eq!(view.score_text, "50.0%");
        assert_eq!(
            view.summary[0],
            "Coverage: 2 of 2 controls assessed (100%); 0 manual, 0 not applicable; the score covers assessed controls only."
        );
        assert_eq!(
            view.coverage_text,
            "2 of 2 controls assessed (100%); 0 manual, 0 not applicable"
        );
        assert!(view.summary[1].contains("1 of 2 automated controls pass"));
        assert!(view.summary[3].contains("3 h ago"), "{:?}", view.summary);
        let widths: Vec<f64> = view.status_counts.iter().map(|entry| entry.width).collect();
        assert_eq!(widths, vec![300.0, 300.0, 0.0, 0.0]);
        assert_eq!(view.status_counts[1].x, 300.0);
    }
}
