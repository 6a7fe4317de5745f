//! Reads a resource policy document (an S3 bucket policy, a KMS key policy) for the two facts the
//! rules need: does it allow everyone (`*` principal, no restricting condition), and does it deny
//! requests made without TLS (`aws:SecureTransport = false`). Pure: a JSON string in, booleans out.
//! It does not evaluate IAM policy logic in general (no action or resource matching).

use serde_json::Value;

/// Condition keys that tie a statement to known callers or networks: a `*` principal limited by
/// one of them is not public (the list AWS's own "public" analysis uses, in substance).
const RESTRICTING_CONDITION_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "aws:username",
    "kms:calleraccount",
    "kms:viaservice",
];

/// What a policy document says about public access and transport security.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyFacts {
    pub allows_public: bool,
    pub denies_insecure_transport: bool,
}

/// Analyses a policy document; a document that is not JSON yields no facts (neither public nor
/// TLS-only), which the caller records as it is.
pub fn analyse(document: &str) -> PolicyFacts {
    let Ok(policy) = serde_json::from_str::<Value>(document) else {
        return PolicyFacts::default();
    };
    let statements: Vec<&Value> = match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    let mut facts = PolicyFacts::default();
    for statement in statements {
        let effect = statement
            .get("Effect")
            .and_then(Value::as_str)
            .unwrap_or("");
        if effect.eq_ignore_ascii_case("Allow")
            && principal_is_everyone(statement.get("Principal"))
            && !has_restricting_condition(statement.get("Condition"))
        {
            facts.allows_public = true;
        }
        if effect.eq_ignore_ascii_case("Deny") && denies_without_tls(statement.get("Condition")) {
            facts.denies_insecure_transport = true;
        }
    }
    facts
}

fn principal_is_everyone(principal: Option<&Value>) -> bool {
    let is_star = |value: &Value| match value {
        Value::String(text) => text == "*",
        Value::Array(items) => items.iter().any(|item| item.as_str() == Some("*")),
        _ => false,
    };
    match principal {
        Some(Value::String(text)) => text == "*",
        Some(Value::Object(map)) => map.get("AWS").is_some_and(is_star),
        _ => false,
    }
}

/// The condition's keys, lower-cased, across every operator (`StringEquals`, `Bool`, …).
fn condition_entries(condition: Option<&Value>) -> Vec<(String, String, &Value)> {
    let Some(Value::Object(operators)) = condition else {
        return Vec::new();
    };
    let mut entries = Vec::new();
    for (operator, keys) in operators {
        if let Value::Object(keys) = keys {
            for (key, value) in keys {
                entries.push((
                    operator.to_ascii_lowercase(),
                    key.to_ascii_lowercase(),
                    value,
                ));
            }
        }
    }
    entries
}

fn has_restricting_condition(condition: Option<&Value>) -> bool {
    condition_entries(condition)
        .iter()
        .any(|(_, key, _)| RESTRICTING_CONDITION_KEYS.contains(&key.as_str()))
}

fn denies_without_tls(condition: Option<&Value>) -> bool {
    let is_false = |value: &Value| match value {
        Value::Bool(flag) => !flag,
        Value::String(text) => text.eq_ignore_ascii_case("false"),
        Value::Array(items) => items.iter().any(|item| {
            item.as_bool() == Some(false)
                || item
                    .as_str()
                    .is_some_and(|text| text.eq_ignore_ascii_case("false"))
        }),
        _ => false,
    };
    condition_entries(condition)
        .iter()
        .any(|(operator, key, value)| {
            operator.starts_with("bool") && key == "aws:securetransport" && is_false(value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_principal_without_condition_is_public() {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        assert_eq!(
            analyse(policy),
            PolicyFacts {
                allows_public: true,
                denies_insecure_transport: false
            }
        );
        let aws_star = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},
            "Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}}"#;
        assert!(
            analyse(aws_star).allows_public,
            "a TLS condition restricts nobody"
        );
    }

    #[test]
    fn a_restricting_condition_or_a_named_principal_is_not_public() {
        let by_account = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*",
            "Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"}}}]}"#;
        assert!(!analyse(by_account).allows_public);
        let named = r#"{"Statement":[{"Effect":"Allow",
            "Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*"}]}"#;
        assert!(!analyse(named).allows_public);
        let denied = r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*"}]}"#;
        assert!(!analyse(denied).allows_public);
    }

    #[test]
    fn a_deny_on_secure_transport_false_is_tls_only_in_every_spelling() {
        for value in [r#""false""#, "false", r#"["false"]"#] {
            let policy = format!(
                r#"{{"Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:*",
                "Condition":{{"Bool":{{"aws:SecureTransport":{value}}}}}}}]}}"#
            );
            assert!(analyse(&policy).denies_insecure_transport, "{policy}");
        }
        let allow_tls = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*",
            "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        assert!(!analyse(allow_tls).denies_insecure_transport);
        assert_eq!(analyse("not json"), PolicyFacts::default());
    }
}
