//! The process allocator: mimalloc for every binary linking the crate (server, CLI, tests,
//! benches), and how long it keeps memory it has been given back before returning it to the OS.
//! Nothing here allocates; it must stay free of anything but the allocator's own calls.

use std::os::raw::{c_int, c_long};

/// Evaluation and snapshot building allocate many small values from several rayon threads, where
/// glibc's allocator spent a quarter of the rules benchmark's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_t` (the `libmimalloc-sys` bindings do not
/// name it). `purge_delay_is_the_option_it_names` checks the index against the documented default.
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// How long freed memory stays with the process before mimalloc hands it back to the OS.
const PURGE_DELAY_MILLISECONDS: c_long = 10_000;

unsafe extern "C" {
    fn mi_option_set(option: c_int, value: c_long);
    fn mi_option_get(option: c_int) -> c_long;
}

/// Keeps freed memory for ten seconds instead of one. A snapshot build, an exposure analysis and
/// an evaluation each free hundreds of megabytes that the next stage allocates again a second or
/// two later; handing them back in between made every stage fault them in anew, and on the
/// 2-core reference machine (a VM, ~14 µs a page fault) that was most of the time: the rules
/// bench spent 17 s in the kernel against 2.5 s with this delay, 30 s wall against 15 s. Memory
/// still goes back to the OS once a job is over. Call once, first thing in `main`.
pub fn keep_freed_memory_between_stages() {
    // SAFETY: mimalloc's option setter takes a plain enum index and value; it is thread-safe and
    // has no preconditions.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MILLISECONDS) }
}

/// The purge delay in force (milliseconds).
pub fn purge_delay_milliseconds() -> c_long {
    // SAFETY: as above, a read of one option.
    unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_is_the_option_it_names() {
        // mimalloc v3 documents `purge_delay` as 1000 ms by default; an index that named another
        // option (after an upgrade reordered the enum) would read another value. The variable
        // would override it, so the check only holds without it.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay_milliseconds(), 1000);
        }
        keep_freed_memory_between_stages();
        assert_eq!(purge_delay_milliseconds(), 10_000);
    }
}
