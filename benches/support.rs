//! Shared by the bench binaries: resident memory, a private PostgreSQL for a bench run, and the
//! exposure analysis as rules ask for it.

#![allow(dead_code)]

use std::path::PathBuf;
use std::str::FromStr;

use infracast::model::NodeId;
use infracast::pathtrace::{ExposureReport, Protocol};
use infracast::rules::{ExposureAnswer, InternetExposure};
use infracast::store::embedded::EmbeddedPostgres;
use sqlx::postgres::PgConnectOptions;

/// Resident set size of this process in MiB.
pub fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// CPU seconds (user + system) used so far by process `pid`.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of /proc/pid/stat (utime, stime) are at 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// The server to bench against: `DATABASE_URL`, or a private cluster under target/bench-pg
/// (left running for the next bench; `infracast db stop --data-dir target/bench-pg` stops it).
pub fn server() -> (PgConnectOptions, Option<PathBuf>) {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return (
            PgConnectOptions::from_str(&url).expect("DATABASE_URL"),
            None,
        );
    }
    let data_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-pg");
    let cluster = EmbeddedPostgres::ensure_running(&data_dir).expect("embedded postgres");
    (
        cluster.connect_options("postgres"),
        Some(cluster.cluster_dir().to_path_buf()),
    )
}

/// The path tracer's exposure report behind the rules' `exposed_to_internet`.
pub struct Exposure(pub ExposureReport);

impl InternetExposure for Exposure {
    fn is_exposed(&self, node_id: &NodeId, port: u16, protocol: &str) -> ExposureAnswer {
        let Ok(protocol) = Protocol::parse(protocol) else {
            return ExposureAnswer::Unknown;
        };
        match self.0.exposed_on(node_id, Some(port), protocol) {
            Some(_) => ExposureAnswer::Exposed {
                proof: serde_json::Value::Null,
            },
            None => ExposureAnswer::NotExposed,
        }
    }
}

/// `key=value` figures of a server log's lines containing `message` (colour codes stripped).
pub fn log_figures(log: &str, message: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let plain = strip_ansi(log);
    plain
        .lines()
        .filter(|line| line.contains(message))
        .map(|line| {
            line.split_whitespace()
                .filter_map(|token| token.split_once('='))
                .map(|(key, value)| (key.to_string(), value.trim_matches('"').to_string()))
                .collect()
        })
        .collect()
}

/// The log without terminal colour sequences (`ESC [ … m`).
pub fn strip_ansi(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut characters = text.chars();
    while let Some(character) = characters.next() {
        if character == '\u{1b}' {
            for following in characters.by_ref() {
                if following.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(character);
        }
    }
    plain
}
