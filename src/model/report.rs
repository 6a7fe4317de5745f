//! Reports as the rest of the crate sees them: the file formats a report renders to, the status
//! of its generation, and its metadata (everything but the bytes).
//!
//! Plain data: no IO, nothing from the rest of the crate. Rendering lives in `reports`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::UnknownName;

/// The file formats a report can be rendered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Html,
    Pdf,
    Csv,
    Json,
    Ocsf,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 5] = [
        ReportFormat::Html,
        ReportFormat::Pdf,
        ReportFormat::Csv,
        ReportFormat::Json,
        ReportFormat::Ocsf,
    ];

    /// Parses a format name (exact, lower case).
    pub fn parse(raw: &str) -> Result<ReportFormat, UnknownName> {
        ReportFormat::ALL
            .into_iter()
            .find(|format| format.as_str() == raw)
            .ok_or_else(|| UnknownName {
                what: "format",
                value: raw.to_string(),
                expected: ReportFormat::ALL.map(ReportFormat::as_str).join(", "),
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Pdf => "pdf",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
            ReportFormat::Ocsf => "ocsf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Html => "text/html; charset=utf-8",
            ReportFormat::Pdf => "application/pdf",
            ReportFormat::Csv => "text/csv; charset=utf-8",
            ReportFormat::Json | ReportFormat::Ocsf => "application/json",
        }
    }

    pub fn file_extension(self) -> &'static str {
        match self {
            ReportFormat::Html => "html",
            ReportFormat::Pdf => "pdf",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
            ReportFormat::Ocsf => "ocsf.json",
        }
    }

    /// Whether the format shows a framework's controls (and so needs one).
    pub fn needs_framework(self) -> bool {
        matches!(
            self,
            ReportFormat::Html | ReportFormat::Pdf | ReportFormat::Json
        )
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Where a report's generation is: `pending` (queued) → `generating` (a worker has it) →
/// `ready` | `failed`. Stored in lower case; the API shows it in upper case (its serde form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReportStatus {
    Pending,
    Generating,
    Ready,
    Failed,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 4] = [
        ReportStatus::Pending,
        ReportStatus::Generating,
        ReportStatus::Ready,
        ReportStatus::Failed,
    ];

    /// The stored (lower-case) name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Pending => "pending",
            ReportStatus::Generating => "generating",
            ReportStatus::Ready => "ready",
            ReportStatus::Failed => "failed",
        }
    }

    /// The name the API shows (upper case).
    pub fn api_name(self) -> &'static str {
        match self {
            ReportStatus::Pending => "PENDING",
            ReportStatus::Generating => "GENERATING",
            ReportStatus::Ready => "READY",
            ReportStatus::Failed => "FAILED",
        }
    }

    /// Parses the stored name, or the API's, but not a mix of cases (`Ready`).
    pub fn parse(raw: &str) -> Result<ReportStatus, UnknownName> {
        ReportStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == raw || status.api_name() == raw)
            .ok_or_else(|| UnknownName {
                what: "report status",
                value: raw.to_string(),
                expected: "PENDING, GENERATING, READY, FAILED".to_string(),
            })
    }
}

impl fmt::Display for ReportStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.api_name())
    }
}

/// A report's metadata (everything but the rendered bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: Uuid,
    pub job_id: Uuid,
    pub framework: Option<String>,
    pub format: ReportFormat,
    pub title: String,
    pub status: ReportStatus,
    /// Why generation failed (`failed` only).
    pub error: Option<String>,
    pub requested_by: String,
    pub content_type: Option<String>,
    pub filename: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub generated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_their_names_and_serialise_to_them() {
        for format in ReportFormat::ALL {
            assert_eq!(ReportFormat::parse(format.as_str()), Ok(format));
            assert_eq!(serde_json::to_value(format).unwrap(), format.as_str());
        }
        let error = ReportFormat::parse("docx").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown format `docx`; expected one of: html, pdf, csv, json, ocsf"
        );
        assert!(ReportFormat::parse("HTML").is_err());
    }

    #[test]
    fn statuses_are_stored_lower_case_and_shown_upper_case() {
        for status in ReportStatus::ALL {
            assert_eq!(ReportStatus::parse(status.as_str()), Ok(status));
            assert_eq!(ReportStatus::parse(status.api_name()), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.api_name());
        }
        assert!(ReportStatus::parse("Ready").is_err());
        assert!(ReportStatus::parse("done").is_err());
    }
}
