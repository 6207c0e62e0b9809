//! Crash safety: tollgate processes appending to one ledger are SIGKILLed at random moments
//! (at least 200 kills); afterwards `audit verify` passes (format 2: the tiles agree with the
//! checkpoint) and every append that reported success is in the ledger with the digest it
//! printed. Both formats.

#[path = "ledger_support/mod.rs"]
mod support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::{Ledger, assert_verifies, printed_id};

const KILLS: usize = 200;

/// xorshift64: the test needs spread-out delays, not cryptographic randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn sigkill_at_random_points_never_breaks_the_chain_or_loses_a_reported_append() {
    sigkills(Ledger::new("v1"));
}

#[test]
fn sigkill_at_random_points_never_breaks_the_log_or_loses_a_reported_append() {
    sigkills(Ledger::new("v2"));
}

fn sigkills(ledger: Ledger) {
    // Calibrate: how long one append takes here, so kills land across its whole life
    // (start-up, key loading, blob and entry creation, head replacement, exit).
    let started = Instant::now();
    for i in 0..3 {
        ledger.append_ok(&format!("calibration {i}"));
    }
    let window = started.elapsed().as_micros() as u64 / 3 * 12 / 10;
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}, window {window} µs");
    let mut rng = Rng(seed);
    let mut reported = Vec::new();
    let (mut kills, mut runs) = (0, 0);
    while kills < KILLS {
        runs += 1;
        assert!(
            runs < KILLS * 20,
            "only {kills} kills in {runs} runs (seed {seed})"
        );
        let mut child = ledger
            .append_command(&format!("run {runs}"))
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % window));
        match child.try_wait().unwrap() {
            Some(_) => {
                let out = child.wait_with_output().unwrap();
                assert_eq!(
                    out.status.code(),
                    Some(0),
                    "run {runs}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                reported.push(printed_id(&out.stdout));
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
            }
        }
        if runs % 50 == 0 {
            assert_verifies(&ledger);
        }
    }
    assert_verifies(&ledger);
    let entries = ledger.entries();
    for (seq, sha) in &reported {
        assert!(
            entries.iter().any(|(s, h)| s == seq && h == sha),
            "append {seq}:{sha} reported success but is not in the ledger (seed {seed})"
        );
    }
    eprintln!(
        "{runs} runs, {kills} SIGKILLs, {} reported appends, {} entries",
        reported.len(),
        entries.len()
    );
    // After the kills the ledger still takes appends, and the head (format 1) or checkpoint
    // (format 2) covers them again.
    let out = ledger.append_command("after the storm").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let verify = ledger.verify();
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(text.contains("covers all"), "{text}");
}
