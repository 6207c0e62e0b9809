//! C2SP tile paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`): naming, strict
//! parsing, which tiles and bundles a growing tree writes, and Go sumdb's equivalent paths.

use super::{HEIGHT, TILE_WIDTH};
use std::fmt;

/// Which kind of tile: hashes at a tile level (0..=63), or an entry bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Hash(u8),
    Entries,
}

/// One tile or entry bundle: its level, its index `n` within the level and its width (1..=256
/// hashes or records; 256 is a full tile, fewer a partial one named with `.p/<W>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub level: Level,
    pub n: u64,
    pub width: u32,
}

/// Longest valid path: `tile/entries/` + the 7 groups of u64::MAX + `.p/255`.
const MAX_PATH: usize = 52;

/// The widest tile, as a width.
const FULL: u32 = TILE_WIDTH as u32;

impl TileId {
    /// A hash tile at `level`.
    pub fn hash(level: u8, n: u64, width: u32) -> TileId {
        TileId {
            level: Level::Hash(level),
            n,
            width,
        }
    }

    /// An entry bundle.
    pub fn entries(n: u64, width: u32) -> TileId {
        TileId {
            level: Level::Entries,
            n,
            width,
        }
    }

    /// The c2sp.org/tlog-tiles path: `tile/0/x001/x234/067.p/8`, `tile/entries/000`.
    pub fn path(&self) -> String {
        let level = match self.level {
            Level::Hash(l) => l.to_string(),
            Level::Entries => "entries".to_owned(),
        };
        format!("tile/{level}/{}", self.tail())
    }

    /// `<N>[.p/<W>]`: the index in `x001/x234/067` groups and the partial suffix.
    fn tail(&self) -> String {
        let mut n = self.n;
        let mut text = format!("{:03}", n % 1000);
        while n >= 1000 {
            n /= 1000;
            text = format!("x{:03}/{text}", n % 1000);
        }
        if !self.is_full() {
            text.push_str(&format!(".p/{}", self.width));
        }
        text
    }

    /// The path of the full tile with this level and index (no `.p/` suffix).
    pub fn full_path(&self) -> String {
        self.full().path()
    }

    /// The same tile at full width.
    pub fn full(&self) -> TileId {
        TileId {
            width: FULL,
            ..*self
        }
    }

    /// Whether this is a full tile (256 wide).
    pub fn is_full(&self) -> bool {
        self.width == FULL
    }

    /// Index of the first entry the tile covers at level 0 (for a bundle: its first record).
    pub fn first_entry(&self) -> Option<u64> {
        let shift = match self.level {
            Level::Hash(l) => (u32::from(l) + 1) * u32::from(HEIGHT),
            Level::Entries => u32::from(HEIGHT),
        };
        self.n.checked_shl(shift).filter(|v| v >> shift == self.n)
    }

    /// Parse a C2SP tile path, strictly: only what [`TileId::path`] writes is accepted (no
    /// leading zeros in the level or width, 3-digit groups with `x` on all but the last, no
    /// redundant `x000` group, width 1..=255 after `.p/`, nothing after it).
    pub fn parse(path: &str) -> Result<TileId, String> {
        let bad = |why: &str| format!("tile path {path:?}: {why}");
        if path.len() > MAX_PATH {
            return Err(bad(&format!("longer than {MAX_PATH} bytes")));
        }
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| bad("does not start with tile/"))?;
        let (level_text, rest) = rest
            .split_once('/')
            .ok_or_else(|| bad("no index after the level"))?;
        let level = if level_text == "entries" {
            Level::Entries
        } else {
            let l = decimal(level_text).ok_or_else(|| {
                bad("the level is neither `entries` nor a decimal without leading zeros")
            })?;
            match u8::try_from(l) {
                Ok(l) if l <= 63 => Level::Hash(l),
                _ => return Err(bad("the level is above 63")),
            }
        };
        let (index, width) = match rest.split_once(".p/") {
            Some((index, width)) => {
                let w = decimal(width)
                    .filter(|w| (1..u64::from(FULL)).contains(w))
                    .ok_or_else(|| bad("a partial width must be 1..=255 without leading zeros"))?;
                (index, w as u32)
            }
            None => (rest, FULL),
        };
        let groups: Vec<&str> = index.split('/').collect();
        let mut n: u64 = 0;
        for (i, group) in groups.iter().enumerate() {
            let last = i + 1 == groups.len();
            let digits = if last {
                *group
            } else {
                group
                    .strip_prefix('x')
                    .ok_or_else(|| bad("every index group but the last starts with x"))?
            };
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("index groups are exactly 3 digits"));
            }
            let value: u64 = digits.parse().map_err(|_| bad("bad index digits"))?;
            n = n
                .checked_mul(1000)
                .and_then(|n| n.checked_add(value))
                .ok_or_else(|| bad("the index does not fit in 64 bits"))?;
        }
        let id = TileId { level, n, width };
        if id.path() != path {
            return Err(bad(&format!(
                "not in canonical form (that is {})",
                id.path()
            )));
        }
        Ok(id)
    }

    /// This tile in tlog_tiles' coordinates (height 8; entry bundles are its data tiles).
    pub fn to_tile(&self) -> Result<tlog_tiles::Tile, String> {
        let (level, data) = match self.level {
            Level::Hash(l) if l <= 63 => (l, false),
            Level::Entries => (0, true),
            Level::Hash(l) => return Err(format!("tile level {l} is above 63")),
        };
        if !(1..=FULL).contains(&self.width) {
            return Err(format!("tile width {} is not 1..=256", self.width));
        }
        Ok(tlog_tiles::Tile::new(
            HEIGHT, level, self.n, self.width, data,
        ))
    }

    /// The tile tlog_tiles names (height must be 8).
    pub fn from_tile(tile: &tlog_tiles::Tile) -> Result<TileId, String> {
        if tile.height() != HEIGHT {
            return Err(format!("tile height {} is not {HEIGHT}", tile.height()));
        }
        let level = if tile.is_data() {
            Level::Entries
        } else {
            Level::Hash(tile.level())
        };
        Ok(TileId {
            level,
            n: tile.level_index(),
            width: tile.width(),
        })
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// A decimal without sign or leading zeros ("0" itself is fine).
fn decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.len() <= 20
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// The hash tiles to write when the tree grows from `old_size` to `new_size` records: full
/// tiles completed on the way and the partial tiles of the new size (none if it does not grow).
pub fn tiles_for(old_size: u64, new_size: u64) -> Vec<TileId> {
    if new_size <= old_size {
        return Vec::new();
    }
    tlog_tiles::Tile::new_tiles(HEIGHT, old_size, new_size)
        .iter()
        .map(|t| TileId::hash(t.level(), t.level_index(), t.width()))
        .collect()
}

/// The entry bundles to write for the same growth: one per level-0 tile.
pub fn bundles_for(old_size: u64, new_size: u64) -> Vec<TileId> {
    tiles_for(old_size, new_size)
        .into_iter()
        .filter(|t| t.level == Level::Hash(0))
        .map(|t| TileId::entries(t.n, t.width))
        .collect()
}

/// The path Go's golang.org/x/mod/sumdb/tlog gives the same tile: `tile/8/<L>/<N>[.p/<W>]`,
/// with `data` for entry bundles (for interop tests against Go's client).
pub fn to_go_path(id: &TileId) -> String {
    let level = match id.level {
        Level::Hash(l) => l.to_string(),
        Level::Entries => "data".to_owned(),
    };
    format!("tile/{HEIGHT}/{level}/{}", id.tail())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_c2sp() {
        assert_eq!(
            TileId::hash(0, 1234067, 8).path(),
            "tile/0/x001/x234/067.p/8"
        );
        assert_eq!(TileId::hash(1, 0, 256).path(), "tile/1/000");
        assert_eq!(TileId::entries(1000, 256).path(), "tile/entries/x001/000");
        assert_eq!(TileId::entries(5, 1).path(), "tile/entries/005.p/1");
        let max = TileId::entries(u64::MAX, 255).path();
        assert_eq!(max.len(), MAX_PATH);
        assert_eq!(TileId::parse(&max).unwrap().n, u64::MAX);
    }

    #[test]
    fn parse_round_trips_and_is_strict() {
        for id in [
            TileId::hash(0, 0, 1),
            TileId::hash(63, 999_999, 256),
            TileId::entries(1_000_000, 17),
        ] {
            assert_eq!(TileId::parse(&id.path()).unwrap(), id);
        }
        for bad in [
            "tile/00/000",
            "tile/64/000",
            "tile/+1/000",
            "tile/0/0",
            "tile/0/0000",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/x1/002",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/08",
            "tile/0/000.p/8/9",
            "tile/0/000/",
            "tile/data/000",
            "tile/8/0/000",
            "tiles/0/000",
            "tile/entries/x018/x446/x744/x073/x709/x551/616",
            "tile/entries/x001/x018/x446/x744/x073/x709/x551/615",
            "",
        ] {
            let err = TileId::parse(bad).unwrap_err();
            assert!(err.contains("tile path"), "{bad}: {err}");
        }
    }

    #[test]
    fn tiles_for_matches_the_spec_example() {
        // c2sp.org/tlog-tiles: size 256 is a full level-0 tile and a partial level-1 tile of 1.
        assert_eq!(
            tiles_for(0, 256),
            vec![TileId::hash(0, 0, 256), TileId::hash(1, 0, 1)]
        );
        // Size 70,000: 273 full level-0 tiles, a partial of 112, a full level-1 tile, a partial
        // of 17 at level 1 and a partial of 1 at level 2.
        let all = tiles_for(0, 70_000);
        let level = |l| all.iter().filter(move |t| t.level == Level::Hash(l));
        assert_eq!(level(0).filter(|t| t.is_full()).count(), 273);
        assert_eq!(level(0).find(|t| !t.is_full()).unwrap().width, 112);
        assert_eq!(level(1).map(|t| t.width).collect::<Vec<_>>(), [256, 17]);
        assert_eq!(level(2).map(|t| t.width).collect::<Vec<_>>(), [1]);
        assert_eq!(
            bundles_for(300, 513),
            vec![TileId::entries(1, 256), TileId::entries(2, 1)]
        );
        assert!(tiles_for(5, 5).is_empty());
        assert!(tiles_for(6, 5).is_empty());
    }

    #[test]
    fn go_paths_and_tlog_tiles_agree() {
        for id in [TileId::hash(2, 1234067, 8), TileId::entries(7, 256)] {
            let tile = id.to_tile().unwrap();
            assert_eq!(to_go_path(&id), tile.path());
            assert_eq!(TileId::from_tile(&tile).unwrap(), id);
        }
        assert_eq!(to_go_path(&TileId::entries(7, 3)), "tile/8/data/007.p/3");
    }

    #[test]
    fn first_entries() {
        assert_eq!(TileId::hash(0, 3, 256).first_entry(), Some(768));
        assert_eq!(TileId::hash(1, 1, 9).first_entry(), Some(65536));
        assert_eq!(TileId::entries(2, 1).first_entry(), Some(512));
        assert_eq!(TileId::hash(7, 1, 1).first_entry(), None);
    }
}
