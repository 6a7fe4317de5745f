//! A discovery job's provider configuration, parsed once at the boundary (API, CLI, worker) into
//! typed values, and the operator's policy that decides which of those a tenant may use.
//!
//! What a tenant may choose is data, never server resources: a custom AWS endpoint only from the
//! operator's allow-list, AWS access only through the tenant's own role (assumed with the
//! tenant's external id) unless the operator allows the server's ambient credentials, and fixture
//! inventories only inline or by name inside the operator's fixture directory. The CLI is the
//! operator: its jobs carry `"requested_by": "operator"` (a key the API refuses) and run under
//! the operator's policy. No IO here: paths are checked for shape; the fixture loader confines
//! them on disk.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Inventory;

/// The config key that marks a job as created by the operator (the CLI); the API refuses it.
pub const OPERATOR_MARKER: &str = "requested_by";

/// A region name as `is_region_name` accepts it (the schema's `regions` items).
pub const REGION_PATTERN: &str = "^[a-z0-9]+-[a-z0-9]+(-[a-z0-9]+)*-[0-9]+$";

/// An endpoint as the schema describes it: an http(s) URL without NUL (`check` normalises it
/// and looks it up in the operator's allow-list).
const ENDPOINT_PATTERN: &str = "^https?://[^\\x00]*$";

/// Settings of an `aws` discovery job.
// The API's schema for them is derived from this type (`utoipa::ToSchema`: an annotation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// The regions to discover; absent or empty: every region enabled in each account (EC2
    /// DescribeRegions, skipping regions not opted in). Global services (IAM) run once per
    /// account whatever the list, under the scope region `global`.
    #[schema(schema_with = region_list_schema)]
    #[serde(default)]
    pub regions: Vec<String>,
    /// One endpoint for every region; must be on the operator's allow-list.
    #[schema(pattern = "^https?://[^\\x00]*$")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// Per-region endpoints, taking precedence over `endpoint_url`; each on the allow-list.
    #[schema(schema_with = region_endpoints_schema)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_endpoints: Option<BTreeMap<String, String>>,
    /// The tenant's role, assumed with the tenant's external id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The account id; asked from STS when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Regions collected at once (default 4).
    #[schema(minimum = 1, maximum = 18446744073709551615u64)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent_regions: Option<usize>,
    /// A named profile of the server's shared config files: the operator's credentials, so only
    /// where ambient credentials are allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Several accounts, each through its own role (assumed with the tenant's external id, as
    /// `role_arn`). Not with `role_arn` or `organization`; at least one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Vec<AccountRole>>,
    /// Every active account of an AWS Organization: listed (ListAccounts) with the job's own
    /// credentials (`role_arn`: a role in the management account), then the role `role_name`
    /// assumed in each account. Not with `accounts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationAccess>,
}

/// One account of a multi-account job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountRole {
    /// `arn:aws:iam::<account>:role/<name>`, assumed with the tenant's external id.
    #[schema(pattern = "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$")]
    pub role_arn: String,
}

/// The organization form of a multi-account job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationAccess {
    /// The role's name (and path) in every member account, e.g. `InfracastAudit`.
    #[schema(pattern = "^[A-Za-z0-9+=,.@_/-]{1,512}$")]
    pub role_name: String,
}

/// Regions shaped like `us-east-1`; empty or absent means every enabled region.
fn region_list_schema() -> utoipa::openapi::schema::Schema {
    utoipa::openapi::ArrayBuilder::new()
        .items(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::String)
                .pattern(Some(REGION_PATTERN)),
        )
        .into()
}

/// Absent, null, or a map from a region name (no NUL) to an endpoint.
fn region_endpoints_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::SchemaType;
    use utoipa::openapi::{ObjectBuilder, Type};
    let string = |pattern: &str| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(pattern))
    };
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .property_names(Some(string("^[^\\x00]*$")))
        .additional_properties(Some(string(ENDPOINT_PATTERN)))
        .into()
}

impl AwsConfig {
    /// The endpoint a region's calls go to, when not AWS's own.
    pub fn endpoint_for(&self, region: &str) -> Option<&str> {
        self.region_endpoints
            .as_ref()
            .and_then(|endpoints| endpoints.get(region))
            .or(self.endpoint_url.as_ref())
            .map(String::as_str)
    }

    fn endpoints(&self) -> impl Iterator<Item = &String> {
        self.endpoint_url
            .iter()
            .chain(self.region_endpoints.iter().flat_map(|map| map.values()))
    }
}

/// Where a fixture job's inventory comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FixtureSource {
    /// The shipped sample estate.
    Sample,
    /// An inventory in the request body (bounded by the API's body limit).
    Inline(Box<Inventory>),
    /// A file named relative to the operator's fixture directory.
    File(String),
    /// Any path on the server: the CLI (the operator) only.
    OperatorPath(String),
}

// The schema of what a tenant may send as a fixture job's `config`, declared beside the parser that
// accepts exactly these forms (`ProviderConfig::parse`); the CLI's `path` form is not a tenant's.
impl utoipa::PartialSchema for FixtureSource {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        fixture_config_schema().into()
    }
}

impl utoipa::ToSchema for FixtureSource {}

/// The `fixture` provider's config: the shipped sample, an inventory sent inline, or a file named
/// inside the operator's fixture directory. Never a server path.
fn fixture_config_schema() -> utoipa::openapi::schema::Schema {
    let only = |name: &str, schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Object)
            .property(name, schema)
            .required(name)
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
            ))
    };
    let sample = utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Boolean)
        .enum_values(Some([true]));
    let inventory = utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Object)
        .description(Some(
            "An inventory (`scopes`, `nodes`, `edges`) as `infracast generate` writes it; the \
             request body limit bounds it",
        ))
        .property(
            "nodes",
            utoipa::openapi::ArrayBuilder::new().items(utoipa::openapi::ObjectBuilder::new()),
        )
        .required("nodes");
    let file = utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some(
            "A file name relative to the operator's fixture directory (INFRACAST_FIXTURE_DIR)",
        ))
        .pattern(Some("^[^/\\x00][^\\x00]{0,254}$"));
    utoipa::openapi::schema::OneOfBuilder::new()
        .item(only("sample", sample.into()))
        .item(only("inventory", inventory.into()))
        .item(only("file", file.into()))
        .into()
}

/// A discovery job's provider and its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderConfig {
    Aws(AwsConfig),
    Fixture(FixtureSource),
}

/// What the operator lets tenants' jobs use. `operator()` is the CLI's: everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoveryPolicy {
    /// Base URLs a job's `endpoint_url` may name (`INFRACAST_ALLOWED_ENDPOINTS`), normalised.
    pub allowed_endpoints: Vec<String>,
    /// Whether tenant jobs may use the server's own AWS credentials
    /// (`INFRACAST_ALLOW_AMBIENT_AWS_CREDENTIALS=1`, a single-tenant install).
    pub allow_ambient_credentials: bool,
    /// The directory fixture files are read from (`INFRACAST_FIXTURE_DIR`); none: no files.
    pub fixture_dir: Option<std::path::PathBuf>,
    /// The operator's own jobs (the CLI): any endpoint, ambient credentials, any path.
    pub operator: bool,
}

impl DiscoveryPolicy {
    /// The CLI's policy: the operator may use anything the server has.
    pub fn operator() -> Self {
        DiscoveryPolicy {
            operator: true,
            allow_ambient_credentials: true,
            ..DiscoveryPolicy::default()
        }
    }

    /// A policy from the operator's comma-separated allow-list; bad entries are an error.
    pub fn with_allowed_endpoints(mut self, list: &str) -> Result<Self, String> {
        for entry in list
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
        {
            let normalised = normalise_endpoint(entry)
                .map_err(|message| format!("allowed endpoint `{entry}`: {message}"))?;
            if !self.allowed_endpoints.contains(&normalised) {
                self.allowed_endpoints.push(normalised);
            }
        }
        Ok(self)
    }

    /// Whether `endpoint` is one the operator listed (compared after normalisation).
    pub fn allows_endpoint(&self, endpoint: &str) -> bool {
        match normalise_endpoint(endpoint) {
            Ok(normalised) => self.allowed_endpoints.contains(&normalised),
            Err(_) => false,
        }
    }
}

/// `scheme://host:port/path` with a lowercase scheme and host, the default port made explicit and
/// no trailing slash. Userinfo, queries and fragments are refused: an endpoint is a base URL.
pub fn normalise_endpoint(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw.trim()).map_err(|_| "is not a URL".to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http(s) URL".to_string());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry user information".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not carry a query or fragment".to_string());
    }
    let host = url
        .host_str()
        .ok_or_else(|| "has no host".to_string())?
        .to_ascii_lowercase();
    let port = url
        .port_or_known_default()
        .ok_or_else(|| "has no port".to_string())?;
    let path = url.path().trim_end_matches('/');
    Ok(format!("{}://{host}:{port}{path}", url.scheme()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureShape {
    sample: Option<bool>,
    inventory: Option<Value>,
    file: Option<String>,
    path: Option<String>,
    // Read through `config.get(OPERATOR_MARKER)`; declared so `deny_unknown_fields` accepts it.
    #[serde(rename = "requested_by")]
    _requested_by: Option<String>,
}

impl ProviderConfig {
    /// Parses a job's `provider` and `config` (as stored or as sent). Says what is wrong.
    pub fn parse(provider: &str, config: &Value) -> Result<ProviderConfig, String> {
        let operator = config
            .get(OPERATOR_MARKER)
            .is_some_and(|value| value == "operator");
        match provider {
            "aws" => {
                let mut config = config.clone();
                if let Some(object) = config.as_object_mut() {
                    object.remove(OPERATOR_MARKER);
                }
                let aws: AwsConfig = serde_json::from_value(config)
                    .map_err(|error| format!("invalid aws config: {error}"))?;
                Ok(ProviderConfig::Aws(aws))
            }
            "fixture" => {
                let shape: FixtureShape = serde_json::from_value(config.clone())
                    .map_err(|_| FIXTURE_FORMS.to_string())?;
                let given = [
                    shape.sample.is_some(),
                    shape.inventory.is_some(),
                    shape.file.is_some(),
                    shape.path.is_some(),
                ];
                if given.iter().filter(|given| **given).count() != 1 {
                    return Err(FIXTURE_FORMS.to_string());
                }
                if let Some(sample) = shape.sample {
                    return if sample {
                        Ok(ProviderConfig::Fixture(FixtureSource::Sample))
                    } else {
                        Err("fixture config: `sample` must be true when given".to_string())
                    };
                }
                if let Some(inventory) = shape.inventory {
                    let inventory = super::inventory::parse_inventory_value(inventory)
                        .map_err(|message| format!("fixture inventory: {message}"))?;
                    return Ok(ProviderConfig::Fixture(FixtureSource::Inline(Box::new(
                        inventory,
                    ))));
                }
                if let Some(file) = shape.file {
                    check_relative_file_name(&file)?;
                    return Ok(ProviderConfig::Fixture(FixtureSource::File(file)));
                }
                match shape.path {
                    Some(path) if operator => {
                        Ok(ProviderConfig::Fixture(FixtureSource::OperatorPath(path)))
                    }
                    _ => Err(
                        "fixture config: server paths are not accepted; send the inventory inline \
                         as `inventory`, or name a file of the operator's fixture directory as `file`"
                            .to_string(),
                    ),
                }
            }
            other => Err(format!(
                "unknown provider `{other}`; expected aws or fixture"
            )),
        }
    }

    /// Checks the parsed config against what the operator allows. The message says what to do.
    pub fn check(&self, policy: &DiscoveryPolicy) -> Result<(), String> {
        match self {
            ProviderConfig::Aws(aws) => check_aws(aws, policy),
            ProviderConfig::Fixture(FixtureSource::File(_)) if policy.operator => Ok(()),
            ProviderConfig::Fixture(FixtureSource::File(_)) if policy.fixture_dir.is_none() => Err(
                "fixture config: this server has no fixture directory (the operator sets \
                     INFRACAST_FIXTURE_DIR); send the inventory inline as `inventory`"
                    .to_string(),
            ),
            ProviderConfig::Fixture(FixtureSource::OperatorPath(_)) if !policy.operator => {
                Err("fixture config: server paths are only for the operator's CLI".to_string())
            }
            ProviderConfig::Fixture(_) => Ok(()),
        }
    }
}

const FIXTURE_FORMS: &str = "fixture config must be exactly one of {\"sample\": true}, \
     {\"inventory\": {…inventory…}} or {\"file\": \"<name in the operator's fixture directory>\"}";

fn check_aws(aws: &AwsConfig, policy: &DiscoveryPolicy) -> Result<(), String> {
    check_accounts(aws)?;
    if let Some(bad) = aws.regions.iter().find(|region| !is_region_name(region)) {
        return Err(format!(
            "aws config: `{bad}` is not a region name like us-east-1"
        ));
    }
    if aws.max_concurrent_regions == Some(0) {
        return Err("aws config: `max_concurrent_regions` must be at least 1".to_string());
    }
    for endpoint in aws.endpoints() {
        if let Err(message) = normalise_endpoint(endpoint) {
            return Err(format!("aws config: endpoint `{endpoint}` {message}"));
        }
        if !policy.operator && !policy.allows_endpoint(endpoint) {
            return Err(format!(
                "aws config: endpoint `{endpoint}` is not one this server allows (the operator \
                 lists custom endpoints in INFRACAST_ALLOWED_ENDPOINTS); leave it out to use AWS"
            ));
        }
    }
    if let Some(role_arn) = &aws.role_arn
        && !is_role_arn(role_arn)
    {
        return Err(format!(
            "aws config: `{role_arn}` is not an IAM role ARN like arn:aws:iam::123456789012:role/name"
        ));
    }
    if policy.allow_ambient_credentials {
        return Ok(());
    }
    // Each listed account's role is the job's access; nothing of the server's is lent.
    if aws.accounts.is_some() && aws.profile.is_none() {
        return Ok(());
    }
    if aws.profile.is_some() {
        return Err(
            "aws config: `profile` names the server's own credentials, which this server does \
             not lend to tenants; give `role_arn` (assumed with your tenant's external id)"
                .to_string(),
        );
    }
    if aws.role_arn.is_none() {
        return Err(
            "aws config: `role_arn` is required: this server discovers your account only through \
             a role you let it assume, with your tenant's external id (GET /api/v1/auth/me shows it)"
                .to_string(),
        );
    }
    Ok(())
}

/// The multi-account forms: `accounts` (a non-empty list of role ARNs) or `organization`, not
/// both, and `accounts` not with `role_arn` (which would name a second, unlisted account).
fn check_accounts(aws: &AwsConfig) -> Result<(), String> {
    if aws.accounts.is_some() && aws.organization.is_some() {
        return Err("aws config: give either `accounts` or `organization`, not both".to_string());
    }
    if let Some(accounts) = &aws.accounts {
        if accounts.is_empty() {
            return Err("aws config: `accounts` must list at least one role".to_string());
        }
        if aws.role_arn.is_some() || aws.account_id.is_some() {
            return Err(
                "aws config: with `accounts`, put every role in the list (no `role_arn` or \
                 `account_id` beside it)"
                    .to_string(),
            );
        }
        if let Some(bad) = accounts
            .iter()
            .find(|account| !is_role_arn(&account.role_arn))
        {
            return Err(format!(
                "aws config: `{}` in `accounts` is not an IAM role ARN like \
                 arn:aws:iam::123456789012:role/name",
                bad.role_arn
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = accounts
            .iter()
            .find(|account| !seen.insert(&account.role_arn))
        {
            return Err(format!(
                "aws config: `{}` appears twice in `accounts`",
                twice.role_arn
            ));
        }
    }
    if let Some(organization) = &aws.organization {
        let name = &organization.role_name;
        let valid = !name.is_empty()
            && name.len() <= 512
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_/-".contains(c));
        if !valid {
            return Err(format!(
                "aws config: `organization.role_name` `{name}` is not an IAM role name"
            ));
        }
        if aws.account_id.is_some() {
            return Err(
                "aws config: with `organization`, account ids come from the organization (no \
                 `account_id`)"
                    .to_string(),
            );
        }
    }
    Ok(())
}

/// A region name such as `us-east-1` or `us-gov-west-1`.
pub fn is_region_name(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|last| last.chars().all(|c| c.is_ascii_digit()))
}

fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len()
        && arn.len() <= 2048
}

/// A file name relative to the fixture directory: plain components, no `..`, not absolute.
/// (The loader also resolves links and checks the result stays inside the directory.)
fn check_relative_file_name(file: &str) -> Result<(), String> {
    let refuse = |why: &str| Err(format!("fixture config: `file` {why}"));
    if file.is_empty() || file.len() > 255 {
        return refuse("must be a file name of 1 to 255 characters");
    }
    if file.starts_with('/') || file.contains('\\') || file.contains('\0') {
        return refuse("must be relative to the operator's fixture directory");
    }
    if file
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return refuse("must not contain empty, `.` or `..` components");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tenant_policy() -> DiscoveryPolicy {
        DiscoveryPolicy::default()
            .with_allowed_endpoints("http://127.0.0.1:5000/, https://ec2.example.test")
            .unwrap()
    }

    fn aws(config: Value) -> Result<(), String> {
        ProviderConfig::parse("aws", &config)?.check(&tenant_policy())
    }

    #[test]
    fn endpoints_are_compared_after_normalisation() {
        let policy = tenant_policy();
        assert!(policy.allows_endpoint("http://127.0.0.1:5000"));
        assert!(policy.allows_endpoint("HTTP://127.0.0.1:5000/"));
        assert!(policy.allows_endpoint("https://EC2.example.test:443"));
        assert!(!policy.allows_endpoint("http://127.0.0.1:5001"));
        assert!(!policy.allows_endpoint("http://localhost:5000"));
        assert!(!policy.allows_endpoint("http://127.0.0.1:5000/other"));
        assert!(!policy.allows_endpoint("http://user@127.0.0.1:5000"));
        assert!(!policy.allows_endpoint("http://127.0.0.1:5000/?x=1"));
        assert!(!policy.allows_endpoint("http://[::1]:5000"));
    }

    #[test]
    fn tenant_aws_jobs_need_an_allowed_endpoint_and_their_own_role() {
        let role = "arn:aws:iam::123456789012:role/infracast";
        assert!(aws(json!({"regions": ["us-east-1"], "role_arn": role})).is_ok());
        let refused = aws(json!({"regions": ["us-east-1"], "role_arn": role,
            "endpoint_url": "http://127.0.0.1:19990/"}))
        .unwrap_err();
        assert!(refused.contains("INFRACAST_ALLOWED_ENDPOINTS"), "{refused}");
        let per_region = aws(json!({"regions": ["us-east-1"], "role_arn": role,
            "region_endpoints": {"us-east-1": "http://169.254.169.254/"}}))
        .unwrap_err();
        assert!(per_region.contains("169.254.169.254"), "{per_region}");
        assert!(
            aws(json!({"regions": ["us-east-1"], "role_arn": role,
            "endpoint_url": "http://127.0.0.1:5000"}))
            .is_ok()
        );
        let ambient = aws(json!({"regions": ["us-east-1"]})).unwrap_err();
        assert!(ambient.contains("role_arn"), "{ambient}");
        let profile = aws(json!({"regions": ["us-east-1"], "role_arn": role, "profile": "prod"}))
            .unwrap_err();
        assert!(profile.contains("profile"), "{profile}");
        assert!(
            aws(json!({"regions": ["us-east-1"], "role_arn": "arn:aws:iam::1:user/x"})).is_err()
        );
        // The operator's marker is no way around the policy for tenants' stored jobs.
        let marked = json!({"regions": ["us-east-1"], "endpoint_url": "http://127.0.0.1:19990/",
            "role_arn": role, "requested_by": "operator"});
        assert!(
            ProviderConfig::parse("aws", &marked)
                .unwrap()
                .check(&tenant_policy())
                .is_err()
        );
    }

    #[test]
    fn multi_account_forms_are_checked() {
        let role = "arn:aws:iam::111111111111:role/audit";
        let other = "arn:aws:iam::222222222222:role/audit";
        assert!(aws(json!({"accounts": [{"role_arn": role}, {"role_arn": other}]})).is_ok());
        assert!(aws(json!({"role_arn": role, "organization": {"role_name": "Audit"}})).is_ok());
        let both = aws(json!({"accounts": [{"role_arn": role}],
            "organization": {"role_name": "Audit"}}))
        .unwrap_err();
        assert!(both.contains("not both"), "{both}");
        let empty = aws(json!({"accounts": []})).unwrap_err();
        assert!(empty.contains("at least one"), "{empty}");
        let bad = aws(json!({"accounts": [{"role_arn": "arn:aws:iam::1:user/x"}]})).unwrap_err();
        assert!(bad.contains("not an IAM role ARN"), "{bad}");
        let twice = aws(json!({"accounts": [{"role_arn": role}, {"role_arn": role}]})).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        let beside = aws(json!({"role_arn": role, "accounts": [{"role_arn": other}]})).unwrap_err();
        assert!(beside.contains("every role in the list"), "{beside}");
        let name =
            aws(json!({"role_arn": role, "organization": {"role_name": "a b"}})).unwrap_err();
        assert!(name.contains("role_name"), "{name}");
        // Listing the organization needs the job's own credentials: a role, not the server's.
        assert!(aws(json!({"organization": {"role_name": "Audit"}})).is_err());
        assert!(aws(json!({"accounts": [{"role_arn": role}], "unknown": 1})).is_err());
        // No regions: every enabled region.
        assert!(aws(json!({"role_arn": role})).is_ok());
    }

    #[test]
    fn ambient_credentials_only_where_the_operator_allows_them() {
        let mut policy = tenant_policy();
        policy.allow_ambient_credentials = true;
        let config = ProviderConfig::parse("aws", &json!({"regions": ["eu-west-1"]})).unwrap();
        assert!(config.check(&policy).is_ok());
        assert!(config.check(&DiscoveryPolicy::operator()).is_ok());
    }

    #[test]
    fn fixture_jobs_never_name_server_paths() {
        let parse = |config: Value| ProviderConfig::parse("fixture", &config);
        assert!(parse(json!({"path": "/etc/shadow"})).is_err());
        assert!(parse(json!({"file": "../etc/shadow"})).is_err());
        assert!(parse(json!({"file": "/etc/shadow"})).is_err());
        assert!(parse(json!({"file": "a/./b.json"})).is_err());
        assert!(parse(json!({"sample": true, "file": "a.json"})).is_err());
        assert!(parse(json!({"sample": false})).is_err());
        assert_eq!(
            parse(json!({"file": "estates/prod.json"})).unwrap(),
            ProviderConfig::Fixture(FixtureSource::File("estates/prod.json".into()))
        );
        let no_directory = parse(json!({"file": "prod.json"}))
            .unwrap()
            .check(&tenant_policy())
            .unwrap_err();
        assert!(
            no_directory.contains("INFRACAST_FIXTURE_DIR"),
            "{no_directory}"
        );
        let operator =
            parse(json!({"path": "/srv/estate.json", "requested_by": "operator"})).unwrap();
        assert!(operator.check(&DiscoveryPolicy::operator()).is_ok());
        assert!(operator.check(&tenant_policy()).is_err());
    }

    #[test]
    fn inline_inventories_are_validated() {
        let parse = |config: Value| ProviderConfig::parse("fixture", &config);
        let inventory = json!({"nodes": [{"id": "aws:us-east-1:aws.ec2.vpc:vpc-1",
            "type": "aws.ec2.vpc", "provider": "aws", "region": "us-east-1"}]});
        assert!(matches!(
            parse(json!({"inventory": inventory})).unwrap(),
            ProviderConfig::Fixture(FixtureSource::Inline(_))
        ));
        let mismatched = json!({"nodes": [{"id": "aws:us-east-1:aws.ec2.vpc:vpc-1",
            "type": "aws.ec2.subnet", "provider": "aws", "region": "us-east-1"}]});
        assert!(parse(json!({"inventory": mismatched})).is_err());
    }

    #[test]
    fn the_fixture_schema_documents_exactly_the_forms_a_tenant_may_send() {
        let schema =
            serde_json::to_value(<FixtureSource as utoipa::PartialSchema>::schema()).unwrap();
        let forms: Vec<Vec<String>> = schema["oneOf"]
            .as_array()
            .expect("a one-of of the forms")
            .iter()
            .map(|form| {
                form["required"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|name| name.as_str().unwrap().to_string())
                    .collect()
            })
            .collect();
        assert_eq!(forms, [["sample"], ["inventory"], ["file"]]);
        // Each documented form parses; the operator's `path` form is not documented and a tenant's
        // `path` is refused.
        for config in [
            json!({"sample": true}),
            json!({"inventory": {"nodes": []}}),
            json!({"file": "estate.json"}),
        ] {
            assert!(
                ProviderConfig::parse("fixture", &config).is_ok(),
                "{config} should parse"
            );
        }
        assert!(ProviderConfig::parse("fixture", &json!({"path": "/srv/estate.json"})).is_err());
    }
}
