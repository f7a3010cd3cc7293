//! Many scenarios at once: the unsupplied points of each, compressed.

use super::*;

/// The unsupplied points of many scenarios, compressed: scenario `k` owns
/// `points[offsets[k]..offsets[k + 1]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsuppliedBatch {
    /// `scenarios + 1` offsets into `points`, starting at 0.
    pub offsets: Vec<usize>,
    /// The points, sorted within each scenario.
    pub points: Vec<PointId>,
}

impl UnsuppliedBatch {
    /// The unsupplied points of scenario `k`, if there is one.
    #[must_use]
    pub fn scenario(&self, k: usize) -> Option<&[PointId]> {
        let (&a, &b) = (self.offsets.get(k)?, self.offsets.get(k + 1)?);
        Some(&self.points[a..b])
    }

    /// The number of scenarios.
    #[must_use]
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no scenarios.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Topology {
    /// The points not energized after each scenario (a list of operations applied to the
    /// indexed state): every unsupplied point, not only those a scenario cuts off, as in a
    /// study that compares whole states. The result is compressed: scenario `k` owns
    /// `points[offsets[k]..offsets[k + 1]]`, sorted. The points unsupplied before are found
    /// once; each scenario then costs its scope plus the merge.
    ///
    /// # Errors
    /// As [`Topology::scope`], for the first scenario that fails.
    pub fn unsupplied_batch<'a>(
        &self,
        scenarios: impl IntoIterator<Item = &'a [Operation]>,
    ) -> Result<UnsuppliedBatch, NetworkError> {
        let base: Vec<PointId> = self
            .net
            .point_ids()
            .filter(|&p| !self.is_energized(p))
            .collect();
        let mut out = UnsuppliedBatch {
            offsets: vec![0],
            points: Vec::new(),
        };
        for ops in scenarios {
            let scope = self.scope(ops)?;
            let lost = scope.point_ids(self)?;
            let restored = &scope.restored;
            // Merge the sorted base (minus restored points) with the sorted lost points.
            let (mut i, mut j) = (0, 0);
            while i < base.len() || j < lost.len() {
                let next = match (base.get(i), lost.get(j)) {
                    (Some(&b), Some(&l)) if l < b => {
                        j += 1;
                        l
                    }
                    (Some(&b), _) => {
                        i += 1;
                        if restored.binary_search(&b.0).is_ok() {
                            continue;
                        }
                        b
                    }
                    (None, Some(&l)) => {
                        j += 1;
                        l
                    }
                    (None, None) => break,
                };
                out.points.push(next);
            }
            out.offsets.push(out.points.len());
        }
        Ok(out)
    }
}
