//! The job vocabulary: what a job is (`JobKind`), where it stands (`JobStatus`), a job as the queue
//! holds it (`Job`) and a cron schedule that creates discovery jobs (`Schedule`).
//!
//! Plain data: the store parses its rows into these at its boundary (an unknown kind or status in
//! a row is an error there, never a panic here), the API and the workers match on the enums.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::UnknownName;

/// Defines a closed, lowercase-named vocabulary with `ALL`, `as_str`, a case-insensitive `parse`
/// and `Display`, so a name is spelled once.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$variant_meta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Every name, in declaration order (for messages and filters).
            pub fn names() -> Vec<&'static str> {
                Self::ALL.iter().map(|value| value.as_str()).collect()
            }

            /// Parses a name case-insensitively (`RUNNING` and `running` are the same).
            pub fn parse(value: &str) -> Result<Self, UnknownName> {
                match value.to_ascii_lowercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName {
                        what: $what,
                        value: value.to_string(),
                        expected: Self::names().join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

named_enum!(
    /// What a job does. Each kind has its own module under `jobs/`.
    JobKind, "job kind", {
        /// Runs a provider over its scopes and reconciles the inventory, then evaluates.
        Discovery => "discovery",
        /// Evaluates the rule pack over the tenant's current graph.
        Evaluation => "evaluation",
        /// Renders a compliance report.
        Report => "report",
    }
);

named_enum!(
    /// Where a job stands. `created` waits for a start; `pending` waits for a worker.
    JobStatus, "job status", {
        Created => "created",
        Pending => "pending",
        Running => "running",
        Succeeded => "succeeded",
        PartiallySucceeded => "partially_succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

named_enum!(
    /// What a job did to an entity of the graph (one row of its diff).
    ChangeKind, "change kind", {
        Added => "added",
        Changed => "changed",
        Removed => "removed",
    }
);

named_enum!(
    /// Which kind of graph entity a diff row is about.
    ChangedEntity, "changed entity", {
        Node => "node",
        Edge => "edge",
    }
);

/// One entry of a job's diff: a node or edge it added, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobChange {
    pub entity: ChangedEntity,
    pub entity_id: String,
    pub change: ChangeKind,
}

impl JobStatus {
    /// Statuses a job never leaves.
    pub const TERMINAL: &'static [JobStatus] = &[
        JobStatus::Succeeded,
        JobStatus::PartiallySucceeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    /// Statuses that hold a place in a tenant's queue.
    pub const QUEUED: &'static [JobStatus] =
        &[JobStatus::Created, JobStatus::Pending, JobStatus::Running];

    pub fn is_terminal(self) -> bool {
        Self::TERMINAL.contains(&self)
    }

    /// Whether the job's work landed (fully or in part): it is followed by an evaluation.
    pub fn is_success(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::PartiallySucceeded)
    }
}

/// A job as the queue holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub tenant_id: String,
    pub job_id: Uuid,
    pub kind: JobKind,
    /// The discovery provider's name (`aws`, `fixture`); none for other kinds.
    pub provider: Option<String>,
    pub config: Value,
    pub status: JobStatus,
    pub cancel_requested: bool,
    pub progress: Value,
    pub scopes: Value,
    pub counts: Value,
    pub errors: Value,
    pub attempts: i32,
    pub fencing_token: i64,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub schedule_id: Option<Uuid>,
    /// Set once a discovery's graph commit landed; the job finishes after its evaluation.
    pub committed_status: Option<JobStatus>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }
}

/// A cron schedule that creates a discovery job from its template at each due time.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub tenant_id: String,
    pub schedule_id: Uuid,
    pub name: String,
    pub cron: String,
    /// `{"provider": …, "config": …}`, as validated when the schedule was written.
    pub job_template: Value,
    pub enabled: bool,
    pub next_run_at: DateTime<Utc>,
    pub last_run_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_parse_ignores_case() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Ok(*kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                Value::String(kind.as_str().to_string())
            );
        }
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Ok(*status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                Value::String(status.as_str().to_string())
            );
        }
        assert_eq!(
            JobStatus::parse("PARTIALLY_SUCCEEDED"),
            Ok(JobStatus::PartiallySucceeded)
        );
        let unknown = JobKind::parse("backup").unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "unknown job kind `backup`; expected one of: discovery, evaluation, report"
        );
    }

    #[test]
    fn terminal_and_queued_statuses_partition_the_vocabulary() {
        for status in JobStatus::ALL {
            assert_ne!(
                status.is_terminal(),
                JobStatus::QUEUED.contains(status),
                "{status}"
            );
        }
    }
}
