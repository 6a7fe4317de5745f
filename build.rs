//! Build script: embeds every rule file (`rules/**/*.toml`) and every framework file
//! (`frameworks/**/*.toml`) in the binary, so a new file ships without editing a list (a
//! forgotten entry used to drop its rules silently).
//!
//! Writes `$OUT_DIR/builtin_rules.rs` and `$OUT_DIR/builtin_frameworks.rs`, each one expression:
//! `&[("rules/aws/ec2.toml", include_str!("/abs/…/rules/aws/ec2.toml")), …]`, sorted by path.
//! The first string is the path relative to the crate root, which load errors name. Reads the
//! source tree only; no network.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    embed(&manifest, "rules", &out.join("builtin_rules.rs"));
    embed(&manifest, "frameworks", &out.join("builtin_frameworks.rs"));
}

/// Every `.toml` file under `directory`, at any depth, sorted so the generated list (and so the
/// load order) does not depend on the file system.
fn toml_files(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = fs::read_dir(&current)
            .unwrap_or_else(|error| panic!("read {}: {error}", current.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|error| panic!("read {}: {error}", current.display()))
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "toml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn embed(manifest: &Path, directory: &str, output: &Path) {
    // A directory here makes cargo rerun this script when any file below it changes, appears or
    // disappears.
    println!("cargo:rerun-if-changed={directory}");
    let mut code = String::from("&[\n");
    for file in toml_files(&manifest.join(directory)) {
        let relative = file
            .strip_prefix(manifest)
            .expect("files are found under the manifest directory")
            .components()
            .map(|component| component.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let absolute = file.to_string_lossy();
        code.push_str(&format!(
            "    ({relative:?}, include_str!({absolute:?})),\n"
        ));
    }
    code.push_str("]\n");
    fs::write(output, code).unwrap_or_else(|error| panic!("write {}: {error}", output.display()));
}
