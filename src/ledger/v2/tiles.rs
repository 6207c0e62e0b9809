//! Reading a v2 log's tiles, entry bundles and checkpoint from a [`Store`], with the partial
//! tile fallback of docs/design/ledger-v2.md, and a tlog_tiles `TileReader` over them.

use crate::ledger::store::Store;
use crate::tlog::bundle;
use crate::tlog::note::SignedCheckpoint;
use crate::tlog::paths::{Level, TileId};
use crate::tlog::{HEIGHT, TileReader};
use rayon::prelude::*;
use tlog_tiles::{Error, HASH_SIZE, Tile};

/// The store key of the signed checkpoint.
pub const CHECKPOINT_KEY: &str = "checkpoint";

/// How often [`read_tile`] looks again for a tile whose partials vanished while it read them
/// (appenders garbage-collect behind a reader that is not under the append lock).
const FALLBACK_ROUNDS: usize = 8;

/// The bytes of tile `id`: the object at its path, or for a partial tile that is gone
/// (garbage-collected after a wider one was written) the full tile or a wider partial, cut
/// to `id`'s width (the widest first: garbage collection removes narrow ones first, and a
/// reader racing appenders looks again when those vanish too). Hash tiles are checked to
/// hold width × 32 bytes. Errors name the store key.
pub fn read_tile(store: &dyn Store, id: &TileId) -> Result<Vec<u8>, String> {
    let key = id.path();
    let at = |key: &str| format!("{}/{key}", store.location());
    if let Some(bytes) = store.get(&key).map_err(|e| e.to_string())? {
        return cut(id, &bytes, &at(&key));
    }
    if id.is_full() {
        return Err(format!("{}: missing ({})", at(&key), what(id)));
    }
    let full = id.full_path();
    let prefix = format!("{full}.p/");
    for _ in 0..FALLBACK_ROUNDS {
        if let Some(bytes) = store.get(&full).map_err(|e| e.to_string())? {
            return cut(id, &bytes, &at(&full));
        }
        let mut wider: Vec<TileId> = store
            .list(&prefix)
            .map_err(|e| e.to_string())?
            .iter()
            .filter_map(|k| TileId::parse(k).ok())
            .filter(|t| t.level == id.level && t.n == id.n && t.width > id.width)
            .collect();
        if wider.is_empty() {
            break;
        }
        wider.sort_by_key(|t| std::cmp::Reverse(t.width));
        for tile in wider {
            let wider_key = tile.path();
            if let Some(bytes) = store.get(&wider_key).map_err(|e| e.to_string())? {
                return cut(id, &bytes, &at(&wider_key));
            }
        }
    }
    Err(format!(
        "{}: missing ({}), and neither the full tile nor a wider partial is there",
        at(&key),
        what(id)
    ))
}

fn what(id: &TileId) -> &'static str {
    match id.level {
        Level::Entries => "an entry bundle the checkpoint covers",
        Level::Hash(_) => "a hash tile the checkpoint covers",
    }
}

/// `bytes` (read from `key`) cut to `id`'s width: width × 32 bytes of a hash tile, the
/// first `width` records of a bundle.
fn cut(id: &TileId, bytes: &[u8], key: &str) -> Result<Vec<u8>, String> {
    let width = id.width as usize;
    match id.level {
        Level::Hash(_) => {
            let want = width * HASH_SIZE;
            if bytes.len() < want || !bytes.len().is_multiple_of(HASH_SIZE) {
                return Err(format!(
                    "{key}: {} bytes is not a hash tile of at least {width} hashes ({want} bytes)",
                    bytes.len()
                ));
            }
            Ok(bytes[..want].to_vec())
        }
        Level::Entries => {
            let records = bundle::decode_prefix(bytes, width).map_err(|e| format!("{key}: {e}"))?;
            bundle::encode(&records).map_err(|e| format!("{key}: {e}"))
        }
    }
}

/// The `width` records of entry bundle `n` (full: 256).
pub fn read_bundle(store: &dyn Store, n: u64, width: u32) -> Result<Vec<Vec<u8>>, String> {
    let id = TileId::entries(n, width);
    let bytes = read_tile(store, &id)?;
    let records = bundle::decode(&bytes).map_err(|e| format!("{}/{id}: {e}", store.location()))?;
    if records.len() != width as usize {
        return Err(format!(
            "{}/{id}: the bundle holds {} records, its name says {width}",
            store.location(),
            records.len()
        ));
    }
    Ok(records.into_iter().map(<[u8]>::to_vec).collect())
}

/// The store's checkpoint, parsed (signatures unchecked); `None` when there is none.
pub fn read_checkpoint(store: &dyn Store) -> Result<Option<SignedCheckpoint>, String> {
    let Some(bytes) = store.get(CHECKPOINT_KEY).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    SignedCheckpoint::parse(&bytes)
        .map(Some)
        .map_err(|e| format!("{}/{CHECKPOINT_KEY}: {e}", store.location()))
}

/// The store's hash tiles as a tlog_tiles [`TileReader`] (height 8), for
/// `TileHashReader::new(size, root, &StoreTiles::new(store))`, which authenticates every
/// tile against the checkpoint's root. Tiles are read in parallel; nothing is cached
/// (`save_tiles` does nothing).
pub struct StoreTiles<'a> {
    store: &'a dyn Store,
}

impl<'a> StoreTiles<'a> {
    pub fn new(store: &'a dyn Store) -> StoreTiles<'a> {
        StoreTiles { store }
    }
}

impl TileReader for StoreTiles<'_> {
    fn height(&self) -> u8 {
        HEIGHT
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
        tiles
            .par_iter()
            .map(|tile| {
                let id = TileId::from_tile(tile).map_err(Error::InvalidInput)?;
                read_tile(self.store, &id).map_err(Error::InvalidInput)
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::bundle::MemoryStore;
    use crate::tlog::tree::{MemoryHashes, root};
    use crate::tlog::{TileHashReader, proof};
    use std::collections::BTreeMap;

    /// A store holding the tiles and bundles of a tree of `n` records, with every partial
    /// written on the way at each size in `sizes` (then some deleted by the test).
    fn store_of(n: u64, sizes: &[u64]) -> (BTreeMap<String, Vec<u8>>, Vec<Vec<u8>>) {
        let records: Vec<Vec<u8>> = (0..n).map(|i| format!("r{i}").into_bytes()).collect();
        let mut objects = BTreeMap::new();
        for &size in sizes.iter().chain([&n]) {
            let refs: Vec<&[u8]> = records[..size as usize].iter().map(Vec::as_slice).collect();
            for (id, data) in MemoryHashes::of(&refs).unwrap().tiles().unwrap() {
                objects.insert(id.path(), data);
            }
            for id in crate::tlog::paths::bundles_for(0, size) {
                let first = id.n as usize * 256;
                let these = &refs[first..first + id.width as usize];
                objects.insert(id.path(), bundle::encode(these).unwrap());
            }
        }
        (objects, records)
    }

    #[test]
    fn partial_fallback_reads_full_or_a_wider_partial() {
        let (mut objects, records) = store_of(300, &[3, 260, 270]);
        // 260's and 270's partials exist; 3's partial is superseded by the full tile.
        objects.remove("tile/0/000.p/3");
        objects.remove("tile/entries/000.p/3");
        objects.remove("tile/0/001.p/4");
        objects.remove("tile/entries/001.p/4");
        let store = MemoryStore::new("mem".into(), objects.clone());
        let tree =
            MemoryHashes::of(&records.iter().map(Vec::as_slice).collect::<Vec<_>>()).unwrap();
        let want = |id: TileId| id.to_tile().unwrap().read_data(&tree).unwrap();
        assert_eq!(
            read_tile(&store, &TileId::hash(0, 0, 3)).unwrap(),
            want(TileId::hash(0, 0, 3))
        );
        // 001.p/4 is gone: a wider one (001.p/14 or 001.p/44) holds it.
        assert_eq!(
            read_tile(&store, &TileId::hash(0, 1, 4)).unwrap(),
            want(TileId::hash(0, 1, 4))
        );
        assert_eq!(
            read_bundle(&store, 1, 4).unwrap(),
            records[256..260].to_vec()
        );
        assert_eq!(read_bundle(&store, 0, 3).unwrap(), records[..3].to_vec());
        assert_eq!(
            read_bundle(&store, 0, 256).unwrap(),
            records[..256].to_vec()
        );
        let err = read_tile(&store, &TileId::hash(0, 1, 45)).unwrap_err();
        assert!(
            err.contains("mem/tile/0/001.p/45") && err.contains("missing"),
            "{err}"
        );
        let err = read_bundle(&store, 2, 256).unwrap_err();
        assert!(err.contains("mem/tile/entries/002"), "{err}");

        // A truncated hash tile and a bundle with fewer records than its name say so.
        let mut broken = objects;
        broken.insert("tile/0/001.p/44".into(), vec![0; 40]);
        broken.insert(
            "tile/entries/001.p/44".into(),
            bundle::encode(&[b"x"]).unwrap(),
        );
        let store = MemoryStore::new("mem".into(), broken);
        assert!(
            read_tile(&store, &TileId::hash(0, 1, 44))
                .unwrap_err()
                .contains("40 bytes")
        );
        assert!(
            read_bundle(&store, 1, 44)
                .unwrap_err()
                .contains("holds 1 records")
        );
    }

    #[test]
    fn store_tiles_authenticate_against_the_checkpoint() {
        let (mut objects, records) = store_of(700, &[]);
        objects.insert(CHECKPOINT_KEY.into(), b"o.example\n700\nAA==\n\n".to_vec());
        let store = MemoryStore::new("mem".into(), objects.clone());
        assert!(
            read_checkpoint(&store)
                .unwrap_err()
                .contains("mem/checkpoint")
        );
        let tree =
            MemoryHashes::of(&records.iter().map(Vec::as_slice).collect::<Vec<_>>()).unwrap();
        let good_root = root(700, &tree).unwrap();
        let tiles = StoreTiles::new(&store);
        let reader = TileHashReader::new(700, good_root, &tiles);
        let path = proof::prove(600, 700, &reader).unwrap();
        assert_eq!(path, proof::prove(600, 700, &tree).unwrap());
        // A wrong root: the tiles do not authenticate.
        let wrong = TileHashReader::new(700, crate::tlog::leaf_hash(b"x"), &tiles);
        assert!(proof::prove(600, 700, &wrong).is_err());
        // A tampered tile: refused too.
        let mut tampered = objects;
        tampered.get_mut("tile/0/002.p/188").unwrap()[5] ^= 1;
        let store = MemoryStore::new("mem".into(), tampered);
        let tiles = StoreTiles::new(&store);
        assert!(proof::prove(600, 700, &TileHashReader::new(700, good_root, &tiles)).is_err());
    }
}
