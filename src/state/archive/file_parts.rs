//! A file read in parts, for a reader that wants `Read + Seek` over a file the browser only
//! hands out a slice at a time, asynchronously: what is loaded is read; the first part that is
//! not is noted, the read fails, and the caller loads that part and tries again. So a zip of any
//! size is imported holding its directory and one entry at a time.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::rc::Rc;

/// How much is loaded at least when a read finds a part missing: a whole image of the usual
/// size in one or two loads, not a load per read call.
const LOAD_AT_LEAST: u64 = 1 << 20;

/// The file's length and the parts loaded, shared by the reader and whoever loads them.
#[derive(Debug, Default)]
pub struct Parts {
    len: u64,
    loaded: BTreeMap<u64, Vec<u8>>,
    /// Where the parts to keep start: the ones read again and again (a zip's directory).
    pinned: BTreeSet<u64>,
    missing: Option<Range<u64>>,
}

impl Parts {
    /// A file of `len` bytes, none of them loaded.
    pub fn new(len: u64) -> Rc<RefCell<Parts>> {
        Rc::new(RefCell::new(Parts { len, ..Parts::default() }))
    }

    /// The part the first failed read since the last call needed (and a little more), forgotten
    /// as it is asked for.
    pub fn take_missing(&mut self) -> Option<Range<u64>> {
        self.missing.take()
    }

    /// Puts `bytes`, the file's from `start` on, with what is loaded.
    pub fn load(&mut self, start: u64, bytes: Vec<u8>) {
        self.loaded.insert(start, bytes);
    }

    /// Keeps every part loaded so far through [`Parts::forget_unpinned`].
    pub fn pin_loaded(&mut self) {
        self.pinned.extend(self.loaded.keys().copied());
    }

    /// Forgets every part loaded since the last [`Parts::pin_loaded`].
    pub fn forget_unpinned(&mut self) {
        let pinned = &self.pinned;
        self.loaded.retain(|start, _| pinned.contains(start));
    }

    /// Bytes held now.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.loaded.values().map(Vec::len).sum()
    }

    /// The loaded bytes from `at` on, within one part (parts may overlap).
    fn at(&self, at: u64) -> Option<&[u8]> {
        self.loaded.range(..=at).rev().find_map(|(start, bytes)| {
            let skip = usize::try_from(at - start).ok()?;
            bytes.get(skip..).filter(|rest| !rest.is_empty())
        })
    }
}

/// Reads [`Parts`] as one file.
#[derive(Debug)]
pub struct PartsReader {
    parts: Rc<RefCell<Parts>>,
    position: u64,
}

impl PartsReader {
    /// A reader at the start of the file of `parts`.
    pub fn new(parts: Rc<RefCell<Parts>>) -> PartsReader {
        PartsReader { parts, position: 0 }
    }
}

impl Read for PartsReader {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let mut parts = self.parts.borrow_mut();
        if self.position >= parts.len || buffer.is_empty() {
            return Ok(0);
        }
        let Some(bytes) = parts.at(self.position) else {
            // Near the end the whole last stretch is asked for: readers look for a zip's end
            // backwards, a little at a time.
            let start = self.position.min(parts.len.saturating_sub(LOAD_AT_LEAST));
            let end = parts.len.min(start + LOAD_AT_LEAST).max(parts.len.min(self.position + buffer.len() as u64));
            // The first part missed is the one the reader needed; a reader that then searches
            // elsewhere (a zip's end, backwards) would otherwise have the load move away from it.
            parts.missing.get_or_insert(start..end);
            return Err(io::Error::new(io::ErrorKind::WouldBlock, "part of the file is not loaded yet"));
        };
        let count = bytes.len().min(buffer.len());
        buffer[..count].copy_from_slice(&bytes[..count]);
        self.position += count as u64;
        Ok(count)
    }
}

impl Seek for PartsReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let len = self.parts.borrow().len;
        let position = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(back) => len.checked_add_signed(back),
            SeekFrom::Current(by) => self.position.checked_add_signed(by),
        };
        self.position = position.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_of_a_part_not_loaded_names_it_and_succeeds_once_it_is() {
        let file: Vec<u8> = (0..=255).cycle().take(3 << 20).collect();
        let parts = Parts::new(file.len() as u64);
        let mut reader = PartsReader::new(parts.clone());
        reader.seek(SeekFrom::End(-10)).unwrap();
        let mut tail = [0; 10];
        assert_eq!(reader.read(&mut tail).unwrap_err().kind(), io::ErrorKind::WouldBlock);
        let missing = parts.borrow_mut().take_missing().unwrap();
        let len = file.len() as u64;
        assert_eq!(missing, len - LOAD_AT_LEAST..len, "the last stretch, and no more than the file holds");
        parts.borrow_mut().load(missing.start, file[missing.start as usize..missing.end as usize].to_vec());
        reader.read_exact(&mut tail).unwrap();
        assert_eq!(tail, file[file.len() - 10..]);

        reader.seek(SeekFrom::Start(100)).unwrap();
        let mut middle = vec![0; 2 << 20];
        while let Err(error) = reader.read_exact(&mut middle) {
            assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
            let missing = parts.borrow_mut().take_missing().unwrap();
            assert!(missing.end - missing.start >= LOAD_AT_LEAST.min(file.len() as u64 - missing.start));
            parts.borrow_mut().load(missing.start, file[missing.start as usize..missing.end as usize].to_vec());
            reader.seek(SeekFrom::Start(100)).unwrap();
        }
        assert_eq!(middle, file[100..100 + (2 << 20)]);

        parts.borrow_mut().forget_unpinned();
        assert_eq!(parts.borrow().held(), 0, "nothing was pinned");
        parts.borrow_mut().load(0, vec![1, 2, 3]);
        parts.borrow_mut().pin_loaded();
        parts.borrow_mut().load(3, vec![4]);
        parts.borrow_mut().forget_unpinned();
        assert_eq!(parts.borrow().held(), 3, "only the pinned part is held");
        assert!(reader.seek(SeekFrom::Current(-(5 << 20))).is_err());
    }
}
