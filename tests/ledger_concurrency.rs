//! Concurrency: 8 processes appending 50 entries each to one local store end with 400
//! entries in one linear chain (format 1) or one log whose tiles agree with its checkpoint
//! (format 2) that verifies; every process's reported entry is there.

#[path = "ledger_support/mod.rs"]
mod support;

use support::{Ledger, assert_verifies};

#[test]
fn eight_appenders_of_fifty_make_one_chain_of_four_hundred() {
    eight_appenders_of_fifty(Ledger::new("v1"));
}

#[test]
fn eight_appenders_of_fifty_make_one_log_of_four_hundred() {
    eight_appenders_of_fifty(Ledger::new("v2"));
}

fn eight_appenders_of_fifty(ledger: Ledger) {
    let reported: Vec<(u64, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let ledger = &ledger;
                scope.spawn(move || {
                    (0..50)
                        .map(|i| ledger.append_ok(&format!("worker {w} append {i}")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let entries = ledger.entries();
    assert_eq!(entries.len(), 400);
    assert_eq!(
        entries.iter().map(|e| e.0).collect::<Vec<_>>(),
        (1..=400).collect::<Vec<_>>()
    );
    let mut seqs: Vec<u64> = reported.iter().map(|r| r.0).collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=400).collect::<Vec<_>>(),
        "two appenders got the same seq"
    );
    for (seq, sha) in &reported {
        assert_eq!(&entries[*seq as usize - 1].1, sha, "entry {seq}");
    }
    assert_verifies(&ledger);
}
