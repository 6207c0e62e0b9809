//! A deterministic metrics history for three testnet seeds, written as OpenMetrics for
//! `promtool tsdb create-blocks-from openmetrics`. One sample every 2 minutes from
//! 2026-11-20T00:00Z to 2026-12-01T00:00Z:
//!
//! - 2026-11-20 .. 11-28: all healthy (8 days): up, one process start, the height rising one
//!   block per 2 minutes, 8 peers, fully synced, disk 40% used;
//! - 11-28 06:00-06:40: seed-2 restarts five times within the hour (a restart loop);
//! - 11-29 06:00-06:20: seed-3 dips to sync 0.95 with 2 peers;
//! - 11-30 06:00-06:30: seed-1's chain stalls (its height stops, then catches up);
//! - 11-30 12:00-14:00: seed-2 is down (up = 0, no other metrics), then restarts;
//! - 11-30 18:00 on: seed-3's chain disk is 75% used.

use std::fmt::Write as _;
use time::OffsetDateTime;
use time::macros::datetime;

pub const START: OffsetDateTime = datetime!(2026-11-20 00:00 UTC);
pub const END: OffsetDateTime = datetime!(2026-12-01 00:00 UTC);
const STEP: i64 = 120;
const SEEDS: [&str; 3] = ["seed-1", "seed-2", "seed-3"];
const DISK: f64 = 1.0e12;

fn at(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn within(t: i64, from: OffsetDateTime, to: OffsetDateTime) -> bool {
    at(from) <= t && t < at(to)
}

/// Restart instants per seed.
fn restarts(seed: &str) -> Vec<i64> {
    match seed {
        "seed-2" => {
            let mut r: Vec<i64> = (0..5)
                .map(|i| at(datetime!(2026-11-28 06:00 UTC)) + i * 600)
                .collect();
            r.push(at(datetime!(2026-11-30 14:00 UTC)));
            r
        }
        _ => Vec::new(),
    }
}

fn down(seed: &str, t: i64) -> bool {
    seed == "seed-2"
        && within(
            t,
            datetime!(2026-11-30 12:00 UTC),
            datetime!(2026-11-30 14:00 UTC),
        )
}

struct Sample {
    up: u8,
    start: Option<i64>,
    height: i64,
    peers: u32,
    sync: f64,
    avail: f64,
}

fn sample(seed: &str, t: i64) -> Sample {
    let start = restarts(seed)
        .into_iter()
        .filter(|r| *r <= t)
        .max()
        .map_or(at(START) - 3 * 86_400, |r| r + 30);
    let mut height = 100_000 + (t - at(START)) / STEP;
    let stall = (
        datetime!(2026-11-30 06:00 UTC),
        datetime!(2026-11-30 06:30 UTC),
    );
    if seed == "seed-1" && within(t, stall.0, stall.1) {
        height = 100_000 + (at(stall.0) - at(START)) / STEP;
    }
    let dip = within(
        t,
        datetime!(2026-11-29 06:00 UTC),
        datetime!(2026-11-29 06:20 UTC),
    ) && seed == "seed-3";
    let full = seed == "seed-3" && t >= at(datetime!(2026-11-30 18:00 UTC));
    Sample {
        up: u8::from(!down(seed, t)),
        start: (!down(seed, t)).then_some(start),
        height,
        peers: if dip { 2 } else { 8 },
        sync: if dip { 0.95 } else { 1.0 },
        avail: DISK * if full { 0.25 } else { 0.60 },
    }
}

/// The whole history as OpenMetrics text (families contiguous, samples in time order).
pub fn openmetrics() -> String {
    let times: Vec<i64> = (at(START)..=at(END)).step_by(STEP as usize).collect();
    let mut out = String::new();
    let families: [(&str, &str); 7] = [
        ("up", "gauge"),
        ("process_start_time_seconds", "gauge"),
        ("node_block_height", "gauge"),
        ("node_peer_count", "gauge"),
        ("node_sync_progress", "gauge"),
        ("node_filesystem_avail_bytes", "gauge"),
        ("node_filesystem_size_bytes", "gauge"),
    ];
    for (family, kind) in families {
        writeln!(out, "# TYPE {family} {kind}").unwrap();
        for seed in SEEDS {
            let mut labels = format!("env=\"testnet\",instance=\"{seed}\",job=\"node\"");
            if family.starts_with("node_filesystem") {
                labels.push_str(",mountpoint=\"/var/lib/monero\"");
            }
            for &t in &times {
                let s = sample(seed, t);
                let value = match family {
                    "up" => s.up.to_string(),
                    _ if s.up == 0 => continue,
                    "process_start_time_seconds" => s.start.unwrap_or_default().to_string(),
                    "node_block_height" => s.height.to_string(),
                    "node_peer_count" => s.peers.to_string(),
                    "node_sync_progress" => s.sync.to_string(),
                    "node_filesystem_avail_bytes" => s.avail.to_string(),
                    _ => DISK.to_string(),
                };
                writeln!(out, "{family}{{{labels}}} {value} {t}").unwrap();
            }
        }
    }
    out.push_str("# EOF\n");
    out
}
