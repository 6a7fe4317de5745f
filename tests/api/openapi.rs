//! The OpenAPI document: served without auth as YAML and JSON (the same document), describing
//! every route of `src/api/*.rs` (`routes!` and plain `.route(`) with its methods, the bearer
//! scheme on every guarded operation and the documented error codes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::spawn_app;

/// Operations that answer without credentials.
const OPEN_OPERATIONS: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/livez"),
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/auth/refresh"),
    ("get", "/api/v1/openapi.yaml"),
    ("get", "/api/v1/openapi.json"),
];

const HTTP_METHODS: &[&str] = &["get", "post", "put", "delete", "patch"];

async fn fetch_spec() -> Value {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// `(method, path)` of every operation in the document.
fn documented_operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths is an object") {
        for method in HTTP_METHODS {
            if item.get(*method).is_some() {
                operations.insert((method.to_string(), path.clone()));
            }
        }
    }
    operations
}

/// The text from an opening parenthesis at `start` to its matching closing one.
fn balanced(text: &str, start: usize) -> &str {
    let mut depth = 0;
    for (offset, character) in text[start..].char_indices() {
        match character {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[start..=start + offset];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses after byte {start}");
}

/// `(method, path)` of a handler's `#[utoipa::path(method, path = "…")]` in `text`.
fn annotated_operation(text: &str, handler: &str, file: &Path) -> (String, String) {
    let definition = text
        .find(&format!("fn {handler}("))
        .unwrap_or_else(|| panic!("{}: no handler `{handler}`", file.display()));
    let annotation = text[..definition]
        .rfind("#[utoipa::path(")
        .unwrap_or_else(|| panic!("{}: `{handler}` has no #[utoipa::path]", file.display()));
    let arguments = balanced(text, annotation + "#[utoipa::path".len());
    let method = arguments[1..].split(',').next().unwrap().trim().to_string();
    let path = arguments
        .split("path = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{}: `{handler}` has no path", file.display()));
    assert!(
        HTTP_METHODS.contains(&method.as_str()),
        "{}: `{handler}` has method `{method}`",
        file.display()
    );
    (method, path.to_string())
}

/// `(method, path)` of every route in `src/api/*.rs`: each handler in a `routes!(…)` (its
/// `#[utoipa::path]` says method and path) and each plain `.route("…", get(…).post(…))`, which
/// is how a route would be added without documentation.
fn routed_operations() -> BTreeSet<(String, String)> {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut operations = BTreeSet::new();
    let mut entries: Vec<_> = std::fs::read_dir(&api)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
        .collect();
    entries.sort();
    for file in entries {
        // Comments may mention `.route(` too; only code counts.
        let text: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(|line| format!("{line}\n"))
            .collect();
        for (position, _) in text.match_indices("routes!(") {
            let arguments = balanced(&text, position + "routes!".len());
            for handler in arguments[1..arguments.len() - 1].split(',') {
                operations.insert(annotated_operation(&text, handler.trim(), &file));
            }
        }
        for (position, _) in text.match_indices(".route(") {
            let arguments = balanced(&text, position + ".route".len());
            let path = arguments
                .split('"')
                .nth(1)
                .unwrap_or_else(|| panic!("{}: a route without a path literal", file.display()));
            let mut methods = BTreeSet::new();
            for method in HTTP_METHODS {
                let call = format!("{method}(");
                for (index, _) in arguments.match_indices(&call) {
                    let before = arguments[..index].chars().next_back();
                    if before
                        .is_none_or(|character| !(character.is_alphanumeric() || character == '_'))
                    {
                        methods.insert(method.to_string());
                    }
                }
            }
            assert!(
                !methods.is_empty(),
                "{}: route `{path}` has no method",
                file.display()
            );
            for method in methods {
                operations.insert((method, path.to_string()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn both_documents_are_served_without_auth_and_are_the_same() {
    let app = spawn_app().await;
    let json = app
        .client
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::OK);
    assert_eq!(json.headers()["content-type"], "application/json");
    let json: Value = json.json().await.unwrap();

    let yaml = app
        .client
        .get(format!("{}/api/v1/openapi.yaml", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(yaml.status(), StatusCode::OK);
    assert_eq!(yaml.headers()["content-type"], "application/yaml");
    let yaml: Value = serde_norway::from_str(&yaml.text().await.unwrap()).unwrap();

    assert_eq!(yaml, json, "the YAML and JSON documents differ");
    assert!(json["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(json["info"]["title"], "Infracast API");
}

#[tokio::test]
async fn every_route_in_the_code_is_documented_and_nothing_else() {
    let spec = fetch_spec().await;
    let routed = routed_operations();
    assert!(
        routed.len() >= 50,
        "found only {} routed operations: is the route parser broken?",
        routed.len()
    );
    let documented = documented_operations(&spec);
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document (annotate the handler with #[utoipa::path] \
         and register it with `routes!` in its module's router): {undocumented:?}"
    );
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        unrouted.is_empty(),
        "documented operations that no route serves: {unrouted:?}"
    );
}

#[tokio::test]
async fn every_parameter_of_a_path_is_documented() {
    let spec = fetch_spec().await;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let in_path: BTreeSet<&str> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for method in HTTP_METHODS {
            let Some(operation) = item.get(*method) else {
                continue;
            };
            let documented: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter(|parameter| parameter["in"] == "path")
                .map(|parameter| parameter["name"].as_str().unwrap())
                .collect();
            assert_eq!(documented, in_path, "{method} {path}: path parameters");
        }
    }
}

#[tokio::test]
async fn list_endpoints_document_paging_with_at_most_500_per_page() {
    let spec = fetch_spec().await;
    for path in [
        "/api/v1/tenants",
        "/api/v1/tenants/{tenant}/nodes",
        "/api/v1/tenants/{tenant}/edges",
        "/api/v1/tenants/{tenant}/findings",
        "/api/v1/tenants/{tenant}/jobs",
        "/api/v1/tenants/{tenant}/exposure",
    ] {
        let parameters = spec["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path} has no parameters"));
        let by_name: BTreeMap<&str, &Value> = parameters
            .iter()
            .map(|parameter| (parameter["name"].as_str().unwrap(), parameter))
            .collect();
        assert_eq!(by_name["page"]["schema"]["minimum"], 1, "{path}");
        assert_eq!(by_name["per_page"]["schema"]["maximum"], 500, "{path}");
        let meta = &spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert!(meta.is_object(), "{path}: no 200 schema");
    }
    let nodes = spec["paths"]["/api/v1/tenants/{tenant}/nodes"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let names: BTreeSet<&str> = nodes
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    for expected in ["types", "region", "tag", "sort", "cursor"] {
        assert!(names.contains(expected), "nodes list lacks `{expected}`");
    }
    let sort = nodes
        .iter()
        .find(|parameter| parameter["name"] == "sort")
        .unwrap();
    let sorts: Vec<&str> = sort["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|value| value.as_str().unwrap())
        .collect();
    assert!(sorts.contains(&"-created_at") && sorts.contains(&"name"));
}

#[tokio::test]
async fn every_guarded_operation_requires_the_bearer_scheme_and_answers_401_without_it() {
    let app = spawn_app().await;
    let spec: Value = app
        .client
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scheme = &spec["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");

    let open: BTreeSet<(String, String)> = OPEN_OPERATIONS
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    let mut guarded = 0;
    let mut unauthenticated_requests = 0;
    for (method, path) in documented_operations(&spec) {
        let operation = &spec["paths"][&path][&method];
        let security = operation["security"].as_array();
        if open.contains(&(method.clone(), path.clone())) {
            assert!(
                security.is_none_or(|requirements| requirements.is_empty()),
                "{method} {path} is open but documents security"
            );
            continue;
        }
        guarded += 1;
        assert_eq!(
            operation["security"],
            serde_json::json!([{"bearer": []}]),
            "{method} {path}: security requirement"
        );
        for status in ["401", "429"] {
            assert!(
                operation["responses"].get(status).is_some(),
                "{method} {path} does not document {status}"
            );
        }
        // The behaviour agrees: without credentials the guard answers 401.
        let concrete = path
            .replace("{tenant}", "acme")
            .replace("{node_id}", "aws:us-east-1:aws.ec2.vpc:vpc-1")
            .replace(['{', '}'], "");
        let response = app
            .client
            .request(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                format!("{}{concrete}", app.address),
            )
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        // Past the per-address allowance for requests without credentials, 429 is the answer.
        let allowance = infracast::api::rate_limit::GuardLimit::UnauthenticatedPerClient
            .limit()
            .burst as usize;
        unauthenticated_requests += 1;
        let within_allowance = unauthenticated_requests <= allowance;
        assert!(
            response.status() == StatusCode::UNAUTHORIZED
                || (!within_allowance && response.status() == StatusCode::TOO_MANY_REQUESTS),
            "{method} {concrete} without credentials: {}",
            response.status()
        );
    }
    assert!(guarded >= 45, "only {guarded} guarded operations");
}

#[tokio::test]
async fn the_error_schema_has_the_documented_codes_and_429_its_headers() {
    let spec = fetch_spec().await;
    let schemas = &spec["components"]["schemas"];
    let codes: BTreeSet<&str> = schemas["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is an enum")
        .iter()
        .map(|code| code.as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = [
        "BAD_REQUEST",
        "VALIDATION_ERROR",
        "UNAUTHORIZED",
        "FORBIDDEN",
        "NOT_FOUND",
        "CONFLICT",
        "PAYLOAD_TOO_LARGE",
        "RATE_LIMITED",
        "INTERNAL_ERROR",
    ]
    .into_iter()
    .collect();
    assert_eq!(codes, expected);

    let body = &schemas["ErrorBody"];
    let required: BTreeSet<&str> = body["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    assert_eq!(required, ["data", "error"].into_iter().collect());
    assert_eq!(
        body["properties"]["data"]["$ref"],
        "#/components/schemas/Null"
    );
    assert_eq!(schemas["Null"]["type"], "null");
    let detail = &schemas["ErrorDetail"]["properties"];
    for field in ["code", "message", "details", "retry_after"] {
        assert!(detail.get(field).is_some(), "ErrorDetail lacks `{field}`");
    }

    let rate_limited = &spec["components"]["responses"]["RateLimited"];
    assert!(rate_limited["headers"].get("Retry-After").is_some());
    assert_eq!(
        rate_limited["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
    let nodes = &spec["paths"]["/api/v1/tenants/{tenant}/nodes"]["post"]["responses"];
    for status in ["201", "400", "401", "403", "404", "409", "413", "429"] {
        assert!(
            nodes.get(status).is_some(),
            "POST nodes does not document {status}"
        );
    }
}
