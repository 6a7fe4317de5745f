//! IAM end to end: identities built in moto with the real aws-sdk-iam, discovered by an `aws` job
//! (IAM runs once per account, under the scope region `global`), then nodes, edges (including
//! instance → instance profile → role across scopes), findings per resource and CIS section 1
//! controls read through the API. Also: several accounts per job (a list of roles, or an AWS
//! Organization), accounts that share names, and every enabled region
//! when the job names none.
//!
//! moto cannot age an access key or a password: the "old key" and "unused 45 days" sides are
//! covered by the rule examples (`rules/aws/iam.toml`); here the compliant side is asserted.

use aws_sdk_ec2::types::{IamInstanceProfileSpecification, InstanceType};
use infracast::jobs;
use reqwest::StatusCode;
use serde_json::{Value, json};

use infracast::model::provider_config::DiscoveryPolicy;

use crate::helpers::{TestApp, edge_destinations, encode, spawn_app_with_policy};
use crate::moto::MotoServer;

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

fn static_test_credentials() {
    // SAFETY: the same constant values every test of this binary sets, before any SDK client.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
}

async fn sdk(moto: &MotoServer) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await
}

const ADMIN_DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// What the test built: two instances (one with the `web` profile).
struct Estate {
    profiled_instance: String,
    bare_instance: String,
}

async fn build_identities(moto: &MotoServer) -> Estate {
    let config = sdk(moto).await;
    let iam = aws_sdk_iam::Client::new(&config);
    // A console user without MFA, with an access key.
    iam.create_user().user_name("nomfa").send().await.unwrap();
    iam.create_login_profile()
        .user_name("nomfa")
        .password("Correct-Horse-1")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("nomfa")
        .send()
        .await
        .unwrap();
    // A console user with a virtual MFA device, in the admins group.
    iam.create_user().user_name("withmfa").send().await.unwrap();
    iam.create_login_profile()
        .user_name("withmfa")
        .password("Correct-Horse-2")
        .send()
        .await
        .unwrap();
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("withmfa")
        .send()
        .await
        .unwrap();
    let serial = device
        .virtual_mfa_device()
        .unwrap()
        .serial_number()
        .to_string();
    iam.enable_mfa_device()
        .user_name("withmfa")
        .serial_number(&serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .unwrap();
    iam.create_group()
        .group_name("admins")
        .send()
        .await
        .unwrap();
    iam.add_user_to_group()
        .group_name("admins")
        .user_name("withmfa")
        .send()
        .await
        .unwrap();
    let policy = iam
        .create_policy()
        .policy_name("full-admin")
        .policy_document(ADMIN_DOCUMENT)
        .send()
        .await
        .unwrap();
    let policy_arn = policy.policy().unwrap().arn().unwrap().to_string();
    iam.attach_group_policy()
        .group_name("admins")
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    // A role EC2 may assume, in an instance profile.
    iam.create_role()
        .role_name("web")
        .assume_role_policy_document(EC2_TRUST)
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("web")
        .send()
        .await
        .unwrap();

    let ec2 = aws_sdk_ec2::Client::new(&config);
    let images = ec2.describe_images().send().await.unwrap();
    let image = images
        .images()
        .first()
        .and_then(|image| image.image_id())
        .expect("moto ships images")
        .to_string();
    let launch = |profile: Option<&'static str>| {
        let (ec2, image) = (ec2.clone(), image.clone());
        async move {
            let mut request = ec2
                .run_instances()
                .image_id(image)
                .instance_type(InstanceType::T3Micro)
                .min_count(1)
                .max_count(1);
            if let Some(profile) = profile {
                request = request.iam_instance_profile(
                    IamInstanceProfileSpecification::builder()
                        .name(profile)
                        .build(),
                );
            }
            let answer = request.send().await.unwrap();
            answer.instances()[0].instance_id().unwrap().to_string()
        }
    };
    Estate {
        profiled_instance: launch(Some("web")).await,
        bare_instance: launch(None).await,
    }
}

async fn moto_app(moto: &MotoServer) -> TestApp {
    let policy = DiscoveryPolicy {
        allow_ambient_credentials: true,
        ..DiscoveryPolicy::default()
    }
    .with_allowed_endpoints(&moto.endpoint)
    .unwrap();
    spawn_app_with_policy(policy).await
}

async fn run_aws_job(app: &TestApp, key: &str, config: Value) -> Value {
    let created = app
        .post(
            "/api/v1/tenants/acme/jobs",
            key,
            json!({"provider": "aws", "config": config, "start": true}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let finished = jobs::run_next(&app.runtime())
        .await
        .unwrap()
        .expect("the job");
    app.get(
        &format!("/api/v1/tenants/acme/jobs/{}", finished.job_id),
        key,
    )
    .await
    .body["data"]
        .clone()
}

async fn node(app: &TestApp, key: &str, id: &str) -> Value {
    let answer = app
        .get(&format!("/api/v1/tenants/acme/nodes/{}", encode(id)), key)
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{id}: {}", answer.body);
    answer.body["data"].clone()
}

async fn total(app: &TestApp, key: &str, query: &str) -> u64 {
    let answer = app.get(&format!("/api/v1/tenants/acme/{query}"), key).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    answer.body["meta"]["total"].as_u64().unwrap()
}

/// The rule ids of the open findings on one node.
async fn findings_on(app: &TestApp, key: &str, node_id: &str) -> Vec<String> {
    let answer = app
        .get(
            &format!(
                "/api/v1/tenants/acme/findings?node_id={}&per_page=100",
                encode(node_id)
            ),
            key,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut rules: Vec<String> = answer.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["status"] == "open")
        .map(|finding| finding["rule_id"].as_str().unwrap().to_string())
        .collect();
    rules.sort();
    rules
}

async fn edge_exists(app: &TestApp, key: &str, kind: &str, src: &str, dst: &str) -> bool {
    total(
        app,
        key,
        &format!("edges?kind={kind}&src={}&dst={}", encode(src), encode(dst)),
    )
    .await
        == 1
}

#[tokio::test]
async fn discovers_iam_once_links_instances_to_roles_and_judges_cis_section_1() {
    static_test_credentials();
    let moto = MotoServer::start();
    let estate = build_identities(&moto).await;
    let app = moto_app(&moto).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;

    let job = run_aws_job(
        &app,
        &key,
        json!({"regions": [REGION], "endpoint_url": moto.endpoint}),
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let scopes: Vec<(String, String)> = job["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|scope| {
            assert_eq!(scope["status"], "completed", "{scope}");
            (
                scope["account"].as_str().unwrap().to_string(),
                scope["region"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        scopes,
        vec![
            (ACCOUNT.to_string(), "global".to_string()),
            (ACCOUNT.to_string(), REGION.to_string()),
        ]
    );

    // Nodes, with the credential report's view of each user.
    let nomfa = node(&app, &key, "aws:global:aws.iam.user:nomfa").await;
    assert_eq!(nomfa["region"], "global");
    assert_eq!(nomfa["properties"]["password_enabled"], true);
    assert_eq!(nomfa["properties"]["mfa_active"], false);
    assert_eq!(nomfa["properties"]["active_access_key_count"], 1);
    assert_eq!(nomfa["properties"]["oldest_active_key_age_days"], 0);
    let withmfa = node(&app, &key, "aws:global:aws.iam.user:withmfa").await;
    assert_eq!(withmfa["properties"]["mfa_active"], true);
    assert_eq!(withmfa["properties"]["groups"], json!(["admins"]));
    let policy_id = format!("aws:global:aws.iam.policy:arn:aws:iam::{ACCOUNT}:policy/full-admin");
    let policy = node(&app, &key, &policy_id).await;
    assert_eq!(policy["properties"]["grants_full_admin"], true);
    assert_eq!(policy["properties"]["attachment_count"], 1);
    let role = node(&app, &key, "aws:global:aws.iam.role:web").await;
    assert_eq!(
        role["properties"]["trusted_principals"],
        json!(["service:ec2.amazonaws.com"])
    );
    let account = node(&app, &key, &format!("aws:global:aws.iam.account:{ACCOUNT}")).await;
    assert_eq!(account["properties"]["credential_report_available"], true);
    assert_eq!(total(&app, &key, "nodes?types=aws.iam.account").await, 1);

    // Edges: user → group → policy, instance → profile → role → the EC2 service principal.
    let profiled = format!("aws:{REGION}:aws.ec2.instance:{}", estate.profiled_instance);
    let bare = format!("aws:{REGION}:aws.ec2.instance:{}", estate.bare_instance);
    let profile = "aws:global:aws.iam.instance_profile:web";
    assert!(
        edge_exists(
            &app,
            &key,
            "member_of",
            "aws:global:aws.iam.user:withmfa",
            "aws:global:aws.iam.group:admins"
        )
        .await
    );
    assert!(
        edge_exists(
            &app,
            &key,
            "has_policy",
            "aws:global:aws.iam.group:admins",
            &policy_id
        )
        .await
    );
    assert!(edge_exists(&app, &key, "associated_with", &profiled, profile).await);
    assert!(!edge_exists(&app, &key, "associated_with", &bare, profile).await);
    assert!(
        edge_exists(
            &app,
            &key,
            "contains",
            profile,
            "aws:global:aws.iam.role:web"
        )
        .await
    );
    assert!(
        edge_exists(
            &app,
            &key,
            "trusts",
            "aws:global:aws.iam.role:web",
            "aws:global:aws.iam.principal:service:ec2.amazonaws.com"
        )
        .await
    );

    // Findings per resource.
    let nomfa_findings = findings_on(&app, &key, "aws:global:aws.iam.user:nomfa").await;
    assert!(
        nomfa_findings.contains(&"aws.iam.user_console_without_mfa".to_string()),
        "{nomfa_findings:?}"
    );
    // A key created moments ago is neither old nor unused for 45 days (moto cannot age one).
    assert!(
        !nomfa_findings.contains(&"aws.iam.user_access_key_not_rotated_90_days".to_string())
            && !nomfa_findings.contains(&"aws.iam.user_credentials_unused_45_days".to_string()),
        "{nomfa_findings:?}"
    );
    let withmfa_findings = findings_on(&app, &key, "aws:global:aws.iam.user:withmfa").await;
    assert!(
        !withmfa_findings.contains(&"aws.iam.user_console_without_mfa".to_string()),
        "{withmfa_findings:?}"
    );
    assert_eq!(
        findings_on(&app, &key, &policy_id).await,
        vec!["aws.iam.policy_full_admin_attached".to_string()]
    );
    let account_findings =
        findings_on(&app, &key, &format!("aws:global:aws.iam.account:{ACCOUNT}")).await;
    for rule in [
        "aws.iam.no_support_role",
        "aws.iam.root_mfa_disabled",
        "aws.iam.password_policy_short_minimum_length",
    ] {
        assert!(
            account_findings.contains(&rule.to_string()),
            "{rule}: {account_findings:?}"
        );
    }
    assert!(
        findings_on(&app, &key, &bare)
            .await
            .contains(&"aws.ec2.instance_no_instance_profile".to_string())
    );
    assert!(
        !findings_on(&app, &key, &profiled)
            .await
            .contains(&"aws.ec2.instance_no_instance_profile".to_string())
    );

    // CIS section 1.
    let cis = app
        .get(
            "/api/v1/tenants/acme/compliance/controls?framework=cis-aws-foundations",
            &key,
        )
        .await;
    assert_eq!(cis.status, StatusCode::OK, "{}", cis.body);
    let control = |id: &str| {
        cis.body["data"]["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|control| control["id"] == id)
            .unwrap_or_else(|| panic!("control {id}"))
            .clone()
    };
    let failing = |control: &Value| -> Vec<String> {
        control["failing_resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|resource| resource["node_id"].as_str().unwrap().to_string())
            .collect()
    };
    let mfa = control("1.10");
    assert_eq!(mfa["status"], "FAIL");
    assert_eq!(
        failing(&mfa),
        vec!["aws:global:aws.iam.user:nomfa".to_string()]
    );
    assert_eq!(control("1.16")["status"], "FAIL");
    assert_eq!(failing(&control("1.16")), vec![policy_id.clone()]);
    assert_eq!(control("1.14")["status"], "PASS");
    assert_eq!(control("1.13")["status"], "PASS");
    assert_eq!(control("1.4")["status"], "PASS");
    assert_eq!(control("1.17")["status"], "FAIL");
    assert_eq!(failing(&control("1.18")), vec![bare.clone()]);
    for manual in ["1.1", "1.2", "1.3", "1.21"] {
        assert_eq!(control(manual)["status"], "MANUAL", "{manual}");
    }
    // 1.20 is judged by the Access Analyzer rules; moto has no Access Analyzer (a recorded gap),
    // so it is never PASS here.
    assert_ne!(control("1.20")["status"], "PASS");
}

#[tokio::test]
async fn several_accounts_are_separate_scopes_each_with_its_own_global_iam() {
    static_test_credentials();
    let moto = MotoServer::start();
    let app = moto_app(&moto).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    // moto's STS assumes any role; the credentials it returns act in the role's account.
    let job = run_aws_job(
        &app,
        &key,
        json!({
            "regions": [REGION],
            "endpoint_url": moto.endpoint,
            "accounts": [
                {"role_arn": "arn:aws:iam::111111111111:role/audit"},
                {"role_arn": "arn:aws:iam::222222222222:role/audit"},
            ],
        }),
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let mut scopes: Vec<(String, String, String)> = job["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|scope| {
            (
                scope["account"].as_str().unwrap().to_string(),
                scope["region"].as_str().unwrap().to_string(),
                scope["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    scopes.sort();
    let expected: Vec<(String, String, String)> = ["111111111111", "222222222222"]
        .iter()
        .flat_map(|account| {
            ["global", REGION].map(|region| {
                (
                    account.to_string(),
                    region.to_string(),
                    "completed".to_string(),
                )
            })
        })
        .collect();
    assert_eq!(scopes, expected);
    for account in ["111111111111", "222222222222"] {
        let node = node(&app, &key, &format!("aws:global:aws.iam.account:{account}")).await;
        assert_eq!(node["account"], account);
    }
    assert_eq!(total(&app, &key, "nodes?types=aws.iam.account").await, 2);
}

/// The SDK configuration of `account` in moto: credentials of a role assumed there, which moto
/// answers with that account's own resources.
async fn sdk_in_account(moto: &MotoServer, account: &str) -> aws_config::SdkConfig {
    let assumed = aws_sdk_sts::Client::new(&sdk(moto).await)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/audit"))
        .role_session_name("build")
        .send()
        .await
        .unwrap();
    let credentials = assumed.credentials().unwrap();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(aws_credential_types::Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_string()),
            None,
            "assumed",
        ))
        .load()
        .await
}

/// The same names in two accounts: the role every organization account has with a policy, a user
/// in a group, a log group; and a user only the first account has.
async fn build_same_names(moto: &MotoServer, account: &str, first: bool) {
    let config = sdk_in_account(moto, account).await;
    let iam = aws_sdk_iam::Client::new(&config);
    iam.create_role()
        .role_name("OrganizationAccountAccessRole")
        .assume_role_policy_document(EC2_TRUST)
        .send()
        .await
        .unwrap();
    // moto loads no AWS-managed policies; a customer-managed one of the same name stands in (the
    // shared managed-policy ARN is `account_names`'s unit test).
    iam.create_policy()
        .policy_name("read-everything")
        .policy_document(ADMIN_DOCUMENT)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("OrganizationAccountAccessRole")
        .policy_arn(format!("arn:aws:iam::{account}:policy/read-everything"))
        .send()
        .await
        .unwrap();
    iam.create_group().group_name("ops").send().await.unwrap();
    iam.create_user().user_name("deploy").send().await.unwrap();
    iam.add_user_to_group()
        .group_name("ops")
        .user_name("deploy")
        .send()
        .await
        .unwrap();
    if first {
        iam.create_user()
            .user_name("only-in-first")
            .send()
            .await
            .unwrap();
    }
    aws_sdk_cloudwatchlogs::Client::new(&config)
        .create_log_group()
        .log_group_name("app")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn accounts_that_share_names_keep_apart_and_rescan_without_changes() {
    static_test_credentials();
    let moto = MotoServer::start();
    const FIRST: &str = "111111111111";
    const SECOND: &str = "222222222222";
    build_same_names(&moto, FIRST, true).await;
    build_same_names(&moto, SECOND, false).await;
    let app = moto_app(&moto).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let config = json!({
        "regions": [REGION],
        "endpoint_url": moto.endpoint,
        "accounts": [
            {"role_arn": format!("arn:aws:iam::{FIRST}:role/audit")},
            {"role_arn": format!("arn:aws:iam::{SECOND}:role/audit")},
        ],
    });
    let job = run_aws_job(&app, &key, config.clone()).await;
    assert_eq!(job["status"], "succeeded", "{job}");

    for account in [FIRST, SECOND] {
        let role = node(
            &app,
            &key,
            &format!("aws:global:aws.iam.role:{account}/OrganizationAccountAccessRole"),
        )
        .await;
        assert_eq!(role["account"], account, "{role}");
        assert_eq!(role["name"], "OrganizationAccountAccessRole", "{role}");
        let group = node(
            &app,
            &key,
            &format!("aws:global:aws.iam.group:{account}/ops"),
        )
        .await;
        assert_eq!(group["account"], account, "{group}");
        let logs = node(
            &app,
            &key,
            &format!("aws:{REGION}:aws.logs.log_group:{account}/app"),
        )
        .await;
        assert_eq!(logs["account"], account, "{logs}");

        // Each account's user is in its own account's group, and each role has its own
        // account's attachment of the managed policy.
        let user = format!("aws:global:aws.iam.user:{account}/deploy");
        let groups = edge_destinations(&app, &key, "acme", "member_of", &user).await;
        assert_eq!(groups, [format!("aws:global:aws.iam.group:{account}/ops")]);
        let role_id = format!("aws:global:aws.iam.role:{account}/OrganizationAccountAccessRole");
        let policies = edge_destinations(&app, &key, "acme", "has_policy", &role_id).await;
        assert_eq!(
            policies,
            [format!(
                "aws:global:aws.iam.policy:{account}/arn:aws:iam::{account}:policy/read-everything"
            )]
        );
    }
    // moto keeps the accounts' identities apart: the first account's extra user is its alone.
    node(
        &app,
        &key,
        &format!("aws:global:aws.iam.user:{FIRST}/only-in-first"),
    )
    .await;
    let missing = app
        .get(
            &format!(
                "/api/v1/tenants/acme/nodes/{}",
                encode(&format!("aws:global:aws.iam.user:{SECOND}/only-in-first"))
            ),
            &key,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    assert_eq!(total(&app, &key, "nodes?types=aws.iam.user").await, 3);

    // The ids are stable: a second run of the same job changes nothing.
    let again = run_aws_job(&app, &key, config).await;
    assert_eq!(again["status"], "succeeded", "{again}");
    for change in ["added", "changed", "removed"] {
        for entity in ["nodes", "edges"] {
            assert_eq!(
                again["counts"][format!("{entity}_{change}")],
                0,
                "{entity} {change}: {again}"
            );
        }
    }
}

/// An AWS Organization: its accounts are listed with the job's own credentials (the management
/// account), then `role_name` is assumed in each. moto creates `OrganizationAccountAccessRole` in
/// every member account it creates, so the role's name is in several accounts at once.
#[tokio::test]
async fn an_organizations_accounts_are_each_discovered_through_the_named_role() {
    static_test_credentials();
    let moto = MotoServer::start();
    let organizations = aws_sdk_organizations::Client::new(&sdk(&moto).await);
    organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let mut members = Vec::new();
    for name in ["workloads", "security"] {
        let created = organizations
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap();
        members.push(
            created
                .create_account_status()
                .and_then(|status| status.account_id())
                .expect("moto answers the new account's id at once")
                .to_string(),
        );
    }
    // A user in the first member account only.
    aws_sdk_iam::Client::new(&sdk_in_account(&moto, &members[0]).await)
        .create_user()
        .user_name("workload-deployer")
        .send()
        .await
        .unwrap();

    let app = moto_app(&moto).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let job = run_aws_job(
        &app,
        &key,
        json!({
            "regions": [REGION],
            "endpoint_url": moto.endpoint,
            "organization": {"role_name": "OrganizationAccountAccessRole"},
        }),
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let mut scopes: Vec<(String, String)> = job["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|scope| {
            assert_eq!(scope["status"], "completed", "{scope}");
            (
                scope["account"].as_str().unwrap().to_string(),
                scope["region"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    scopes.sort();
    let mut accounts = [ACCOUNT.to_string(), members[0].clone(), members[1].clone()];
    accounts.sort();
    let expected: Vec<(String, String)> = accounts
        .iter()
        .flat_map(|account| ["global", REGION].map(|region| (account.clone(), region.to_string())))
        .collect();
    assert_eq!(scopes, expected, "the management account and both members");

    let deployer = node(
        &app,
        &key,
        &format!("aws:global:aws.iam.user:{}/workload-deployer", members[0]),
    )
    .await;
    assert_eq!(deployer["account"], members[0].as_str());
    assert_eq!(total(&app, &key, "nodes?types=aws.iam.user").await, 1);
    for member in &members {
        let role = node(
            &app,
            &key,
            &format!("aws:global:aws.iam.role:{member}/OrganizationAccountAccessRole"),
        )
        .await;
        assert_eq!(role["account"], member.as_str(), "{role}");
    }
}

/// A failed global scope (here: IAM's endpoint unreachable) makes the job partially succeed and
/// deletes none of its nodes. moto cannot refuse one account's role while answering another's
/// (its STS assumes any role), so the account-level failure takes the same path through a scope.
#[tokio::test]
async fn a_failed_global_scope_gives_partial_success_and_deletes_nothing_of_it() {
    static_test_credentials();
    let moto = MotoServer::start();
    aws_sdk_iam::Client::new(&sdk(&moto).await)
        .create_user()
        .user_name("kept")
        .send()
        .await
        .unwrap();
    let closed = crate::moto::closed_port_endpoint();
    let policy = DiscoveryPolicy {
        allow_ambient_credentials: true,
        ..DiscoveryPolicy::default()
    }
    .with_allowed_endpoints(&format!("{},{closed}", moto.endpoint))
    .unwrap();
    let app = spawn_app_with_policy(policy).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let first = run_aws_job(
        &app,
        &key,
        json!({"regions": [REGION], "endpoint_url": moto.endpoint, "account_id": ACCOUNT}),
    )
    .await;
    assert_eq!(first["status"], "succeeded", "{first}");
    let global_before = total(&app, &key, "nodes?region=global").await;
    assert!(global_before >= 2, "the user and the account");

    // Account-level calls go to the job's first region, whose endpoint now refuses connections.
    let job = run_aws_job(
        &app,
        &key,
        json!({
            "regions": [REGION, "eu-west-1"],
            "endpoint_url": moto.endpoint,
            "account_id": ACCOUNT,
            "region_endpoints": {REGION: closed},
        }),
    )
    .await;
    assert_eq!(job["status"], "partially_succeeded", "{job}");
    let status_of = |region: &str| {
        job["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|scope| scope["region"] == region)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of("global"), "failed");
    assert_eq!(status_of("eu-west-1"), "completed");
    assert_eq!(
        total(&app, &key, "nodes?region=global").await,
        global_before
    );
    node(&app, &key, "aws:global:aws.iam.user:kept").await;
}

#[tokio::test]
async fn no_regions_means_every_enabled_region_and_global_iam_once() {
    static_test_credentials();
    let moto = MotoServer::start();
    let config = sdk(&moto).await;
    aws_sdk_iam::Client::new(&config)
        .create_user()
        .user_name("everywhere")
        .send()
        .await
        .unwrap();
    // The regions moto says are enabled, asked independently of the code under test.
    let regions = aws_sdk_ec2::Client::new(&config)
        .describe_regions()
        .send()
        .await
        .unwrap();
    let mut expected: Vec<String> = regions
        .regions()
        .iter()
        .filter(|region| region.opt_in_status() != Some("not-opted-in"))
        .map(|region| region.region_name().unwrap().to_string())
        .collect();
    assert!(expected.len() > 10, "{expected:?}");
    expected.push("global".to_string());
    expected.sort();

    let app = moto_app(&moto).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    let job = run_aws_job(
        &app,
        &key,
        json!({"endpoint_url": moto.endpoint, "max_concurrent_regions": 8}),
    )
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let mut regions: Vec<String> = job["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|scope| scope["region"].as_str().unwrap().to_string())
        .collect();
    regions.sort();
    assert_eq!(
        regions, expected,
        "every enabled region once, and global once"
    );
    assert_eq!(total(&app, &key, "nodes?types=aws.iam.user").await, 1);
    assert_eq!(total(&app, &key, "nodes?types=aws.iam.account").await, 1);
}

/// A region that completes while its account's `global` scope fails keeps its instance →
/// instance profile edges: they belong to the region's scope, which is reconciled, but the
/// profiles they point at were not collected this time.
#[tokio::test]
async fn a_failed_global_scope_keeps_the_completed_regions_instance_profile_edges() {
    static_test_credentials();
    let moto = MotoServer::start();
    let estate = build_identities(&moto).await;
    let closed = crate::moto::closed_port_endpoint();
    let policy = DiscoveryPolicy {
        allow_ambient_credentials: true,
        ..DiscoveryPolicy::default()
    }
    .with_allowed_endpoints(&format!("{},{closed}", moto.endpoint))
    .unwrap();
    let app = spawn_app_with_policy(policy).await;
    let key = app.tenant_with_key("acme", "enterprise", "admin").await;
    // Account-level calls go to the job's first region: eu-west-1 here, so that closing it fails
    // the global scope while us-east-1 (where the instances are) still answers.
    let regions = json!(["eu-west-1", REGION]);
    let first = run_aws_job(
        &app,
        &key,
        json!({"regions": regions, "endpoint_url": moto.endpoint, "account_id": ACCOUNT}),
    )
    .await;
    assert_eq!(first["status"], "succeeded", "{first}");
    let instance = format!("aws:{REGION}:aws.ec2.instance:{}", estate.profiled_instance);
    let profile = "aws:global:aws.iam.instance_profile:web";
    assert!(edge_exists(&app, &key, "associated_with", &instance, profile).await);

    let second = run_aws_job(
        &app,
        &key,
        json!({
            "regions": regions,
            "endpoint_url": moto.endpoint,
            "account_id": ACCOUNT,
            "region_endpoints": {"eu-west-1": closed},
        }),
    )
    .await;
    assert_eq!(second["status"], "partially_succeeded", "{second}");
    let status_of = |region: &str| {
        second["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|scope| scope["region"] == region)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of("global"), "failed");
    assert_eq!(status_of(REGION), "completed");
    assert!(
        edge_exists(&app, &key, "associated_with", &instance, profile).await,
        "the edge of a completed region to a profile of the failed global scope survives"
    );
    // The bare instance has no profile, then or now.
    let bare = format!("aws:{REGION}:aws.ec2.instance:{}", estate.bare_instance);
    assert_eq!(
        total(
            &app,
            &key,
            &format!("edges?kind=associated_with&src={}", encode(&bare))
        )
        .await,
        0
    );
}
