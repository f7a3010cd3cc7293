//! The id table of a parse: every normalised id once, end to end in one buffer, behind a
//! hash table of symbol numbers.

use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};

use super::NONE;

/// The normalised ids, one per symbol, end to end in one buffer (no allocation per id).
#[derive(Default)]
pub(in crate::cim) struct Ids {
    pub(super) text: String,
    /// Where each id ends in `text` (it starts where the one before ends).
    pub(super) ends: Vec<usize>,
}

impl Ids {
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len());
    }

    /// The id of symbol `sym`.
    pub(in crate::cim) fn get(&self, sym: u32) -> &str {
        let i = sym as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// Whether symbol `sym`'s id is `id` (compared as bytes: no character boundary checks on
    /// the table's hot path).
    pub(super) fn is(&self, sym: u32, id: &str) -> bool {
        let i = sym as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.as_bytes().get(start..self.ends[i]) == Some(id.as_bytes())
    }
}

impl std::fmt::Debug for Ids {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.get(u32::try_from(i).unwrap_or(NONE))))
            .finish()
    }
}

/// The id table of a parse: each symbol's id and the hash it is filed under, and the table
/// from an id's hash to its symbol. Symbols are numbered in order of first appearance.
pub(super) struct IdTable {
    pub(super) ids: Ids,
    pub(super) hashes: Vec<u64>,
    pub(super) table: HashTable<u32>,
    pub(super) hasher: DefaultHashBuilder,
}

impl IdTable {
    pub(super) fn new(capacity: usize, hasher: DefaultHashBuilder) -> Self {
        Self {
            ids: Ids {
                text: String::with_capacity(capacity.saturating_mul(8)),
                ends: Vec::with_capacity(capacity),
            },
            hashes: Vec::with_capacity(capacity),
            table: HashTable::with_capacity(capacity),
            hasher,
        }
    }

    /// The symbol of `id`, and whether it is new.
    pub(super) fn intern(&mut self, id: &str) -> (u32, bool) {
        let hash = self.hasher.hash_one(id);
        self.intern_hashed(id, hash)
    }

    /// The symbol of `id` (whose hash under this table's hasher is `hash`), if it is filed.
    pub(super) fn find(&self, id: &str, hash: u64) -> Option<u32> {
        self.table.find(hash, |&s| self.ids.is(s, id)).copied()
    }

    /// As [`Self::intern`], with the hash of `id` under this table's hasher.
    pub(super) fn intern_hashed(&mut self, id: &str, hash: u64) -> (u32, bool) {
        let Self {
            ids, hashes, table, ..
        } = self;
        match table.entry(hash, |&s| ids.is(s, id), |&s| hashes[s as usize]) {
            Entry::Occupied(e) => (*e.get(), false),
            Entry::Vacant(e) => {
                let sym = u32::try_from(ids.len()).unwrap_or(NONE);
                e.insert(sym);
                ids.push(id);
                hashes.push(hash);
                (sym, true)
            }
        }
    }
}

/// An id as written (`_abc`, `#_abc`, `urn:uuid:abc`) without its decorations.
pub(in crate::cim) fn normalise_id(raw: &str) -> &str {
    let s = raw.trim();
    let s = s.strip_prefix('#').unwrap_or(s);
    let s = s.strip_prefix("urn:uuid:").unwrap_or(s);
    s.strip_prefix('_').unwrap_or(s)
}
