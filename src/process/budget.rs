//! Deadlines that reach every child: a gate's `Budget` (its deadline, and the long-lived
//! children started on its behalf) and the count of children alive in this process.
//!
//! The engine gives each gate a budget and enters it on the gate's thread; the spawn builder
//! reads the entered budget, so every child a gate starts — directly, or through a shared
//! helper such as `cargo metadata` — runs at most until the gate's deadline, and a
//! long-lived child (the smoke keeper) is told to stop when the deadline passes. Children
//! must therefore be started from the gate's own thread, as every gate does today.

use super::group::Group;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One gate's deadline and the long-lived children it started.
#[derive(Clone, Debug)]
pub struct Budget(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    timeout: Duration,
    deadline: Instant,
    expired: AtomicBool,
    /// Process groups of long-lived children still running (see `Running`).
    groups: Mutex<BTreeSet<i32>>,
}

thread_local! {
    static ENTERED: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

impl Budget {
    /// A budget of `timeout` from now.
    pub fn new(timeout: Duration) -> Budget {
        let now = Instant::now();
        Budget(Arc::new(Inner {
            timeout,
            deadline: now
                .checked_add(timeout)
                .unwrap_or(now + Duration::from_secs(3600 * 24 * 365)),
            expired: AtomicBool::new(false),
            groups: Mutex::new(BTreeSet::new()),
        }))
    }

    /// The whole budget, as configured.
    pub fn timeout(&self) -> Duration {
        self.0.timeout
    }

    /// When it runs out.
    pub fn deadline(&self) -> Instant {
        self.0.deadline
    }

    /// Time left (zero once expired).
    pub fn remaining(&self) -> Duration {
        if self.expired() {
            return Duration::ZERO;
        }
        self.0.deadline.saturating_duration_since(Instant::now())
    }

    /// Whether `expire` was called.
    pub fn expired(&self) -> bool {
        self.0.expired.load(Ordering::SeqCst)
    }

    /// The deadline has passed: no new child may start, and every long-lived child still
    /// running is asked to stop (SIGTERM to its group; its owner reaps it and escalates).
    /// One-shot children stop on their own: their wait never outlasts the deadline.
    pub fn expire(&self) {
        self.0.expired.store(true, Ordering::SeqCst);
        let groups: Vec<i32> = match self.0.groups.lock() {
            Ok(groups) => groups.iter().copied().collect(),
            Err(poisoned) => poisoned.into_inner().iter().copied().collect(),
        };
        for id in groups {
            if let Some(group) = Group::from_id(id) {
                group.terminate();
            }
        }
    }

    /// Run `f` with this budget entered on the current thread: children it starts are
    /// bounded by the budget.
    pub fn enter<T>(&self, f: impl FnOnce() -> T) -> T {
        struct Leave(Option<Budget>);
        impl Drop for Leave {
            fn drop(&mut self) {
                let previous = self.0.take();
                ENTERED.with(|slot| *slot.borrow_mut() = previous);
            }
        }
        let previous = ENTERED.with(|slot| slot.borrow_mut().replace(self.clone()));
        let _leave = Leave(previous);
        f()
    }

    /// The budget entered on this thread, if any.
    pub fn current() -> Option<Budget> {
        ENTERED.with(|slot| slot.borrow().clone())
    }

    pub(super) fn track(&self, group: Group) {
        if let Ok(mut groups) = self.0.groups.lock() {
            groups.insert(group.id());
        }
    }

    pub(super) fn untrack(&self, group: Group) {
        if let Ok(mut groups) = self.0.groups.lock() {
            groups.remove(&group.id());
        }
    }
}

/// Children started through the builder and not yet reaped, in this process.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// Counts one child as alive from creation until drop (after it was reaped).
#[derive(Debug)]
pub(super) struct Alive(());

impl Alive {
    pub(super) fn new() -> Alive {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Alive(())
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Proof that no child started by this process was running when it was made: what loading
/// the signing key requires (see `signing::PendingKey::load`).
#[derive(Debug)]
pub struct Quiescent(());

/// `Quiescent` when every child tollgate started has been reaped; otherwise how many run.
pub fn quiescent() -> Result<Quiescent, usize> {
    match LIVE.load(Ordering::SeqCst) {
        0 => Ok(Quiescent(())),
        n => Err(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_shrinks_and_expiry_zeroes_it() {
        let budget = Budget::new(Duration::from_secs(60));
        assert!(budget.remaining() <= Duration::from_secs(60));
        assert!(budget.remaining() > Duration::from_secs(50));
        budget.expire();
        assert!(budget.expired());
        assert_eq!(budget.remaining(), Duration::ZERO);
    }

    #[test]
    fn entering_is_scoped_to_the_thread_and_the_call() {
        let budget = Budget::new(Duration::from_secs(5));
        assert!(Budget::current().is_none());
        budget.enter(|| {
            assert_eq!(
                Budget::current().map(|b| b.deadline()),
                Some(budget.deadline())
            );
            std::thread::spawn(|| assert!(Budget::current().is_none()))
                .join()
                .unwrap();
        });
        assert!(Budget::current().is_none());
    }
}
