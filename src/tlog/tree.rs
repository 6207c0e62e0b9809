//! Growing the tree: the hash tiles and root after appending records, computed with
//! tlog_tiles' stored hashes over the existing tree's hashes plus an in-memory overlay.

use super::bundle::MAX_RECORD;
use super::paths::{TileId, tiles_for};
use super::{Hash, HashReader};
use tlog_tiles::{
    Error, stored_hash_index, stored_hashes, stored_hashes_for_record_hash, tree_hash,
};

/// What appending records produced: every hash tile to write (full tiles completed and the
/// partial tiles of the new size, in tlog_tiles' order), the new root and size.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    pub tiles: Vec<(TileId, Vec<u8>)>,
    pub root: Hash,
    pub size: u64,
}

/// Hashes of the existing tree below `base` (the stored-hash index of the first new record),
/// then the hashes computed for the new records.
struct Overlay<'a, R: HashReader> {
    existing: &'a R,
    base: u64,
    new: &'a [Hash],
}

impl<R: HashReader> HashReader for Overlay<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        let old: Vec<u64> = indexes.iter().copied().filter(|&i| i < self.base).collect();
        // An empty request never reaches the existing reader (TileHashReader of an empty
        // tree cannot answer even that).
        let old_hashes = if old.is_empty() {
            Vec::new()
        } else {
            self.existing.read_hashes(&old)?
        };
        let mut old_hashes = old_hashes.into_iter();
        indexes
            .iter()
            .map(|&i| {
                if i < self.base {
                    old_hashes.next().ok_or(Error::BadMath)
                } else {
                    usize::try_from(i - self.base)
                        .ok()
                        .and_then(|at| self.new.get(at).copied())
                        .ok_or(Error::IndexesNotInTree)
                }
            })
            .collect()
    }
}

/// Append `new_records` to the tree of `old_size` records whose stored hashes `existing`
/// reads (a `TileHashReader` over the store's tiles, authenticated by a checkpoint): the
/// tiles to write for [old_size, old_size + n), the new root and size. Records larger than a
/// bundle entry are refused.
pub fn grow(
    old_size: u64,
    existing: &impl HashReader,
    new_records: &[&[u8]],
) -> Result<Growth, String> {
    if let Some((i, record)) = new_records
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() > MAX_RECORD)
    {
        return Err(format!(
            "record {} is {} bytes; a v2 log record is at most {MAX_RECORD}",
            old_size + i as u64,
            record.len()
        ));
    }
    let leaves: Vec<Hash> = new_records.iter().map(|r| super::leaf_hash(r)).collect();
    grow_leaves(old_size, existing, &leaves)
}

/// [`grow`] with the new records given by their leaf hashes ([`super::leaf_hash`]): for
/// callers that hash records in parallel or do not keep them.
pub fn grow_leaves(
    old_size: u64,
    existing: &impl HashReader,
    leaves: &[Hash],
) -> Result<Growth, String> {
    let size = old_size
        .checked_add(leaves.len() as u64)
        .ok_or("the tree would exceed 2^64 records")?;
    let base = stored_hash_index(0, old_size);
    let mut new = Vec::with_capacity(leaves.len() * 2);
    for (i, leaf) in leaves.iter().enumerate() {
        let index = old_size + i as u64;
        let overlay = Overlay {
            existing,
            base,
            new: &new,
        };
        let hashes = stored_hashes_for_record_hash(index, *leaf, &overlay)
            .map_err(|e| format!("hashing record {index} into the tree of {old_size}: {e}"))?;
        new.extend(hashes);
    }
    let overlay = Overlay {
        existing,
        base,
        new: &new,
    };
    let tiles = tiles_for(old_size, size)
        .into_iter()
        .map(|id| {
            let data = id
                .to_tile()?
                .read_data(&overlay)
                .map_err(|e| format!("computing hash tile {id}: {e}"))?;
            Ok((id, data))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let root =
        tree_hash(size, &overlay).map_err(|e| format!("computing the root at size {size}: {e}"))?;
    Ok(Growth { tiles, root, size })
}

/// The root of the tree of `size` records whose stored hashes `reader` reads.
pub fn root(size: u64, reader: &impl HashReader) -> Result<Hash, String> {
    tree_hash(size, reader)
        .map_err(|e| format!("computing the root of the tree of {size} records: {e}"))
}

/// Every stored hash of a tree, in memory: for recomputing a log from its records (verify,
/// migrate) and for tests.
#[derive(Debug, Clone, Default)]
pub struct MemoryHashes {
    hashes: Vec<Hash>,
    size: u64,
}

impl MemoryHashes {
    /// The stored hashes of a tree of `records`.
    pub fn of(records: &[&[u8]]) -> Result<MemoryHashes, String> {
        let mut tree = MemoryHashes::default();
        for record in records {
            tree.push(record)?;
        }
        Ok(tree)
    }

    /// Append one record.
    pub fn push(&mut self, record: &[u8]) -> Result<(), String> {
        let hashes = stored_hashes(self.size, record, &*self)
            .map_err(|e| format!("hashing record {}: {e}", self.size))?;
        self.hashes.extend(hashes);
        self.size += 1;
        Ok(())
    }

    /// Append one record by its leaf hash ([`crate::tlog::leaf_hash`]): for verifiers that
    /// hash the records in parallel and build the tree in order.
    pub fn push_leaf(&mut self, leaf: Hash) -> Result<(), String> {
        let hashes = tlog_tiles::stored_hashes_for_record_hash(self.size, leaf, &*self)
            .map_err(|e| format!("hashing record {}: {e}", self.size))?;
        self.hashes.extend(hashes);
        self.size += 1;
        Ok(())
    }

    /// Records in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hash tiles of the tree at its current size (all full tiles and the partial ones).
    pub fn tiles(&self) -> Result<Vec<(TileId, Vec<u8>)>, String> {
        tiles_for(0, self.size)
            .into_iter()
            .map(|id| {
                let data = id
                    .to_tile()?
                    .read_data(self)
                    .map_err(|e| format!("hash tile {id}: {e}"))?;
                Ok((id, data))
            })
            .collect()
    }
}

impl HashReader for MemoryHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.hashes.get(i).copied())
                    .ok_or(Error::IndexesNotInTree)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use tlog_tiles::{Tile, TileHashReader, TileReader};

    /// Tiles written so far, read back as a tlog_tiles TileReader.
    #[derive(Default)]
    struct Tiles(HashMap<TileId, Vec<u8>>);

    impl TileReader for Tiles {
        fn height(&self) -> u8 {
            crate::tlog::HEIGHT
        }
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
            tiles
                .iter()
                .map(|t| {
                    let id = TileId::from_tile(t).map_err(Error::InvalidInput)?;
                    self.0
                        .get(&id)
                        .cloned()
                        .ok_or_else(|| Error::InvalidInput(id.path()))
                })
                .collect()
        }
        fn save_tiles(&self, _: &[Tile], _: &[Vec<u8>]) {}
    }

    #[test]
    fn growing_in_steps_equals_building_from_scratch() {
        let records: Vec<Vec<u8>> = (0..600)
            .map(|i| format!("record {i}").into_bytes())
            .collect();
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let scratch = MemoryHashes::of(&refs).unwrap();
        let all_tiles: HashMap<TileId, Vec<u8>> = scratch.tiles().unwrap().into_iter().collect();
        let mut written = Tiles::default();
        let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
        let (mut size, mut root, mut step) = (0u64, crate::tlog::empty_root(), 0);
        while size < 600 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let new = (size + rng % 70).min(600);
            let appended = &refs[size as usize..new as usize];
            let growth = if step % 2 == 0 {
                // The realistic reader: the tiles written so far, authenticated by the root.
                grow(size, &TileHashReader::new(size, root, &written), appended)
            } else {
                grow(
                    size,
                    &MemoryHashes::of(&refs[..size as usize]).unwrap(),
                    appended,
                )
            };
            let growth = growth.unwrap();
            assert_eq!(growth.size, new);
            assert_eq!(
                growth.root,
                tree_hash(new, &scratch).unwrap(),
                "root at {new}"
            );
            let expected: Vec<TileId> = tiles_for(size, new);
            assert_eq!(
                growth.tiles.iter().map(|t| t.0).collect::<Vec<_>>(),
                expected
            );
            let prefix = MemoryHashes::of(&refs[..new as usize]).unwrap();
            for (id, data) in &growth.tiles {
                assert_eq!(
                    data,
                    &id.to_tile().unwrap().read_data(&scratch).unwrap(),
                    "{id} at {new}"
                );
                assert_eq!(
                    Some(data),
                    prefix
                        .tiles()
                        .unwrap()
                        .iter()
                        .find(|t| t.0 == *id)
                        .map(|t| &t.1)
                );
                if id.is_full() {
                    assert_eq!(Some(data), all_tiles.get(id));
                }
                written.0.insert(*id, data.clone());
            }
            (size, root, step) = (new, growth.root, step + 1);
        }
        assert_eq!(root, tree_hash(600, &scratch).unwrap());
    }

    #[test]
    fn growing_by_nothing_and_refusing_huge_records() {
        let tree = MemoryHashes::of(&[&b"a"[..], &b"b"[..]]).unwrap();
        let same = grow(2, &tree, &[]).unwrap();
        assert!(same.tiles.is_empty());
        assert_eq!(same.root, root(2, &tree).unwrap());
        let big = vec![0u8; MAX_RECORD + 1];
        assert!(
            grow(2, &tree, &[&b"c"[..], &big[..]])
                .unwrap_err()
                .contains("record 3")
        );
        let empty = grow(0, &MemoryHashes::default(), &[]).unwrap();
        assert_eq!((empty.size, empty.root), (0, crate::tlog::empty_root()));
    }
}
