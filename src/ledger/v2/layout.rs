//! The keys of a format-2 store: the checkpoint, the cosigned checkpoints, and the names
//! messages give a record (tile paths themselves come from `crate::tlog::paths`).

/// The current checkpoint (a C2SP signed note; unsigned right after `audit init`).
pub const CHECKPOINT: &str = "checkpoint";

/// Prefix of the checkpoints witnesses cosigned: `checkpoints/<size>`.
pub const CHECKPOINTS_PREFIX: &str = "checkpoints/";

/// Prefix of every tile (hash tiles and entry bundles).
pub const TILE_PREFIX: &str = "tile/";

/// Records per entry bundle (and hashes per hash tile): C2SP tile height 8.
pub const TILE_WIDTH: u64 = 256;

/// The largest record an entry bundle can hold (its length prefix is a u16).
pub const MAX_RECORD: usize = u16::MAX as usize;

/// The key of the checkpoint of `size` that witnesses cosigned.
pub fn cosigned_checkpoint_key(size: u64) -> String {
    format!("{CHECKPOINTS_PREFIX}{size}")
}

/// Where record `seq` is, for evidence lists: its full entry bundle's path and `#<seq>`
/// (`tile/entries/000#42`); the bundle may still be a partial one (`.p/<W>`).
pub fn record_location(seq: u64) -> String {
    let bundle = seq.saturating_sub(1) / TILE_WIDTH;
    let mut n = bundle;
    let mut text = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        text = format!("x{:03}/{text}", n % 1000);
    }
    format!("{TILE_PREFIX}entries/{text}#{seq}")
}

/// How messages name record `seq` (index `seq - 1`): `record <seq>`; the record lives in
/// entry bundle `seq / 256` at position `(seq - 1) % 256`.
pub fn record_name(seq: u64) -> String {
    format!("record {seq}")
}
