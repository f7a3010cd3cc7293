//! Progress reports and cancellation for long batch calls (bills for many customers, interval
//! aggregation, energy reports).
//!
//! A caller hands a [`Progress`]: a callback `(done, total) -> bool` that is called on the
//! calling thread only, at most about a hundred times per call (every 1 % of the items, and at
//! least every 65,536 items), never per item, and once more with `(total, total)` at the end.
//! Returning `false` cancels: the call stops at its next check and returns a `Cancelled` error
//! of its family, with what was done.
//!
//! Work spread over threads counts into a [`Tracker`] (one relaxed atomic add per block of rows,
//! so the hot loops do no more than before); the calling thread, instead of blocking in `join`,
//! wakes every few milliseconds (or when a worker finishes) to pass the count on.
//!
//! ```
//! use gridserve_core::progress::Progress;
//!
//! let mut seen = Vec::new();
//! let mut callback = |done: usize, total: usize| {
//!     seen.push((done, total));
//!     true
//! };
//! let mut p = Progress::new(&mut callback, 1_000);
//! for i in 0..1_000 {
//!     p.report(i)?;
//! }
//! p.finish()?;
//! // (0, 1000), (10, 1000), …, (990, 1000), then (1000, 1000) once.
//! assert_eq!(seen.len(), 101);
//! assert_eq!(seen.last(), Some(&(1_000, 1_000)));
//! # Ok::<(), gridserve_core::progress::Cancelled>(())
//! ```

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::Thread;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

/// The most items between two reports.
pub const MAX_STEP: usize = 65_536;

/// How often the calling thread looks at workers' counts while it waits for them.
const POLL: Duration = Duration::from_millis(10);

/// A progress callback: `(done, total)`; `false` cancels.
pub type Callback<'a> = &'a mut (dyn FnMut(usize, usize) -> bool + Send);

/// The call was cancelled by its progress callback after `done` of `total` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize)]
#[error("cancelled by the progress callback after {done} of {total}")]
pub struct Cancelled {
    /// Items done when the callback asked to stop.
    pub done: usize,
    /// Items in the call.
    pub total: usize,
}

/// Reports a call's progress to a callback at a sensible granularity.
pub struct Progress<'a> {
    callback: Callback<'a>,
    total: usize,
    phases: usize,
    phase: usize,
    step: usize,
    next: usize,
    last: Option<usize>,
    cancelled: Option<Cancelled>,
}

impl std::fmt::Debug for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("total", &self.total)
            .field("phase", &self.phase)
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

/// Items between two reports for `total` items: 1 %, at least 1, at most [`MAX_STEP`].
#[must_use]
pub fn step(total: usize) -> usize {
    (total / 100).clamp(1, MAX_STEP)
}

impl<'a> Progress<'a> {
    /// Progress over `total` items done in one pass.
    pub fn new(callback: Callback<'a>, total: usize) -> Self {
        Self::with_phases(callback, total, 1)
    }

    /// Progress over `total` items that go through `phases` passes (e.g. summed, then billed):
    /// the callback still sees `(done, total)` in items, each pass counting an equal share.
    pub fn with_phases(callback: Callback<'a>, total: usize, phases: usize) -> Self {
        Self {
            callback,
            total,
            phases: phases.max(1),
            phase: 0,
            step: step(total),
            next: 0,
            last: None,
            cancelled: None,
        }
    }

    /// The number of items.
    #[must_use]
    pub fn total(&self) -> usize {
        self.total
    }

    /// Moves to the next pass (items done in it count from zero again).
    pub fn next_phase(&mut self) {
        self.phase = (self.phase + 1).min(self.phases - 1);
    }

    /// Whether the callback asked to stop, and where.
    #[must_use]
    pub fn cancelled(&self) -> Option<Cancelled> {
        self.cancelled
    }

    /// Records that `done` items of the current pass are done; calls the callback when that
    /// reaches the next step.
    ///
    /// # Errors
    /// [`Cancelled`] if the callback returns `false` (now or before).
    pub fn report(&mut self, done: usize) -> Result<(), Cancelled> {
        if let Some(c) = self.cancelled {
            return Err(c);
        }
        let done = done.min(self.total);
        let overall = (self.phase * self.total + done) / self.phases;
        if overall >= self.next && overall < self.total && self.last != Some(overall) {
            self.next = overall.saturating_add(self.step);
            self.call(overall)?;
        }
        Ok(())
    }

    /// Reports `(total, total)` once, at the end of a call that completed.
    ///
    /// # Errors
    /// [`Cancelled`] if the callback asked to stop before.
    pub fn finish(&mut self) -> Result<(), Cancelled> {
        if let Some(c) = self.cancelled {
            return Err(c);
        }
        if self.last != Some(self.total) {
            self.last = Some(self.total);
            // The work is done: a `false` now has nothing left to cancel.
            (self.callback)(self.total, self.total);
        }
        Ok(())
    }

    fn call(&mut self, overall: usize) -> Result<(), Cancelled> {
        self.last = Some(overall);
        if (self.callback)(overall, self.total) {
            Ok(())
        } else {
            let c = Cancelled {
                done: overall,
                total: self.total,
            };
            self.cancelled = Some(c);
            Err(c)
        }
    }
}

/// A count shared by worker threads and a stop flag they check, for [`watch`].
#[derive(Debug)]
pub struct Tracker {
    done: AtomicUsize,
    stop: AtomicBool,
    waiter: Thread,
}

impl Default for Tracker {
    fn default() -> Self {
        Self::new()
    }
}

impl Tracker {
    /// A tracker whose waiting thread is the current one.
    #[must_use]
    pub fn new() -> Self {
        Self {
            done: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            waiter: std::thread::current(),
        }
    }

    /// Adds `n` items done.
    #[inline]
    pub fn add(&self, n: usize) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    /// Items done so far.
    #[must_use]
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// Whether the workers should stop.
    #[inline]
    #[must_use]
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Wakes the waiting thread (a worker calls this when it finishes).
    pub fn wake(&self) {
        self.waiter.unpark();
    }
}

/// Rows between two counts for rows of `row_len` values: about 64k values per count.
#[must_use]
pub fn rows_per_tick(row_len: usize) -> usize {
    (MAX_STEP / row_len.max(1)).max(1)
}

/// Waits until `finished()` (e.g. every scoped worker
/// [`is_finished`](std::thread::ScopedJoinHandle::is_finished)),
/// passing the tracker's count to `progress` meanwhile; when the callback asks to stop, sets
/// the tracker's stop flag (workers return early) and keeps waiting for them. Join the workers
/// afterwards.
pub fn watch(tracker: &Tracker, progress: &mut Progress<'_>, finished: impl Fn() -> bool) {
    loop {
        let finished = finished();
        if progress.report(tracker.done()).is_err() {
            tracker.stop.store(true, Ordering::Relaxed);
        }
        if finished {
            return;
        }
        std::thread::park_timeout(POLL);
    }
}

#[cfg(test)]
mod tests {
    use std::thread::ScopedJoinHandle;

    use super::*;

    #[test]
    fn reports_every_percent_and_the_end_once() {
        let mut seen = Vec::new();
        let mut cb = |d: usize, t: usize| {
            seen.push((d, t));
            true
        };
        let mut p = Progress::new(&mut cb, 250);
        for i in 0..=250 {
            p.report(i).unwrap();
        }
        p.finish().unwrap();
        p.finish().unwrap();
        // step = 2: 0, 2, …, 248, then (250, 250) once.
        assert_eq!(seen.len(), 126);
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(seen.last(), Some(&(250, 250)));
    }

    #[test]
    fn large_totals_report_at_most_every_65536_items() {
        assert_eq!(step(100_000_000), MAX_STEP);
        assert_eq!(step(5), 1);
        assert_eq!(step(0), 1);
    }

    #[test]
    fn phases_count_in_items() {
        let mut seen = Vec::new();
        let mut cb = |d: usize, t: usize| {
            seen.push((d, t));
            true
        };
        let mut p = Progress::with_phases(&mut cb, 100, 2);
        p.report(100).unwrap();
        p.next_phase();
        p.report(50).unwrap();
        p.finish().unwrap();
        assert_eq!(seen, vec![(50, 100), (75, 100), (100, 100)]);
    }

    #[test]
    fn false_cancels_and_stays_cancelled() {
        let mut calls = 0;
        let mut cb = |d: usize, _t: usize| {
            calls += 1;
            d < 30
        };
        let mut p = Progress::new(&mut cb, 100);
        let mut stopped = None;
        for i in 0..=100 {
            if let Err(c) = p.report(i) {
                stopped = Some(c);
                break;
            }
        }
        assert_eq!(
            stopped,
            Some(Cancelled {
                done: 30,
                total: 100
            })
        );
        assert!(p.finish().is_err());
        assert!(p.report(31).is_err());
        assert_eq!(calls, 31);
    }

    #[test]
    fn watch_passes_workers_counts_and_stops_them() {
        let tracker = Tracker::new();
        let mut seen = Vec::new();
        let mut cb = |d: usize, _t: usize| {
            seen.push(d);
            d < 500
        };
        let mut p = Progress::new(&mut cb, 1_000_000);
        let worked = std::thread::scope(|s| {
            let t = &tracker;
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(move || {
                        let mut n = 0;
                        while n < 500_000 && !t.stopped() {
                            t.add(1);
                            n += 1;
                            if n % 1000 == 0 {
                                std::thread::yield_now();
                            }
                        }
                        t.wake();
                        n
                    })
                })
                .collect();
            watch(&tracker, &mut p, || {
                handles.iter().all(ScopedJoinHandle::is_finished)
            });
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .sum::<usize>()
        });
        let cancelled = p.cancelled();
        assert!(seen.iter().all(|&d| d <= 1_000_000));
        match cancelled {
            // The workers stopped early (unless they were faster than the first poll).
            Some(c) => assert!(c.done >= 500 && worked <= 1_000_000),
            None => assert_eq!(worked, 1_000_000),
        }
    }
}
