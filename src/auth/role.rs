//! Roles and what each may do.

use crate::model::UnknownName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages tenants; reaches every tenant.
    PlatformAdmin,
    /// Everything within one tenant, including writes and keys.
    Admin,
    /// Reads, and triages findings.
    Analyst,
    /// Reads only.
    Viewer,
}

impl Role {
    pub fn parse(value: &str) -> Result<Role, UnknownName> {
        match value {
            "platform_admin" => Ok(Role::PlatformAdmin),
            "admin" => Ok(Role::Admin),
            "analyst" => Ok(Role::Analyst),
            "viewer" => Ok(Role::Viewer),
            other => Err(UnknownName {
                what: "role",
                value: other.to_string(),
                expected: "platform_admin, admin, analyst, viewer".to_string(),
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
        }
    }

    /// Create and delete nodes, edges, jobs, keys.
    pub fn can_write(self) -> bool {
        matches!(self, Role::PlatformAdmin | Role::Admin)
    }

    /// Accept or resolve findings.
    pub fn can_triage(self) -> bool {
        matches!(self, Role::PlatformAdmin | Role::Admin | Role::Analyst)
    }
}
