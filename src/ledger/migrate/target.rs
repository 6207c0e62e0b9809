//! The store a migration writes: it must hold no ledger and nothing else, or only the empty
//! format-2 log `audit init --format v2` made (whose origin it then keeps). Anything more is
//! refused: a migration never merges into, or re-roots, an existing log.

use crate::ledger::format::{Format, detect};
use crate::ledger::store::Store;
use crate::ledger::store_check::{PROBE_PREFIX, RESULT_KEY};
use crate::ledger::v2::layout::CHECKPOINT;

/// Keys an empty store may hold: the append lock, the check-store result and probes.
fn bookkeeping(key: &str) -> bool {
    key == "lock" || key == RESULT_KEY || key.starts_with(PROBE_PREFIX)
}

/// Make `to` an empty format-2 log ready for the migration and return its origin: `origin`
/// (checked) or a fresh default for an empty store; the log's own for an empty log (a given
/// `origin` must match it).
pub fn prepare(to: &dyn Store, origin: Option<&str>) -> Result<String, String> {
    let location = to.location();
    let refuse = |what: String| {
        Err(format!(
            "--to {location}: {what}; `audit migrate` writes only into an empty store (or the \
             empty log of `tollgate audit init --format v2`): give a new directory or prefix"
        ))
    };
    match detect(to)? {
        Some(Format::V1) => return refuse("holds a format-1 ledger".to_owned()),
        Some(Format::V2) => {
            let size = crate::ledger::v2::read::size(to)?;
            if size > 0 {
                return refuse(format!("holds a format-2 log of {size} records"));
            }
        }
        None => {}
    }
    let others: Vec<String> = to
        .list("")
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|k| k != CHECKPOINT && !bookkeeping(k))
        .collect();
    if let Some(first) = others.first() {
        return refuse(format!(
            "is not empty ({} object(s), e.g. {first})",
            others.len()
        ));
    }
    if let Some(current) = crate::ledger::v2::end::checkpoint(to)? {
        let existing = current.note.checkpoint.origin;
        return match origin {
            Some(given) if given != existing => Err(format!(
                "--to {location}: its log's origin is {existing:?}, --origin says {given:?}: \
                 the origin is fixed when the log is created; drop --origin or use a new store"
            )),
            _ => Ok(existing),
        };
    }
    let origin = match origin {
        Some(origin) => {
            crate::ledger::v2::origin::check(origin).map_err(|e| format!("--origin: {e}"))?;
            origin.to_owned()
        }
        None => crate::ledger::v2::origin::default_origin()?,
    };
    if !crate::ledger::v2::create::empty(to, &origin)? {
        return Err(format!(
            "--to {location}: another process created a log there meanwhile; give a new store"
        ));
    }
    Ok(origin)
}
