//! Compact string storage: an interner for asset numbers (one buffer, dense ids, a hash table of
//! ids) and a plain arena for optional text. Both cost a few bytes per entry beyond the text
//! itself, which keeps a million-point network within its memory budget.

use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};

/// Texts stored back to back in one buffer, addressed by dense index.
#[derive(Debug, Clone, Default)]
pub(crate) struct TextArena {
    buf: String,
    ends: Vec<u32>,
}

impl TextArena {
    pub(crate) fn with_capacity(entries: usize, bytes: usize) -> Self {
        Self {
            buf: String::with_capacity(bytes),
            ends: Vec::with_capacity(entries),
        }
    }

    /// Appends a text and returns its index. The arena holds at most 4 GiB of text; the
    /// network builder checks the total before it pushes.
    pub(crate) fn push(&mut self, text: &str) -> u32 {
        let id = self.ends.len() as u32;
        self.buf.push_str(text);
        self.ends.push(self.buf.len() as u32);
        id
    }

    /// The number of texts.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The text at `index`.
    pub(crate) fn get(&self, index: u32) -> &str {
        let i = index as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }

    /// The text at `index`, or `None` where it is empty.
    pub(crate) fn get_opt(&self, index: u32) -> Option<&str> {
        Some(self.get(index)).filter(|s| !s.is_empty())
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.ends.capacity() * std::mem::size_of::<u32>()
    }
}

/// Unique texts with dense ids `0..len` in insertion order, found again by value.
#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    texts: TextArena,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl Interner {
    pub(crate) fn with_capacity(entries: usize, bytes: usize) -> Self {
        Self {
            texts: TextArena::with_capacity(entries, bytes),
            table: HashTable::with_capacity(entries),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Inserts `text`; returns its new id, or `Err(existing id)` if it is already present.
    /// The text is hashed once and the table probed once (the slot found for a new text is
    /// the one it takes).
    pub(crate) fn insert(&mut self, text: &str) -> Result<u32, u32> {
        let hash = self.hasher.hash_one(text);
        let (texts, hasher) = (&self.texts, &self.hasher);
        match self.table.entry(
            hash,
            |&id| texts.get(id) == text,
            |&id| hasher.hash_one(texts.get(id)),
        ) {
            Entry::Occupied(found) => Err(*found.get()),
            Entry::Vacant(slot) => {
                let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
                slot.insert(id);
                self.texts.push(text);
                Ok(id)
            }
        }
    }

    /// Appends `text` under a new id without indexing it, so that ids keep following the
    /// order of insertion when `text` is a duplicate ([`Interner::get`] still finds the first).
    pub(crate) fn push_unindexed(&mut self, text: &str) -> u32 {
        self.texts.push(text)
    }

    /// The id of `text`, if present.
    pub(crate) fn get(&self, text: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(text);
        self.table
            .find(hash, |&id| self.texts.get(id) == text)
            .copied()
    }

    /// The text of `id`.
    pub(crate) fn resolve(&self, id: u32) -> &str {
        self.texts.get(id)
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.texts.heap_bytes() + self.table.allocation_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_gives_dense_ids_and_refuses_duplicates() {
        let mut i = Interner::with_capacity(2, 8);
        assert_eq!(i.insert("P1"), Ok(0));
        assert_eq!(i.insert("变电站"), Ok(1));
        assert_eq!(i.insert("P1"), Err(0));
        assert_eq!(i.insert(""), Ok(2));
        assert_eq!(i.get("变电站"), Some(1));
        assert_eq!(i.get("P2"), None);
        assert_eq!(i.resolve(1), "变电站");
        assert_eq!(i.resolve(2), "");
        for n in 0..1000 {
            assert_eq!(i.insert(&format!("X{n}")), Ok(3 + n));
        }
        assert_eq!(i.get("X999"), Some(1002));
    }

    #[test]
    fn arena_keeps_empty_as_none() {
        let mut a = TextArena::default();
        let e = a.push("");
        let x = a.push("name");
        assert_eq!(a.get_opt(e), None);
        assert_eq!(a.get_opt(x), Some("name"));
    }
}
