//! `progress=` arguments: a callable `(done, total)` (returning `False` cancels) or a tqdm-like
//! object with `update(n)` and `total`. The core calls back on the calling thread at most about
//! a hundred times per call; each call takes the GIL for the Python call only. An exception the
//! callback raises stops the work and propagates as it is.

use gridserve_core::ErrorInfo;
use gridserve_core::progress::Progress;
use pyo3::prelude::*;
use pyo3::types::PyBool;

use crate::errors::IntoPy;

/// A Python progress target and what it raised.
pub(crate) struct PyProgress {
    target: Py<PyAny>,
    tqdm: bool,
    total_set: bool,
    last: usize,
    error: Option<PyErr>,
}

impl PyProgress {
    /// Checks a `progress=` argument: `None`, a callable, or an object with `update`.
    pub(crate) fn arg(py: Python<'_>, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Self>> {
        let Some(obj) = obj.filter(|o| !o.is_none()) else {
            return Ok(None);
        };
        // tqdm-like: a callable `update` and a `total` attribute (a dict's `update` alone is not
        // a progress bar).
        let tqdm = obj.hasattr("update")?
            && obj.getattr("update")?.is_callable()
            && obj.hasattr("total")?;
        if !tqdm && !obj.is_callable() {
            let got = obj
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string());
            return Err(crate::errors::invalid_argument(
                py,
                format!(
                    "progress must be a callable taking (done, total) or an object with update(n) and total (such as tqdm), not {got}"
                ),
            ));
        }
        Ok(Some(Self {
            target: obj.clone().unbind(),
            tqdm,
            total_set: false,
            last: 0,
            error: None,
        }))
    }

    /// Passes `(done, total)` on with the GIL; `false` stops the work (the callback returned
    /// `False`, or raised: the exception is kept for [`PyProgress::finish`]).
    pub(crate) fn call(&mut self, done: usize, total: usize) -> bool {
        Python::attach(|py| match self.step(py, done, total) {
            Ok(go) => go,
            Err(e) => {
                self.error = Some(e);
                false
            }
        })
    }

    fn step(&mut self, py: Python<'_>, done: usize, total: usize) -> PyResult<bool> {
        let target = self.target.bind(py);
        if !self.tqdm {
            let answer = target.call1((done, total))?;
            // Only `False` cancels: a callback that returns nothing (None) goes on.
            return Ok(!answer.is(PyBool::new(py, false).as_any()));
        }
        if !self.total_set {
            self.total_set = true;
            if target.getattr("total")?.is_none() {
                target.setattr("total", total)?;
            }
        }
        let delta = done.saturating_sub(self.last);
        self.last = self.last.max(done);
        if delta > 0 {
            target.call_method1("update", (delta,))?;
        }
        Ok(true)
    }

    /// What the callback raised, if it raised.
    pub(crate) fn raised(this: Option<Self>) -> Option<PyErr> {
        this.and_then(|p| p.error)
    }

    /// The call's result: the callback's exception if it raised one, else the core's result
    /// with its error converted.
    pub(crate) fn finish<T, E: ErrorInfo>(
        this: Option<Self>,
        py: Python<'_>,
        result: Result<T, E>,
    ) -> PyResult<T> {
        if let Some(e) = this.and_then(|p| p.error) {
            return Err(e);
        }
        result.py_err(py)
    }
}

/// Runs `work` with the GIL released and, when a target is given, a core progress over `total`
/// items in `phases` passes that reports to it; tells it `(total, total)` when the work
/// completes. The callback's exception, if it raised one, wins over the core's result.
pub(crate) fn run<T: Send, E: ErrorInfo + Send>(
    py: Python<'_>,
    mut target: Option<PyProgress>,
    total: usize,
    phases: usize,
    work: impl FnOnce(Option<&mut Progress<'_>>) -> Result<T, E> + Send,
) -> PyResult<T> {
    let result = py.detach(|| match target.as_mut() {
        None => work(None),
        Some(t) => {
            let mut callback = |done: usize, all: usize| t.call(done, all);
            let mut progress = Progress::with_phases(&mut callback, total, phases);
            let result = work(Some(&mut progress));
            if result.is_ok() {
                // Cannot fail: the work completed, so the callback never said stop.
                let _ = progress.finish();
            }
            result
        }
    });
    PyProgress::finish(target, py, result)
}
