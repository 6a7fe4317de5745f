//! Pure transforms from aws-sdk-lambda types to Infracast nodes, unit-tested with values built by
//! the SDK's builders: the function's configuration plus what the per-function calls found (its
//! resource policy and URL).

use std::collections::BTreeMap;

use aws_sdk_lambda::types as lambda;
use chrono::NaiveDate;
use serde_json::Value;

use super::runtimes;
use crate::model::properties::LambdaFunctionProperties;
use crate::model::{Node, NodeId, NodeType};

pub use super::super::service::Origin;

/// What the per-function calls found. `*_known` is false when the call failed (not "none").
#[derive(Debug, Clone, Default)]
pub struct FunctionExtras {
    /// The resource policy document (JSON text), if the function has one.
    pub policy: Option<String>,
    pub policy_known: bool,
    /// (URL, auth type) of the function URL, if it has one.
    pub url: Option<(String, String)>,
    pub url_known: bool,
}

fn is_everyone(principal: &Value) -> bool {
    match principal {
        Value::String(text) => text == "*",
        Value::Array(items) => items.iter().any(is_everyone),
        Value::Object(map) => map.values().any(is_everyone),
        _ => false,
    }
}

/// Statements (their `Sid`, else their index) that allow principal `*` with no `Condition`.
/// `None` when the document is not JSON we can read.
pub fn public_statements(policy: &str) -> Option<Vec<String>> {
    let document: Value = serde_json::from_str(policy).ok()?;
    let statements = match document.get("Statement")? {
        Value::Array(items) => items.clone(),
        single @ Value::Object(_) => vec![single.clone()],
        _ => return None,
    };
    Some(
        statements
            .iter()
            .enumerate()
            .filter(|(_, statement)| {
                statement.get("Effect").and_then(Value::as_str) == Some("Allow")
                    && statement.get("Principal").is_some_and(is_everyone)
                    && statement.get("Condition").is_none_or(|condition| {
                        condition.as_object().is_some_and(|map| map.is_empty())
                    })
            })
            .map(|(index, statement)| {
                statement
                    .get("Sid")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| index.to_string())
            })
            .collect(),
    )
}

/// `today`: the day of discovery, against which the runtime's deprecation date is compared.
pub fn transform_function(
    origin: &Origin,
    function: &lambda::FunctionConfiguration,
    extras: &FunctionExtras,
    today: NaiveDate,
) -> Option<Node> {
    let name = function.function_name()?;
    let runtime = function
        .runtime()
        .map(|runtime| runtime.as_str().to_string());
    let vpc = function.vpc_config();
    let (policy_allows_public, public_policy_statements) =
        match (&extras.policy, extras.policy_known) {
            (_, false) => (None, Vec::new()),
            (None, true) => (Some(false), Vec::new()),
            (Some(policy), true) => match public_statements(policy) {
                Some(statements) => (Some(!statements.is_empty()), statements),
                None => (None, Vec::new()),
            },
        };
    let properties = LambdaFunctionProperties {
        function_name: name.to_string(),
        arn: function.function_arn().map(str::to_string),
        runtime_deprecated: runtime
            .as_deref()
            .is_some_and(|runtime| runtimes::is_deprecated_on(runtime, today)),
        runtime_deprecation_date: runtime
            .as_deref()
            .and_then(runtimes::deprecation_date)
            .map(|date| date.to_string()),
        runtime,
        package_type: function
            .package_type()
            .map(|kind| kind.as_str().to_string()),
        vpc_id: vpc
            .and_then(|vpc| vpc.vpc_id())
            .filter(|vpc_id| !vpc_id.is_empty())
            .map(str::to_string),
        subnet_ids: vpc.map(|vpc| vpc.subnet_ids().to_vec()).unwrap_or_default(),
        security_group_ids: vpc
            .map(|vpc| vpc.security_group_ids().to_vec())
            .unwrap_or_default(),
        function_url: extras.url.as_ref().map(|(url, _)| url.clone()),
        function_url_auth_type: extras.url.as_ref().map(|(_, auth)| auth.clone()),
        function_url_known: extras.url_known,
        policy_allows_public,
        public_policy_statements,
    };
    Some(Node {
        id: NodeId::aws(&origin.region, NodeType::LambdaFunction, name),
        node_type: NodeType::LambdaFunction,
        provider: "aws".to_string(),
        region: origin.region.clone(),
        account: origin.account.clone(),
        name: name.to_string(),
        tags: BTreeMap::new(),
        // Invariant: the property structs serialize to JSON objects.
        properties: serde_json::to_value(&properties).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn policies_are_public_only_for_star_without_condition() {
        let open = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"open","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction"},
            {"Sid":"url","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}},
            {"Sid":"account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:InvokeFunction"},
            {"Sid":"aws-star","Effect":"Allow","Principal":{"AWS":["*"]},"Action":"lambda:InvokeFunction"},
            {"Sid":"deny","Effect":"Deny","Principal":"*","Action":"lambda:InvokeFunction"}
        ]}"#;
        assert_eq!(
            public_statements(open).unwrap(),
            vec!["open".to_string(), "aws-star".to_string()]
        );
        assert_eq!(public_statements("not json"), None);
    }

    #[test]
    fn a_function_keeps_its_runtime_vpc_url_and_policy_verdicts() {
        let function = lambda::FunctionConfiguration::builder()
            .function_name("resize")
            .function_arn("arn:aws:lambda:us-east-1:123456789012:function:resize")
            .runtime(lambda::Runtime::Python37)
            .vpc_config(
                lambda::VpcConfigResponse::builder()
                    .vpc_id("vpc-1")
                    .subnet_ids("subnet-a")
                    .security_group_ids("sg-fn")
                    .build(),
            )
            .build();
        let extras = FunctionExtras {
            policy: Some(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"lambda:*"}]}"#.into(),
            ),
            policy_known: true,
            url: Some((
                "https://x.lambda-url.us-east-1.on.aws/".into(),
                "NONE".into(),
            )),
            url_known: true,
        };
        let node = transform_function(&origin(), &function, &extras, day("2026-12-01")).unwrap();
        assert_eq!(node.id.as_str(), "aws:us-east-1:aws.lambda.function:resize");
        let properties: LambdaFunctionProperties = node.properties_as().unwrap();
        assert_eq!(properties.runtime.as_deref(), Some("python3.7"));
        assert!(properties.runtime_deprecated);
        assert_eq!(
            properties.runtime_deprecation_date.as_deref(),
            Some("2023-12-04")
        );
        assert_eq!(properties.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(properties.subnet_ids, vec!["subnet-a"]);
        assert_eq!(properties.security_group_ids, vec!["sg-fn"]);
        assert_eq!(properties.function_url_auth_type.as_deref(), Some("NONE"));
        assert_eq!(properties.policy_allows_public, Some(true));
        assert_eq!(properties.public_policy_statements, vec!["0"]);

        // Before its date the same runtime is not deprecated; no policy means not public; an
        // unread policy is unknown.
        let plain = FunctionExtras {
            policy_known: true,
            url_known: true,
            ..Default::default()
        };
        let earlier = transform_function(&origin(), &function, &plain, day("2023-12-03")).unwrap();
        let properties: LambdaFunctionProperties = earlier.properties_as().unwrap();
        assert!(!properties.runtime_deprecated);
        assert_eq!(properties.policy_allows_public, Some(false));
        assert_eq!(properties.function_url, None);
        let unread = FunctionExtras::default();
        let unknown = transform_function(&origin(), &function, &unread, day("2026-12-01")).unwrap();
        let properties: LambdaFunctionProperties = unknown.properties_as().unwrap();
        assert_eq!(properties.policy_allows_public, None);
        assert!(!properties.function_url_known);
    }

    #[test]
    fn a_function_outside_a_vpc_has_no_vpc() {
        let function = lambda::FunctionConfiguration::builder()
            .function_name("cron")
            .runtime(lambda::Runtime::Python312)
            .vpc_config(lambda::VpcConfigResponse::builder().vpc_id("").build())
            .build();
        let extras = FunctionExtras {
            policy_known: true,
            url_known: true,
            ..Default::default()
        };
        let node = transform_function(&origin(), &function, &extras, day("2026-12-01")).unwrap();
        let properties: LambdaFunctionProperties = node.properties_as().unwrap();
        assert_eq!(properties.vpc_id, None);
        assert!(!properties.runtime_deprecated);
        assert_eq!(properties.runtime_deprecation_date, None);
    }
}
