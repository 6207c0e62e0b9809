//! The hashing progress bar on stderr: a thread reads the digest counters twenty times a
//! second and draws them with indicatif, only when stderr is a terminal. Hashing itself
//! only bumps atomics; it never waits for the terminal.

use crate::digest::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Set by `-q`: no progress at all.
static DISABLED: AtomicBool = AtomicBool::new(false);

/// Turn progress display off for this process (`--quiet`).
pub fn disable() {
    DISABLED.store(true, Ordering::Relaxed);
}

const POLL: Duration = Duration::from_millis(50);

/// A running progress display; dropping it stops the thread and clears the bar.
pub struct HashProgress {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

/// A digest cache for one command, and the bar that shows its progress (`None` when stderr
/// is not a terminal). Drop the bar when hashing is over.
pub fn hashing() -> (crate::digest::DigestCache, Option<HashProgress>) {
    let counters = Arc::new(Progress::default());
    let digests = crate::digest::DigestCache::with_progress(counters.clone());
    (digests, HashProgress::start(counters))
}

impl HashProgress {
    /// Start showing `counters` when stderr is a terminal; `None` otherwise. The bar
    /// appears only once a file is being hashed at a poll, so quick runs show nothing.
    pub fn start(counters: Arc<Progress>) -> Option<HashProgress> {
        if DISABLED.load(Ordering::Relaxed) || !crate::term::stderr_is_terminal() {
            return None;
        }
        let colour = !crate::term::no_color_requested();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let handle = std::thread::Builder::new()
            .name("tollgate-progress".to_owned())
            .spawn(move || draw(&counters, &stopping, colour))
            .ok()?;
        Some(HashProgress {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for HashProgress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

fn style(colour: bool) -> ProgressStyle {
    let template = if colour {
        "{spinner:.cyan} {msg} [{bar:30.cyan/blue}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}"
    } else {
        "{spinner} {msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

fn draw(counters: &Progress, stop: &AtomicBool, colour: bool) {
    let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let mut bar: Option<ProgressBar> = None;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(POLL);
        let files = load(&counters.files_total);
        if files == 0 {
            continue;
        }
        let (total, done) = (load(&counters.bytes_total), load(&counters.bytes_done));
        let message = format!("hashing {}/{files} file(s)", load(&counters.files_done));
        match &bar {
            Some(bar) => {
                bar.set_length(total);
                bar.set_position(done);
                bar.set_message(message);
            }
            // Built whole before its first draw, so no frame shows a half-set bar.
            None => {
                let new = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                    .with_style(style(colour))
                    .with_position(done)
                    .with_message(message);
                new.tick();
                bar = Some(new);
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}
