//! Entry bundles (c2sp.org/tlog-tiles `tile/entries/<N>`): each record as a big-endian u16
//! length and its bytes, at most 256 records per bundle.

use super::TILE_WIDTH;

/// The largest record a bundle can hold (its length prefix is a u16).
pub const MAX_RECORD: usize = 65535;

/// A bundle holding `records`. Errors name the first record too large for a bundle.
pub fn encode(records: &[&[u8]]) -> Result<Vec<u8>, String> {
    if records.len() as u64 > TILE_WIDTH {
        return Err(format!(
            "an entry bundle holds at most {TILE_WIDTH} records, not {}",
            records.len()
        ));
    }
    let mut out = Vec::with_capacity(records.iter().map(|r| r.len() + 2).sum());
    for (i, record) in records.iter().enumerate() {
        let len = u16::try_from(record.len()).map_err(|_| {
            format!(
                "record {i} of the bundle is {} bytes; a bundle entry holds at most {MAX_RECORD}",
                record.len()
            )
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(record);
    }
    Ok(out)
}

/// The records of a bundle, in order. An empty record (length 0) is legal; an empty bundle,
/// a length prefix cut short, a record running past the end or more than 256 records are
/// errors naming the byte offset.
pub fn decode(bytes: &[u8]) -> Result<Vec<&[u8]>, String> {
    if bytes.is_empty() {
        return Err("the entry bundle is empty (a bundle holds at least one record)".into());
    }
    let mut records = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if records.len() as u64 == TILE_WIDTH {
            return Err(format!(
                "the entry bundle has bytes after its {TILE_WIDTH}th record, at byte offset {at}"
            ));
        }
        let prefix = bytes.get(at..at + 2).ok_or_else(|| {
            format!(
                "the entry bundle ends inside the length of record {} (byte offset {at})",
                records.len()
            )
        })?;
        let len = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        let start = at + 2;
        let record = bytes.get(start..start + len).ok_or_else(|| {
            format!(
                "record {} of the entry bundle (byte offset {at}) declares {len} bytes but only {} remain",
                records.len(),
                bytes.len() - start
            )
        })?;
        records.push(record);
        at = start + len;
    }
    Ok(records)
}

/// The first `width` records of a bundle (a wider partial or full bundle read in place of a
/// garbage-collected partial); an error when it holds fewer.
pub fn decode_prefix(bytes: &[u8], width: usize) -> Result<Vec<&[u8]>, String> {
    let mut records = decode(bytes)?;
    if records.len() < width {
        return Err(format!(
            "the entry bundle holds {} records, {width} were expected",
            records.len()
        ));
    }
    records.truncate(width);
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_empty_and_largest_records() {
        let big = vec![7u8; MAX_RECORD];
        let records: Vec<&[u8]> = vec![&b"a"[..], &b""[..], &big[..], &b"xyz"[..]];
        let bytes = encode(&records).unwrap();
        assert_eq!(&bytes[..3], &[0, 1, b'a']);
        assert_eq!(decode(&bytes).unwrap(), records);
        assert_eq!(decode_prefix(&bytes, 2).unwrap(), &records[..2]);
        assert!(
            decode_prefix(&bytes, 5)
                .unwrap_err()
                .contains("holds 4 records")
        );
        assert_eq!(decode(&[0, 0]).unwrap(), vec![&[] as &[u8]]);
    }

    #[test]
    fn oversized_records_name_their_index() {
        let big = vec![0u8; MAX_RECORD + 1];
        let err = encode(&[&b"ok"[..], &big[..]]).unwrap_err();
        assert!(
            err.contains("record 1") && err.contains("65536 bytes"),
            "{err}"
        );
        let many = vec![&b""[..]; 257];
        assert!(encode(&many).is_err());
    }

    #[test]
    fn damaged_bundles_name_the_offset() {
        assert!(decode(&[]).unwrap_err().contains("empty"));
        let err = decode(&[0, 1, b'a', 0]).unwrap_err();
        assert!(
            err.contains("byte offset 3") && err.contains("record 1"),
            "{err}"
        );
        let err = decode(&[0, 1, b'a', 0, 5, b'b']).unwrap_err();
        assert!(
            err.contains("byte offset 3") && err.contains("declares 5"),
            "{err}"
        );
        let mut full = encode(&vec![&b""[..]; 256]).unwrap();
        assert_eq!(decode(&full).unwrap().len(), 256);
        full.extend_from_slice(&[0, 0]);
        assert!(decode(&full).unwrap_err().contains("byte offset 512"));
    }
}
