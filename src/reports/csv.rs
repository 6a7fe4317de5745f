//! CSV of findings (RFC 4180): one header row, then one row per finding, every field quoted when
//! it holds a comma, quote or line break. Formula-looking cells are prefixed with `'` so a
//! spreadsheet does not execute a resource name (CSV injection).

use super::ReportFinding;

pub const HEADER: [&str; 17] = [
    "finding_id",
    "rule_id",
    "rule_version",
    "rule_title",
    "severity",
    "status",
    "node_id",
    "node_type",
    "account",
    "region",
    "reason",
    "remediation",
    "first_seen",
    "last_seen",
    "acceptance_kind",
    "acceptance_reason",
    "acceptance_expires_at",
];

fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

pub fn render(findings: &[ReportFinding]) -> Vec<u8> {
    let mut out = String::new();
    out.push_str(&HEADER.join(","));
    out.push_str("\r\n");
    for finding in findings {
        let acceptance = finding.acceptance.as_ref();
        let row = [
            finding.id.clone(),
            finding.rule_id.clone(),
            finding.rule_version.to_string(),
            finding.rule_title.clone(),
            finding.severity.to_string(),
            finding.status.to_string(),
            finding.node_id.clone(),
            finding.node_type.clone(),
            finding.account.clone(),
            finding.region.clone(),
            finding.reason.clone(),
            finding.remediation.clone(),
            finding.first_seen.to_rfc3339(),
            finding.last_seen.to_rfc3339(),
            acceptance
                .map(|acceptance| acceptance.kind.to_string())
                .unwrap_or_default(),
            acceptance
                .map(|acceptance| acceptance.reason.clone())
                .unwrap_or_default(),
            acceptance
                .and_then(|acceptance| acceptance.expires_at)
                .map(|expires_at| expires_at.to_rfc3339())
                .unwrap_or_default(),
        ];
        let cells: Vec<String> = row.iter().map(|cell| field(cell)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
    }
}
