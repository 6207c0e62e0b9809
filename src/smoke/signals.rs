//! Ctrl-C or SIGTERM to tollgate while a node runs: tell every keeper to stop its node,
//! wait (bounded) until they have reaped them, then exit with 128 + the signal. Keepers also
//! act on their own (Ctrl-C reaches them too, and their orders pipe closes when tollgate
//! dies), so this only makes tollgate leave after its nodes rather than before them.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

static KEEPERS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// How long tollgate waits for keepers after a signal: their grace plus the kill.
const WAIT: Duration = Duration::from_secs(60);

/// Track a keeper; installs the handler on first use.
pub fn watch(keeper: u32) {
    if let Ok(mut keepers) = KEEPERS.lock() {
        keepers.insert(keeper);
    }
    INSTALL.call_once(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
            Ok(mut signals) => {
                std::thread::spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        stop_all_and_exit(signal);
                    }
                });
            }
            Err(e) => tracing::warn!(
                "cannot watch SIGINT/SIGTERM ({e}); keepers still stop nodes when tollgate exits"
            ),
        }
    });
}

pub fn forget(keeper: u32) {
    if let Ok(mut keepers) = KEEPERS.lock() {
        keepers.remove(&keeper);
    }
}

/// Whether tollgate is shutting down on a signal.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Called by a smoke run that ends during a shutdown: its node died because of the signal,
/// so its result means nothing. Wait for the signal thread to exit the process (with
/// 128 + signal), so no verdict is written from an interrupted run; bounded all the same.
pub fn park() {
    let deadline = Instant::now() + WAIT + Duration::from_secs(10);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn stop_all_and_exit(signal: i32) -> ! {
    INTERRUPTED.store(true, Ordering::SeqCst);
    let keepers: Vec<u32> = KEEPERS
        .lock()
        .map(|k| k.iter().copied().collect())
        .unwrap_or_default();
    tracing::warn!(
        "signal {signal}: stopping {} node(s) before exiting",
        keepers.len()
    );
    for &pid in &keepers {
        let _ = crate::process::signal_process(pid, signal_hook::consts::SIGTERM);
    }
    let deadline = Instant::now() + WAIT;
    let mut waiting: Vec<u32> = keepers;
    while !waiting.is_empty() && Instant::now() < deadline {
        // Reaping here races the gate thread's own wait harmlessly: either one reaps.
        waiting.retain(|&pid| !crate::process::reaped(pid));
        std::thread::sleep(Duration::from_millis(50));
    }
    // exit() skips destructors: lift the GitHub Actions fence here (see crate::console).
    crate::console::lift();
    std::process::exit(128 + signal);
}
