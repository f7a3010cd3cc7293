//! Fused snapshots of the source systems in the `snapshots` table (schema version 2).

use std::collections::BTreeMap;

use gridserve_core::access::Masking;
use gridserve_core::integrate::{self, Snapshot, SnapshotDiff, SourceTable, Watermark};
use gridserve_core::persist;
use gridserve_core::ports::{StoreError, Timestamp, parse_stored_text, stored_nanos, stored_text};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::SqliteStore;
use crate::error::{corrupt, store_err};

/// A stored snapshot, as listed (without its body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// Its version: monotonic, never reused (not even after a delete).
    pub version: u64,
    /// When it was taken (the time given to [`SqliteStore::store_snapshot`]).
    pub taken_at: Timestamp,
    /// Its label, if one was given.
    pub label: Option<String>,
    /// The sources' watermarks it was pulled at.
    pub watermarks: BTreeMap<SourceTable, Watermark>,
    /// Network points.
    pub points: u64,
    /// Segments, switches and transformers.
    pub lines: u64,
    /// SG186 customers.
    pub customers: u64,
    /// The size of the stored body in bytes.
    pub bytes: u64,
}

const INFO_COLUMNS: &str = "version, taken_at, label, watermarks, points, lines, customers, bytes";

fn info_from_row(row: &rusqlite::Row<'_>) -> Result<SnapshotInfo, StoreError> {
    let get = |e| store_err("snapshot", e);
    let version: i64 = row.get(0).map_err(get)?;
    let taken_at: String = row.get(1).map_err(get)?;
    let watermarks: String = row.get(3).map_err(get)?;
    let count = |i: usize| -> Result<u64, StoreError> {
        let n: i64 = row.get(i).map_err(get)?;
        u64::try_from(n).map_err(|_| corrupt("snapshot", format!("negative count {n}")))
    };
    Ok(SnapshotInfo {
        version: u64::try_from(version)
            .map_err(|_| corrupt("snapshot", format!("version {version}")))?,
        taken_at: parse_stored_text("snapshot time", &taken_at)?,
        label: row.get(2).map_err(get)?,
        watermarks: serde_json::from_str(&watermarks)
            .map_err(|e| corrupt(&format!("watermarks of snapshot {version}"), e))?,
        points: count(4)?,
        lines: count(5)?,
        customers: count(6)?,
        bytes: count(7)?,
    })
}

fn version_i64(version: u64) -> Result<i64, StoreError> {
    i64::try_from(version).map_err(|_| StoreError::UnknownSnapshot { version })
}

impl SqliteStore {
    /// Stores `snapshot` taken at `at` with an optional label, in one transaction; returns
    /// what was stored, with its new version (one more than any version this database ever
    /// gave, deleted ones included). The body is gridserve's binary form of the snapshot;
    /// SQLite's default limit on one value (1 GB) bounds its size.
    ///
    /// # Errors
    /// [`StoreError::Backend`] if it cannot be encoded or written.
    pub fn store_snapshot(
        &mut self,
        snapshot: &Snapshot,
        label: Option<&str>,
        at: Timestamp,
    ) -> Result<SnapshotInfo, StoreError> {
        // Encoded before the write lock is taken.
        let body = persist::to_bytes(snapshot).map_err(|e| StoreError::Backend {
            detail: format!("cannot encode the snapshot: {e}"),
        })?;
        let watermarks =
            serde_json::to_string(&snapshot.watermarks).map_err(|e| StoreError::Backend {
                detail: format!("cannot encode the watermarks: {e}"),
            })?;
        let net = &snapshot.network;
        let points = net.points.len() as u64;
        let lines = (net.segments.len() + net.switches.len() + net.transformers.len()) as u64;
        let customers = snapshot.customers.len() as u64;
        let bytes = body.len() as u64;
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO snapshots (taken_at, taken_ns, label, watermarks, points, lines, \
             customers, bytes, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                stored_text(&at),
                stored_nanos(&at),
                label,
                watermarks,
                i64::try_from(points).unwrap_or(i64::MAX),
                i64::try_from(lines).unwrap_or(i64::MAX),
                i64::try_from(customers).unwrap_or(i64::MAX),
                i64::try_from(bytes).unwrap_or(i64::MAX),
                body,
            ],
        )
        .map_err(|e| store_err("snapshot", e))?;
        let version = tx.last_insert_rowid();
        tx.commit().map_err(|e| store_err("commit", e))?;
        Ok(SnapshotInfo {
            version: u64::try_from(version).unwrap_or(0),
            taken_at: at,
            label: label.map(str::to_owned),
            watermarks: snapshot.watermarks.clone(),
            points,
            lines,
            customers,
            bytes,
        })
    }

    /// Every stored snapshot, oldest version first, without their bodies.
    ///
    /// # Errors
    /// A backend error; [`StoreError::Corrupt`] for a row that does not read back.
    pub fn snapshots(&self) -> Result<Vec<SnapshotInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {INFO_COLUMNS} FROM snapshots ORDER BY version"
            ))
            .map_err(|e| store_err("snapshots", e))?;
        let mut rows = stmt.query([]).map_err(|e| store_err("snapshots", e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| store_err("snapshots", e))? {
            out.push(info_from_row(row)?);
        }
        Ok(out)
    }

    /// The listing of one snapshot.
    ///
    /// # Errors
    /// [`StoreError::UnknownSnapshot`]; as [`snapshots`](Self::snapshots).
    pub fn snapshot_info(&self, version: u64) -> Result<SnapshotInfo, StoreError> {
        let v = version_i64(version)?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {INFO_COLUMNS} FROM snapshots WHERE version = ?1"
            ))
            .map_err(|e| store_err("snapshot", e))?;
        let mut rows = stmt.query([v]).map_err(|e| store_err("snapshot", e))?;
        match rows.next().map_err(|e| store_err("snapshot", e))? {
            Some(row) => info_from_row(row),
            None => Err(StoreError::UnknownSnapshot { version }),
        }
    }

    /// The snapshot stored as `version`.
    ///
    /// # Errors
    /// [`StoreError::UnknownSnapshot`]; [`StoreError::Corrupt`] when its body is not a
    /// snapshot in gridserve's binary form (damaged, truncated, another object, written by a
    /// newer format), with the decoder's reason; a backend error.
    pub fn load_snapshot(&self, version: u64) -> Result<Snapshot, StoreError> {
        let v = version_i64(version)?;
        let body: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT body FROM snapshots WHERE version = ?1", [v], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| store_err("snapshot", e))?;
        let body = body.ok_or(StoreError::UnknownSnapshot { version })?;
        persist::from_bytes(&body).map_err(|e| corrupt(&format!("snapshot {version}"), e))
    }

    /// Deletes the snapshot stored as `version`; its version is never given again.
    ///
    /// # Errors
    /// [`StoreError::UnknownSnapshot`]; a backend error.
    pub fn delete_snapshot(&mut self, version: u64) -> Result<(), StoreError> {
        let v = version_i64(version)?;
        let tx = self.write_tx()?;
        let n = tx
            .execute("DELETE FROM snapshots WHERE version = ?1", [v])
            .map_err(|e| store_err("snapshot", e))?;
        tx.commit().map_err(|e| store_err("commit", e))?;
        if n == 0 {
            return Err(StoreError::UnknownSnapshot { version });
        }
        Ok(())
    }

    /// The difference from snapshot `old` to snapshot `new` ([`integrate::diff`]), personal
    /// values masked as `masking` says.
    ///
    /// # Errors
    /// As [`load_snapshot`](Self::load_snapshot).
    pub fn diff_snapshots(
        &self,
        old: u64,
        new: u64,
        masking: Masking,
    ) -> Result<SnapshotDiff, StoreError> {
        let a = self.load_snapshot(old)?;
        let b = self.load_snapshot(new)?;
        Ok(integrate::diff(&a, &b, masking))
    }
}
