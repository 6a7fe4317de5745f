//! Content hashes of nodes and edges: a stable 64-bit digest of everything a reconcile writes
//! for one (its id aside). `store::reconcile` compares them with the stored ones to write only
//! what changed; `graph::TenantGraph::touched_since` compares two snapshots' with them. Pure: no
//! IO, and no dependence on the Rust release, platform or a random seed (they are stored).

use serde_json::Value;

use super::{Edge, Node};

/// A stable 64-bit hash for change detection (not for security: nothing trusts it to tell
/// adversarial contents apart). Stored in the database, so it must never depend on the Rust
/// release, the platform or a random seed, which rules out `std`'s hashers.
///
/// Each step `state = rotl((state ^ word) * odd, 29)` is a bijection of the state for a given
/// word, so two inputs of the same shape that differ in one word always hash differently.
struct ContentHasher {
    state: u64,
}

const HASH_MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl ContentHasher {
    fn new() -> Self {
        ContentHasher {
            state: 0x243F_6A88_85A3_08D3,
        }
    }

    fn word(&mut self, word: u64) {
        self.state = (self.state ^ word)
            .wrapping_mul(HASH_MULTIPLIER)
            .rotate_left(29);
    }

    /// Length first, so that concatenations of different fields cannot coincide.
    fn bytes(&mut self, bytes: &[u8]) {
        self.word(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(word));
        }
    }

    /// JSON by meaning: object keys in sorted order (the map may keep insertion order), each
    /// kind of value tagged.
    fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.word(1),
            Value::Bool(flag) => self.word(2 + u64::from(*flag)),
            Value::Number(number) => {
                if let Some(integer) = number.as_i64() {
                    self.word(4);
                    self.word(integer as u64);
                } else if let Some(unsigned) = number.as_u64() {
                    self.word(5);
                    self.word(unsigned);
                } else {
                    self.word(6);
                    self.word(number.as_f64().unwrap_or(f64::NAN).to_bits());
                }
            }
            Value::String(text) => {
                self.word(7);
                self.bytes(text.as_bytes());
            }
            Value::Array(items) => {
                self.word(8);
                self.word(items.len() as u64);
                for item in items {
                    self.value(item);
                }
            }
            Value::Object(map) => {
                self.word(9);
                self.word(map.len() as u64);
                let sorted = map
                    .keys()
                    .zip(map.keys().skip(1))
                    .all(|(before, after)| before < after);
                if sorted {
                    for (key, item) in map {
                        self.bytes(key.as_bytes());
                        self.value(item);
                    }
                } else {
                    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                    entries.sort_unstable_by(|left, right| left.0.cmp(right.0));
                    for (key, item) in entries {
                        self.bytes(key.as_bytes());
                        self.value(item);
                    }
                }
            }
        }
    }

    /// A final avalanche (MurmurHash3's `fmix64`), so near inputs land far apart.
    fn finish(self) -> i64 {
        let mut hash = self.state;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        hash ^= hash >> 33;
        hash as i64
    }
}

/// The hash of everything reconcile writes for a node (its id is the key, not content).
pub fn node_content_hash(node: &Node) -> i64 {
    let mut hasher = ContentHasher::new();
    hasher.bytes(node.node_type.as_str().as_bytes());
    hasher.bytes(node.provider.as_bytes());
    hasher.bytes(node.region.as_bytes());
    hasher.bytes(node.account.as_bytes());
    hasher.bytes(node.name.as_bytes());
    hasher.word(node.tags.len() as u64);
    for (key, value) in &node.tags {
        hasher.bytes(key.as_bytes());
        hasher.bytes(value.as_bytes());
    }
    hasher.value(&node.properties);
    hasher.finish()
}

/// The hash of everything reconcile writes for an edge.
pub fn edge_content_hash(edge: &Edge) -> i64 {
    let mut hasher = ContentHasher::new();
    hasher.bytes(edge.kind.as_str().as_bytes());
    hasher.bytes(edge.src.as_str().as_bytes());
    hasher.bytes(edge.dst.as_str().as_bytes());
    hasher.value(&edge.properties);
    hasher.finish()
}
