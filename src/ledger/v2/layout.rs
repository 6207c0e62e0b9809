//! The keys of a format-2 store beyond the tile paths of `crate::tlog::paths`: the
//! checkpoint, the cosigned checkpoints, and how messages and evidence lists name a record.

use crate::tlog::TILE_WIDTH;
use crate::tlog::paths::TileId;

/// The current checkpoint (a C2SP signed note; unsigned right after `audit init`).
pub const CHECKPOINT: &str = super::tiles::CHECKPOINT_KEY;

/// Prefix of every tile and entry bundle.
pub const TILE_PREFIX: &str = "tile/";

/// Prefix of the checkpoints witnesses cosigned: `checkpoints/<size>`.
pub const CHECKPOINTS_PREFIX: &str = "checkpoints/";

/// The key of the checkpoint of `size` that witnesses cosigned.
pub fn cosigned_checkpoint_key(size: u64) -> String {
    format!("{CHECKPOINTS_PREFIX}{size}")
}

/// The entry bundle record `index` (seq - 1) is in, and its position there.
pub fn bundle_of(index: u64) -> (u64, usize) {
    (index / TILE_WIDTH, (index % TILE_WIDTH) as usize)
}

/// Where record `seq` is, for evidence lists: its full entry bundle's path and `#<seq>`
/// (`tile/entries/000#42`); until the bundle fills, the record is in a partial of it.
pub fn record_location(seq: u64) -> String {
    let (n, _) = bundle_of(seq.saturating_sub(1));
    format!("{}#{seq}", TileId::entries(n, TILE_WIDTH as u32).path())
}

/// How messages name record `seq` (index `seq - 1`).
pub fn record_name(seq: u64) -> String {
    format!("record {seq}")
}

/// The partials of tile `id` (any width) are listed under this prefix.
pub fn partials_prefix(id: &TileId) -> String {
    format!("{}.p/", id.full_path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_named_by_their_bundle() {
        assert_eq!(record_location(1), "tile/entries/000#1");
        assert_eq!(record_location(256), "tile/entries/000#256");
        assert_eq!(record_location(257), "tile/entries/001#257");
        assert_eq!(
            record_location(256_001 * 256),
            "tile/entries/x256/000#65536256"
        );
        assert_eq!(bundle_of(300), (1, 44));
        assert_eq!(partials_prefix(&TileId::hash(1, 2, 7)), "tile/1/002.p/");
    }
}
