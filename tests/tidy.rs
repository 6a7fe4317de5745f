//! Conventions that code review would otherwise have to remember: engines import no IO crates and
//! no shell modules, `model` imports nothing from the crate, every module opens with `//!`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current)
            .unwrap_or_else(|error| panic!("read {}: {error}", current.display()))
        {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Lines of `path` that mention one of `forbidden` as a path root (`use x::`, `x::y(`). A name
/// ending in `*` is a prefix: `aws_*` is every AWS SDK crate, present and future.
fn offending_lines(path: &Path, forbidden: &[&str]) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| {
            forbidden.iter().any(|name| match name.strip_suffix('*') {
                Some(prefix) => names_a_crate_starting_with(line, prefix),
                None => {
                    line.contains(&format!("use {name}::"))
                        || line.contains(&format!("use {name};"))
                        || line.contains(&format!(" {name}::"))
                        || line.contains(&format!("({name}::"))
                        || line.contains(&format!("<{name}::"))
                }
            })
        })
        .map(|(number, line)| format!("{}:{}: {}", path.display(), number + 1, line.trim()))
        .collect()
}

/// True when `line` names a path root starting with `prefix` (`aws_sdk_rds::Client`, `use
/// aws_config;`), the same positions `offending_lines` checks for whole names.
fn names_a_crate_starting_with(line: &str, prefix: &str) -> bool {
    line.match_indices(prefix).any(|(offset, _)| {
        let before = &line[..offset];
        let at_path_root = before.is_empty()
            || before.ends_with(' ')
            || before.ends_with('(')
            || before.ends_with('<');
        let rest = line[offset + prefix.len()..]
            .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        at_path_root && (rest.starts_with("::") || rest.starts_with(';'))
    })
}

const ENGINES: &[&str] = &["graph", "pathtrace", "rules", "compliance"];
/// `utoipa` is not here: engine types may derive `ToSchema` (an annotation, no IO), so the API
/// documents what it sends; serving routes (`axum`, `utoipa_axum`) stays out of engines.
const IO_CRATES: &[&str] = &[
    "tokio",
    "sqlx",
    "axum",
    "utoipa_axum",
    "aws_*",
    "reqwest",
    "tera",
    "hyper",
    "tower",
    "std::fs",
    "std::net::TcpStream",
    "std::net::TcpListener",
    "std::net::UdpSocket",
    "std::net::ToSocketAddrs",
    "std::process",
];
const SHELL_MODULES: &[&str] = &[
    "crate::api",
    "crate::store",
    "crate::jobs",
    "crate::discovery",
    "crate::auth",
    "crate::app",
    "crate::cli",
    "crate::reports",
];

#[test]
fn engines_import_no_io_crates_and_no_shell_modules() {
    let mut offences = Vec::new();
    for engine in ENGINES {
        for file in rust_files(&source_root().join(engine)) {
            offences.extend(offending_lines(&file, IO_CRATES));
            offences.extend(offending_lines(&file, SHELL_MODULES));
        }
    }
    assert!(
        offences.is_empty(),
        "engines must stay pure:\n{}",
        offences.join("\n")
    );
}

/// Reports render what they are given: templates (tera) are allowed, the database and the
/// network are not, so the same input always renders the same file.
#[test]
fn reports_read_no_database_and_no_network() {
    let forbidden: Vec<&str> = IO_CRATES
        .iter()
        .copied()
        .filter(|name| *name != "tera")
        .chain([
            "crate::api",
            "crate::store",
            "crate::jobs",
            "crate::discovery",
            "crate::auth",
        ])
        .collect();
    let mut offences = Vec::new();
    for file in rust_files(&source_root().join("reports")) {
        offences.extend(offending_lines(&file, &forbidden));
    }
    assert!(
        offences.is_empty(),
        "reports must stay pure renderers:\n{}",
        offences.join("\n")
    );
}

#[test]
fn model_imports_nothing_from_the_rest_of_the_crate() {
    let mut offences = Vec::new();
    for file in rust_files(&source_root().join("model")) {
        let text = fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.contains("crate::") && !line.contains("crate::model") {
                offences.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "model must not import other modules:\n{}",
        offences.join("\n")
    );
}

#[test]
fn every_source_file_opens_with_a_module_comment() {
    let missing: Vec<String> = rust_files(&source_root())
        .into_iter()
        .filter(|file| {
            !fs::read_to_string(file)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` module comment:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_checker_itself_catches_an_offending_line() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("bad.rs");
    fs::write(
        &file,
        "//! bad\nuse sqlx::PgPool;\nfn f() { tokio::spawn(async {}); }\n// use axum::Router;\nuse aws_sdk_rds::Client;\nfn g() -> aws_config::SdkConfig {}\nlet aws_region = 1;\n",
    )
    .unwrap();
    let found = offending_lines(&file, IO_CRATES);
    assert_eq!(found.len(), 4, "{found:?}");
}

/// ARCHITECTURE.md's "Who may import whom", row by row: each module may name only these crate
/// modules (besides itself). `app`, `cli`, `config` and `lib` wire everything and are not listed.
const IMPORT_TABLE: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("graph", &["model"]),
    ("pathtrace", &["graph", "model"]),
    ("rules", &["pathtrace", "graph", "model"]),
    ("compliance", &["rules", "model"]),
    ("reports", &["compliance", "rules", "model"]),
    ("discovery", &["model"]),
    ("store", &["model"]),
    ("auth", &["store", "model"]),
    (
        "snapshots",
        &["store", "graph", "pathtrace", "rules", "model"],
    ),
    ("netguard", &[]),
    (
        "jobs",
        &[
            "model",
            "graph",
            "pathtrace",
            "rules",
            "compliance",
            "reports",
            "discovery",
            "store",
            "snapshots",
            "netguard",
        ],
    ),
    (
        "api",
        &[
            "model",
            "graph",
            "pathtrace",
            "rules",
            "compliance",
            "reports",
            "store",
            "auth",
            "snapshots",
            "netguard",
        ],
    ),
];

/// The crate modules a file names (`crate::x`), outside comments.
fn crate_modules_named(path: &Path) -> Vec<(usize, String)> {
    let text = fs::read_to_string(path).unwrap();
    let mut named = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for (offset, _) in line.match_indices("crate::") {
            let rest = &line[offset + "crate::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !module.is_empty() {
                named.push((number + 1, module));
            }
        }
    }
    named
}

#[test]
fn every_module_imports_only_what_the_architecture_table_allows() {
    let mut offences = Vec::new();
    for (module, allowed) in IMPORT_TABLE {
        let root = source_root();
        let mut files = vec![root.join(format!("{module}.rs"))];
        if root.join(module).is_dir() {
            files.extend(rust_files(&root.join(module)));
        }
        for file in files.into_iter().filter(|file| file.exists()) {
            for (line, named) in crate_modules_named(&file) {
                if named != *module && !allowed.contains(&named.as_str()) {
                    offences.push(format!(
                        "{}:{line}: {module} names crate::{named}",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "imports that ARCHITECTURE.md's table forbids:\n{}",
        offences.join("\n")
    );
}

/// Every `.toml` below `directory` (relative to the crate root), as crate-relative paths.
fn toml_files_below(directory: &str) -> Vec<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut pending = vec![manifest.join(directory)];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "toml")
            {
                let relative = path.strip_prefix(manifest).unwrap();
                files.push(relative.to_str().unwrap().replace('\\', "/"));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_rule_and_framework_file_ships_in_the_binary() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (directory, embedded) in [
        ("rules", infracast::rules::RuleSet::builtin_sources()),
        ("frameworks", infracast::compliance::builtin_sources()),
    ] {
        let on_disk = toml_files_below(directory);
        assert!(!on_disk.is_empty(), "no files in {directory}");
        let embedded_paths: Vec<String> =
            embedded.iter().map(|(path, _)| path.to_string()).collect();
        assert_eq!(
            embedded_paths, on_disk,
            "the files embedded from {directory}/ (build.rs) differ from those on disk: a file would not ship"
        );
        for (path, text) in embedded {
            assert_eq!(
                *text,
                fs::read_to_string(manifest.join(path)).unwrap(),
                "{path}: the embedded text is not the file's"
            );
        }
    }
}

#[test]
fn every_node_type_registers_defaults_and_an_example() {
    use infracast::model::NodeType;
    // Registration itself is checked by the compiler (`node_types!` names a struct that must
    // implement `NodeProperties`); this checks that what was registered is usable.
    for node_type in NodeType::ALL.iter().copied() {
        for (what, properties) in [
            ("defaults", node_type.default_properties()),
            ("example", node_type.example_properties()),
        ] {
            let object = properties
                .as_object()
                .unwrap_or_else(|| panic!("{node_type} {what} are not an object: {properties}"));
            assert!(!object.is_empty(), "{node_type} {what} are empty");
        }
        // An example says something: at least one field is set to more than a default.
        let example = node_type.example_properties();
        let informative = example
            .as_object()
            .unwrap()
            .values()
            .any(|value| match value {
                serde_json::Value::Null | serde_json::Value::Bool(false) => false,
                serde_json::Value::String(text) => !text.is_empty(),
                serde_json::Value::Array(items) => !items.is_empty(),
                _ => true,
            });
        assert!(
            informative,
            "{node_type}: the example sets nothing: {example}"
        );
    }
}

#[test]
fn the_import_table_checker_sees_crate_paths_but_not_comments() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("bad.rs");
    fs::write(
        &file,
        "//! bad\nuse crate::api::ApiError;\n// crate::jobs in a comment\nfn f() { crate::store::x(); }\n",
    )
    .unwrap();
    let named: Vec<String> = crate_modules_named(&file)
        .into_iter()
        .map(|(_, module)| module)
        .collect();
    assert_eq!(named, vec!["api", "store"]);
}

/// The `api` modules a file of `src/api` names (`super::x`, `super::{x, y}`, `crate::api::x`),
/// outside comments; `modules` are the names that are modules (the rest are items of `api`).
fn api_modules_named(text: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
    {
        for prefix in ["super::", "crate::api::"] {
            for (offset, _) in line.match_indices(prefix) {
                let rest = &line[offset + prefix.len()..];
                let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                    let group = group.split('}').next().unwrap_or("");
                    group.split(',').map(|item| item.trim()).collect()
                } else {
                    vec![rest]
                };
                for name in names {
                    let module: String = name
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if modules.contains(&module) {
                        named.insert(module);
                    }
                }
            }
        }
    }
    named
}

/// `api` modules form no import cycle (issue 11: resource modules used to import helpers from
/// `openapi.rs`, which imported every resource module back). `mod.rs` wires them all and is left
/// out; shared helpers live in modules that name no resource module (`schema.rs`).
fn api_import_cycles(files: &BTreeMap<String, String>) -> Vec<String> {
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let imports: BTreeMap<&String, BTreeSet<String>> = files
        .iter()
        .map(|(module, text)| {
            let mut named = api_modules_named(text, &modules);
            named.remove(module);
            (module, named)
        })
        .collect();
    let mut cycles = Vec::new();
    for start in &modules {
        // Every module reachable from `start`, with the path that reached it first.
        let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut queue = vec![vec![start.clone()]];
        while let Some(path) = queue.pop() {
            let last = path.last().unwrap();
            for next in &imports[last] {
                if next == start {
                    cycles.push(format!("{} -> {start}", path.join(" -> ")));
                } else if !paths.contains_key(next) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    paths.insert(next.clone(), longer.clone());
                    queue.push(longer);
                }
            }
        }
    }
    cycles
}

fn api_files() -> BTreeMap<String, String> {
    let api = source_root().join("api");
    rust_files(&api)
        .into_iter()
        .filter(|file| file.file_name().is_some_and(|name| name != "mod.rs"))
        .filter(|file| file.parent() == Some(api.as_path()))
        .map(|file| {
            let module = file.file_stem().unwrap().to_string_lossy().to_string();
            (module, fs::read_to_string(&file).unwrap())
        })
        .collect()
}

#[test]
fn api_modules_import_no_module_that_imports_them_back() {
    let files = api_files();
    assert!(files.contains_key("schema") && files.contains_key("nodes"));
    let cycles = api_import_cycles(&files);
    assert!(
        cycles.is_empty(),
        "import cycles between api modules (move shared helpers to api/schema.rs):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_cycle_checker_finds_a_cycle_through_grouped_imports() {
    let files: BTreeMap<String, String> = [
        ("openapi", "//! doc\nuse super::{AppState, nodes};\n"),
        (
            "nodes",
            "//! doc\nuse super::schema::TenantPath;\nfn f() { super::openapi::x(); }\n",
        ),
        (
            "schema",
            "//! doc\n// super::nodes in a comment\nuse crate::store;\n",
        ),
    ]
    .into_iter()
    .map(|(module, text)| (module.to_string(), text.to_string()))
    .collect();
    let cycles = api_import_cycles(&files);
    assert!(
        cycles.contains(&"nodes -> openapi -> nodes".to_string()),
        "{cycles:?}"
    );
    assert!(
        cycles.iter().all(|cycle| !cycle.contains("schema")),
        "{cycles:?}"
    );
}
