//! A zip written one file at a time, its files stored as they are, so a gallery of any size is
//! exported holding one image at a time: each file's header is made here once the file's CRC and
//! size are known, the file's bytes are placed after it by the caller (the browser takes them
//! from the kept image itself), and the directory comes last.
//!
//! The `zip` crate writes only the bytes that pass through it, so an export through it holds the
//! whole zip, or at least every image, in wasm's memory, which never shrinks. Reading stays with
//! the crate (see [`crate::state::archive`]).

use zip::DateTime;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_END_OF_DIRECTORY: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
/// The ZIP64 extra field's id, for an offset past what 32 bits hold.
const ZIP64_EXTRA: u16 = 0x0001;
/// Bit 11: names are UTF-8.
const UTF8_NAMES: u16 = 1 << 11;
/// 2.0: stored files; 4.5: ZIP64.
const VERSION: u16 = 20;
const VERSION_ZIP64: u16 = 45;
/// Made on Unix, so unzip tools read the file modes.
const MADE_ON_UNIX: u16 = 3 << 8;
/// `-rw-r--r--`, in the high half of the external attributes, as Unix zips keep it.
const FILE_MODE: u32 = 0o100_644 << 16;

/// Why a file cannot go in the zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZipStreamError {
    /// Over 4 GiB: more than a stored file holds without ZIP64 sizes, which Easel never needs.
    FileTooLarge,
    /// A name longer than a zip holds.
    NameTooLong,
}

impl std::fmt::Display for ZipStreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZipStreamError::FileTooLarge => f.write_str("a file is larger than 4 GiB"),
            ZipStreamError::NameTooLong => f.write_str("a file's name is longer than a zip holds"),
        }
    }
}

/// The zip written so far: where the next file goes, and the directory of those written.
#[derive(Debug, Default)]
pub struct ZipStream {
    written: u64,
    directory: Vec<u8>,
    files: u64,
}

impl ZipStream {
    /// The header of the next file, `name`, last changed at `modified`, whose `size` bytes
    /// (with CRC-32 `crc`) the caller writes right after it.
    pub fn file(&mut self, name: &str, modified: DateTime, crc: u32, size: u64) -> Result<Vec<u8>, ZipStreamError> {
        let size = u32::try_from(size).map_err(|_| ZipStreamError::FileTooLarge)?;
        let name_length = u16::try_from(name.len()).map_err(|_| ZipStreamError::NameTooLong)?;
        let (time, date) = (modified.timepart(), modified.datepart());

        let mut local = Vec::with_capacity(30 + name.len());
        put32(&mut local, LOCAL_HEADER);
        for field in [VERSION, UTF8_NAMES, 0, time, date] {
            put16(&mut local, field);
        }
        for field in [crc, size, size] {
            put32(&mut local, field);
        }
        put16(&mut local, name_length);
        put16(&mut local, 0);
        local.extend_from_slice(name.as_bytes());

        let offset = self.written;
        let (offset_field, extra) = match u32::try_from(offset) {
            Ok(offset) if offset != u32::MAX => (offset, Vec::new()),
            _ => {
                let mut extra = Vec::with_capacity(12);
                put16(&mut extra, ZIP64_EXTRA);
                put16(&mut extra, 8);
                put64(&mut extra, offset);
                (u32::MAX, extra)
            }
        };
        let version = if extra.is_empty() { VERSION } else { VERSION_ZIP64 };
        let central = &mut self.directory;
        put32(central, CENTRAL_HEADER);
        for field in [MADE_ON_UNIX | version, version, UTF8_NAMES, 0, time, date] {
            put16(central, field);
        }
        for field in [crc, size, size] {
            put32(central, field);
        }
        put16(central, name_length);
        put16(central, extra.len() as u16);
        for field in [0, 0, 0] {
            // Comment length, disk, internal attributes.
            put16(central, field);
        }
        put32(central, FILE_MODE);
        put32(central, offset_field);
        central.extend_from_slice(name.as_bytes());
        central.extend_from_slice(&extra);

        self.written += local.len() as u64 + u64::from(size);
        self.files += 1;
        Ok(local)
    }

    /// The zip's directory and end, after the last file: ZIP64's too when the files or the
    /// offsets pass what the classic end holds.
    pub fn finish(self) -> Vec<u8> {
        let (start, size, files) = (self.written, self.directory.len() as u64, self.files);
        let mut end = self.directory;
        let fits = |value: u64, max: u64| value < max;
        let classic = fits(files, 0xFFFF) && fits(start, 0xFFFF_FFFF) && fits(size, 0xFFFF_FFFF);
        if !classic {
            let zip64_end = start + size;
            put32(&mut end, ZIP64_END_OF_DIRECTORY);
            // The record's size after this field.
            put64(&mut end, 44);
            put16(&mut end, MADE_ON_UNIX | VERSION_ZIP64);
            put16(&mut end, VERSION_ZIP64);
            put32(&mut end, 0);
            put32(&mut end, 0);
            for field in [files, files, size, start] {
                put64(&mut end, field);
            }
            put32(&mut end, ZIP64_LOCATOR);
            put32(&mut end, 0);
            put64(&mut end, zip64_end);
            put32(&mut end, 1);
        }
        put32(&mut end, END_OF_DIRECTORY);
        put16(&mut end, 0);
        put16(&mut end, 0);
        let files16 = if classic { files as u16 } else { 0xFFFF };
        put16(&mut end, files16);
        put16(&mut end, files16);
        put32(&mut end, if classic { size as u32 } else { 0xFFFF_FFFF });
        put32(&mut end, if classic { start as u32 } else { 0xFFFF_FFFF });
        put16(&mut end, 0);
        end
    }
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use zip::{CompressionMethod, ZipArchive};

    use super::*;

    fn zip_of(files: &[(&str, &[u8])], mut stream: ZipStream) -> Vec<u8> {
        let mut zip = Vec::new();
        for (name, bytes) in files {
            let modified = DateTime::from_date_and_time(2026, 11, 4, 10, 30, 2).unwrap();
            zip.extend(stream.file(name, modified, crc32fast::hash(bytes), bytes.len() as u64).unwrap());
            zip.extend_from_slice(bytes);
        }
        zip.extend(stream.finish());
        zip
    }

    #[test]
    fn what_it_writes_the_zip_crate_reads_back_whole() {
        let zip = zip_of(&[("a fox.png", b"fox bytes"), ("ünïcode.jpg", b""), ("c", &[7; 1000])], ZipStream::default());
        let mut archive = ZipArchive::new(Cursor::new(&zip)).unwrap();
        assert_eq!(archive.len(), 3);
        for (name, expected) in [("a fox.png", &b"fox bytes"[..]), ("ünïcode.jpg", b""), ("c", &[7; 1000])] {
            let mut file = archive.by_name(name).unwrap();
            assert_eq!(file.compression(), CompressionMethod::Stored);
            assert_eq!(file.last_modified(), DateTime::from_date_and_time(2026, 11, 4, 10, 30, 2).ok());
            assert_eq!(file.unix_mode(), Some(0o100_644));
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            assert_eq!(bytes, expected, "{name}");
        }
    }

    #[test]
    fn offsets_past_four_gibibytes_and_more_than_65535_files_take_zip64() {
        // Started as if 5 GiB were written already, which no test can hold: the directory then
        // names offsets that only ZIP64 can say. The reader is shown the directory's true place.
        let far = ZipStream { written: 5 << 30, ..ZipStream::default() };
        let mut stream = far;
        let header = stream.file("far.png", DateTime::default(), crc32fast::hash(b"far"), 3).unwrap();
        let end = stream.finish();
        let directory = &end[..end.len() - 22 - 20 - 56];
        assert_eq!(&directory[directory.len() - 12..directory.len() - 8], &[1, 0, 8, 0], "a ZIP64 extra field");
        assert_eq!(u64::from_le_bytes(directory[directory.len() - 8..].try_into().unwrap()), 5 << 30);
        assert_eq!(&end[end.len() - 22..end.len() - 18], &END_OF_DIRECTORY.to_le_bytes());
        assert_eq!(&end[end.len() - 6..end.len() - 2], &[0xFF; 4], "the classic end points to ZIP64's");
        assert_eq!(header.len(), 30 + 7);

        let files: Vec<(String, Vec<u8>)> = (0..70_000).map(|n| (format!("{n}"), Vec::new())).collect();
        let borrowed: Vec<(&str, &[u8])> =
            files.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice())).collect();
        let zip = zip_of(&borrowed, ZipStream::default());
        assert_eq!(ZipArchive::new(Cursor::new(&zip)).unwrap().len(), 70_000);
    }

    #[test]
    fn a_file_over_four_gibibytes_is_refused() {
        let mut stream = ZipStream::default();
        assert_eq!(stream.file("huge", DateTime::default(), 0, 1 << 32), Err(ZipStreamError::FileTooLarge));
        assert_eq!(stream.file(&"n".repeat(70_000), DateTime::default(), 0, 1), Err(ZipStreamError::NameTooLong));
    }
}
