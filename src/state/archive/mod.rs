//! The gallery as one zip, for backups and moving between browsers: every image under a readable
//! name, stored as it is (PNG and JPEG are compressed already), and `manifest.json` with every
//! record. Each PNG also carries its own record in an `easel` iTXt chunk, so one image dropped
//! onto the studio brings its prompt and settings back without the zip.
//!
//! An image's id does not count that chunk (see [`crate::state::gallery::image_id`]), so an image keeps
//! its id through an export and an import, and import hands back the bytes as they were kept.

pub mod file_parts;
mod zip_stream;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::io::Read;
use std::ops::Range;
use std::rc::Rc;

use easel_contract::calendar::Date;
use easel_contract::wire::OutputFormat;
use serde::{Deserialize, Serialize};
use zip::result::ZipError;
use zip::{DateTime, ZipArchive};

use crate::state::archive::file_parts::{Parts, PartsReader};
use crate::state::archive::zip_stream::ZipStream;
use crate::state::file_name::download_name;
use crate::state::gallery::{image_id, ImageRecord};
use crate::state::png_record::{self, without_record, PngTextProblem, WithRecord};

/// The version of the archive's layout, written as `"easel"` in the manifest, so a later Easel
/// that changes it can still read this one and this one refuses what it would misread.
/// Format 1 also wrote each image's prompt beside its request; it reads the same.
const FORMAT: u32 = 2;

/// The formats this Easel reads.
const FORMATS_READ: std::ops::RangeInclusive<u32> = 1..=FORMAT;

const MANIFEST: &str = "manifest.json";

/// The largest image Easel imports: well above any the API makes, far below what would exhaust
/// a tab's memory if a zip's sizes lie (a zip bomb).
const IMAGE_LIMIT: u64 = 64 << 20;

/// The largest manifest Easel reads: some hundred thousand records.
const MANIFEST_LIMIT: u64 = 16 << 20;

/// The manifest: the layout's version, and one entry per image.
#[derive(Serialize, Deserialize)]
struct Manifest<E> {
    easel: u32,
    images: Vec<E>,
}

/// One image in the manifest: its file in the zip and its record, the record's fields beside
/// `file` rather than nested, so the manifest reads as a list of images.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    file: String,
    #[serde(flatten)]
    record: ImageRecord,
}

/// Why a whole archive could not be written or read; nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// The file does not start as a zip does.
    NotAZip,
    /// It starts as a zip but its directory cannot be read: cut short or corrupted. Holds the zip
    /// reader's words.
    Damaged(String),
    /// A zip, but not one Easel exported.
    NoManifest,
    /// `manifest.json` is over [`MANIFEST_LIMIT`].
    ManifestTooLarge,
    /// `manifest.json` is not JSON of the manifest's shape, or could not be unpacked.
    ManifestUnreadable(String),
    /// The manifest's layout version is not the one this Easel reads.
    UnknownFormat(u32),
    /// The zip's directory claims more files than [`MAX_FILES`].
    TooManyFiles(usize),
    /// The zip's directory claims its files unpack to more than [`UNPACKED_LIMIT`].
    UnpacksTooLarge,
    /// Writing the zip failed.
    Write(String),
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArchiveError::NotAZip => f.write_str(
                "This file is not a zip archive, so nothing was imported. Choose a .zip that Easel exported.",
            ),
            ArchiveError::Damaged(detail) => write!(
                f,
                "This zip archive is damaged or incomplete (was its download cut short?), so nothing was imported. \
                 ({detail})"
            ),
            ArchiveError::NoManifest => f.write_str("This zip has no manifest.json: it was not exported by Easel."),
            ArchiveError::ManifestTooLarge => f.write_str(
                "manifest.json could not be read: it is larger than 16 MiB, far more than Easel writes, so nothing \
                 was imported.",
            ),
            ArchiveError::ManifestUnreadable(detail) => {
                write!(f, "manifest.json could not be read: {detail}. Nothing was imported.")
            }
            ArchiveError::UnknownFormat(format) => write!(
                f,
                "This archive is in Easel's format {format}, and this Easel reads formats {} to {FORMAT} only, so \
                 nothing was imported. A newer Easel may read it.",
                FORMATS_READ.start()
            ),
            ArchiveError::UnpacksTooLarge => f.write_str(
                "This zip's files unpack to more than the 64 GiB Easel imports at once, so nothing was imported.",
            ),
            ArchiveError::TooManyFiles(files) => write!(
                f,
                "This zip holds {files} files, more than the {MAX_FILES} Easel reads, so nothing was imported."
            ),
            ArchiveError::Write(detail) => write!(f, "The archive could not be written: {detail}."),
        }
    }
}

impl std::error::Error for ArchiveError {}

/// A file of the zip that was not imported, and why; the rest of the zip still was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// The file's name in the zip (or, when the manifest does not name it, its place there).
    pub file: String,
    /// Why.
    pub problem: FileProblemKind,
}

/// Why a file of the zip was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblemKind {
    /// The manifest lists it but the zip does not hold it.
    Missing,
    /// The zip holds it but the manifest does not list it, so there is no record to keep it with.
    NotListed,
    /// Its bytes are not PNG, JPEG or WebP.
    NotAnImage,
    /// Its entry in the manifest is not a record this Easel reads; holds the JSON reader's words.
    RecordUnreadable(String),
    /// Packed with a compression method other than none or deflate.
    CompressedOtherwise,
    /// Over [`IMAGE_LIMIT`].
    TooLarge,
    /// Not read, with the rest of the zip (this many files in all): the zip unpacks to more
    /// than [`UNPACKED_LIMIT`].
    PastTotal(usize),
    /// Damaged or locked; holds the zip reader's words.
    Unreadable(String),
}

impl fmt::Display for FileProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblemKind::Missing => f.write_str("listed in manifest.json but missing from the zip"),
            FileProblemKind::NotListed => {
                f.write_str("not listed in manifest.json, so Easel does not know its prompt and settings")
            }
            FileProblemKind::NotAnImage => f.write_str("not an image (it is not PNG, JPEG or WebP)"),
            FileProblemKind::RecordUnreadable(detail) => {
                write!(f, "its prompt and settings in manifest.json could not be read: {detail}")
            }
            FileProblemKind::CompressedOtherwise => f.write_str("compressed in a way Easel does not read"),
            FileProblemKind::TooLarge => f.write_str("larger than 64 MiB, more than Easel imports"),
            FileProblemKind::PastTotal(left) => write!(
                f,
                "not read, nor the {} files after it: the zip unpacks to more than the 64 GiB Easel imports at once",
                left - 1
            ),
            FileProblemKind::Unreadable(detail) => write!(f, "could not be read: {detail}"),
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

impl std::error::Error for FileProblem {}

/// A piece of an exported file: bytes made for the zip, or a range of the image's bytes as kept,
/// which the browser takes from the kept image itself without copying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Made for the zip: a header, or the record put inside a PNG.
    Made(Vec<u8>),
    /// These bytes of the image as kept.
    Kept(Range<usize>),
}

/// An Easel zip written an image at a time: each image under a name of its date, prompt and id,
/// each PNG with its record inside, then `manifest.json` and the zip's directory. Only one
/// image's bytes are ever held (see [`ZipStream`]).
#[derive(Debug, Default)]
pub struct Export {
    zip: ZipStream,
    taken: HashSet<String>,
    entries: Vec<Entry>,
    /// The prompts of the images left out, because their bytes could not be read.
    left_out: Vec<String>,
    /// Bytes of the zip handed back so far.
    written: u64,
}

/// What an export came to, as the user is told it: never silent about an image left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Images in the zip.
    pub count: usize,
    /// The zip's file name.
    pub name: String,
    /// The zip's size in bytes.
    pub bytes: u64,
    /// The prompts of the images left out.
    pub left_out: Vec<String>,
}

impl fmt::Display for Exported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Exported { count, name, bytes, left_out } = self;
        write!(
            f,
            "Exported {count} image{} as {name} ({:.1} MB): the browser is saving it with your downloads.",
            if *count == 1 { "" } else { "s" },
            *bytes as f64 / 1e6
        )?;
        if !left_out.is_empty() {
            let prompts: Vec<String> = left_out.iter().map(|prompt| format!("\"{prompt}\"")).collect();
            write!(f, "\nLeft out, because the browser could not read their bytes: {}.", prompts.join(", "))?;
        }
        Ok(())
    }
}

impl Export {
    /// The pieces of the file of the image `bytes`, kept under `record`, in order.
    pub fn add(&mut self, record: &ImageRecord, bytes: &[u8]) -> Result<Vec<Piece>, ArchiveError> {
        let record_json = serde_json::to_string(record).map_err(write_error)?;
        // A PNG whose chunks cannot be followed to its pixels goes in as it is: the manifest
        // still holds its record.
        let body = record_pieces(bytes, &record_json).unwrap_or_else(|| vec![Piece::Kept(0..bytes.len())]);
        let mut crc = crc32fast::Hasher::new();
        let mut size = 0;
        for piece in &body {
            let slice = match piece {
                Piece::Made(made) => made.as_slice(),
                Piece::Kept(range) => &bytes[range.clone()],
            };
            crc.update(slice);
            size += slice.len() as u64;
        }
        let file = file_name(record, &mut self.taken);
        let header = self.zip.file(&file, zip_time(record.created), crc.finalize(), size).map_err(write_error)?;
        self.entries.push(Entry { file, record: record.clone() });
        self.written += header.len() as u64 + size;
        Ok(std::iter::once(Piece::Made(header)).chain(body).collect())
    }

    /// Leaves out the image of `record`, whose bytes could not be read; the report names it.
    pub fn leave_out(&mut self, record: &ImageRecord) {
        self.left_out.push(record.prompt().to_owned());
    }

    /// The end of the zip (`manifest.json`, with every record added, and the zip's directory),
    /// and what the export came to, its file named for `today`.
    pub fn finish(mut self, today: Date) -> Result<(Vec<u8>, Exported), ArchiveError> {
        let count = self.entries.len();
        let manifest = Manifest { easel: FORMAT, images: self.entries };
        let json = serde_json::to_vec_pretty(&manifest).map_err(write_error)?;
        let mut end = self
            .zip
            .file(MANIFEST, DateTime::default(), crc32fast::hash(&json), json.len() as u64)
            .map_err(write_error)?;
        end.extend(json);
        end.extend(self.zip.finish());
        let name = format!("easel-{today}-{count}-images.zip");
        let bytes = self.written + end.len() as u64;
        Ok((end, Exported { count, name, bytes, left_out: self.left_out }))
    }
}

/// What an import must do next: go on, or first load a part of the zip it has not got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<T> {
    /// Done: here is what it came to.
    Ready(T),
    /// Load these bytes of the zip (see [`Parts::load`]), then ask again.
    Load(Range<u64>),
}

/// What one file of an import came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// A new image, as it was kept before the export.
    Image(ImageRecord, Vec<u8>),
    /// An image already kept, or in the zip twice.
    Duplicate,
    /// A file that could not be taken, and why.
    Problem(FileProblem),
}

/// An Easel zip being imported an image at a time, from the parts of it loaded so far: its
/// directory and manifest stay in memory, each image's bytes only while it is taken.
pub struct Import {
    archive: ZipArchive<PartsReader>,
    parts: Rc<RefCell<Parts>>,
    /// Each image the manifest lists: its file, and its record or why that cannot be read.
    listed: VecDeque<(String, Result<ImageRecord, FileProblemKind>)>,
    files: HashSet<String>,
    known: HashSet<String>,
    seen: HashSet<String>,
    total: usize,
    /// Bytes unpacked so far, and the most a zip may unpack to.
    unpacked: u64,
    unpacked_limit: u64,
}

/// The most files Easel reads from one zip: far more than a gallery holds, few enough that the
/// directory of a zip that claims more is never read.
const MAX_FILES: usize = 100_000;

/// The most a zip may unpack to, in all: some 35,000 realistic images, and a bound on the work
/// a zip of highly compressed files can ask for, whatever its directory claims.
const UNPACKED_LIMIT: u64 = 64 << 30;

impl Import {
    /// Opens the Easel zip whose parts `parts` loads, to take the images whose ids are not in
    /// `known` (the gallery, as far as it has been read: the store refuses the rest anyway). An
    /// archive that cannot be read at all is an error, and nothing is imported.
    pub fn open(parts: &Rc<RefCell<Parts>>, known: HashSet<String>) -> Result<Step<Import>, ArchiveError> {
        let retry = |error| match parts.borrow_mut().take_missing() {
            Some(missing) => Ok(Step::Load(missing)),
            None => Err(error),
        };
        let mut head = [0; 2];
        let mut reader = PartsReader::new(parts.clone());
        if reader.read_exact(&mut head).is_err() {
            return retry(ArchiveError::NotAZip);
        }
        if &head != b"PK" {
            return Err(ArchiveError::NotAZip);
        }
        let mut archive = match ZipArchive::new(reader) {
            Ok(archive) => archive,
            Err(error) => return retry(ArchiveError::Damaged(error.to_string())),
        };
        if archive.len() > MAX_FILES {
            return Err(ArchiveError::TooManyFiles(archive.len()));
        }
        if archive.decompressed_size().is_some_and(|claimed| claimed > u128::from(UNPACKED_LIMIT)) {
            return Err(ArchiveError::UnpacksTooLarge);
        }
        let manifest = match read_file(&mut archive, MANIFEST, MANIFEST_LIMIT) {
            Ok(manifest) => manifest,
            Err(problem) => {
                return retry(match problem {
                    FileProblemKind::Missing => ArchiveError::NoManifest,
                    FileProblemKind::TooLarge => ArchiveError::ManifestTooLarge,
                    other => ArchiveError::ManifestUnreadable(other.to_string()),
                })
            }
        };
        let manifest: Manifest<serde_json::Value> =
            serde_json::from_slice(&manifest).map_err(|error| ArchiveError::ManifestUnreadable(error.to_string()))?;
        if !FORMATS_READ.contains(&manifest.easel) {
            return Err(ArchiveError::UnknownFormat(manifest.easel));
        }
        let listed: VecDeque<_> = manifest
            .images
            .into_iter()
            .enumerate()
            .map(|(place, value)| {
                let file = value.get("file").and_then(serde_json::Value::as_str).map(str::to_owned);
                let record = serde_json::from_value::<Entry>(value)
                    .map(|entry| entry.record)
                    .map_err(|error| FileProblemKind::RecordUnreadable(error.to_string()));
                (file.unwrap_or_else(|| format!("{MANIFEST}, image {}", place + 1)), record)
            })
            .collect();
        // The directory and the manifest are read again for every image; images only once.
        parts.borrow_mut().pin_loaded();
        let files = listed.iter().map(|(file, _)| file.clone()).collect();
        let total = listed.len();
        Ok(Step::Ready(Import {
            archive,
            parts: parts.clone(),
            listed,
            files,
            known,
            seen: HashSet::new(),
            total,
            unpacked: 0,
            unpacked_limit: UNPACKED_LIMIT,
        }))
    }

    /// The images the manifest lists.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The images still to take.
    pub fn left(&self) -> usize {
        self.listed.len()
    }

    /// Takes the next image the manifest lists, `None` once none is left. Its id is computed
    /// from its bytes and its format read from them, so an image edited after its export comes
    /// in as the new image it is.
    pub fn take_next(&mut self) -> Step<Option<Taken>> {
        // A copy, so the queue can be cleared when the zip proves to unpack too far.
        let Some((file, record)) = self.listed.front().cloned() else {
            return Step::Ready(None);
        };
        let (file, record) = (&file, &record);
        let problem = |file: &String, problem| Taken::Problem(FileProblem { file: file.clone(), problem });
        let taken = match record {
            Err(unreadable) => problem(file, unreadable.clone()),
            Ok(record) => match read_file(&mut self.archive, file, IMAGE_LIMIT) {
                Err(kind) => match self.parts.borrow_mut().take_missing() {
                    Some(missing) => return Step::Load(missing),
                    None => problem(file, kind),
                },
                Ok(bytes) if self.unpacked + bytes.len() as u64 > self.unpacked_limit => {
                    let left = self.listed.len();
                    self.listed.clear();
                    self.parts.borrow_mut().forget_unpinned();
                    return Step::Ready(Some(problem(file, FileProblemKind::PastTotal(left))));
                }
                Ok(bytes) => match OutputFormat::of_bytes(&bytes) {
                    None => problem(file, FileProblemKind::NotAnImage),
                    Some(format) => {
                        let bytes = match without_record(&bytes) {
                            Cow::Owned(kept) => kept,
                            Cow::Borrowed(_) => bytes,
                        };
                        self.unpacked += bytes.len() as u64;
                        let id = image_id(&bytes);
                        if self.known.contains(&id) || !self.seen.insert(id.clone()) {
                            Taken::Duplicate
                        } else {
                            Taken::Image(ImageRecord { id, format, ..record.clone() }, bytes)
                        }
                    }
                },
            },
        };
        self.listed.pop_front();
        self.parts.borrow_mut().forget_unpinned();
        Step::Ready(Some(taken))
    }

    /// The files the zip holds that the manifest does not list, each a problem: there is no
    /// record to keep them with.
    pub fn unlisted(&self) -> Vec<FileProblem> {
        self.archive
            .file_names()
            .filter(|name| *name != MANIFEST && !name.ends_with('/') && !self.files.contains(*name))
            .map(|file| FileProblem { file: file.to_owned(), problem: FileProblemKind::NotListed })
            .collect()
    }
}

/// The record an Easel PNG carries (its id and format read from the bytes, as import does).
pub fn record_in_png(bytes: &[u8]) -> Result<ImageRecord, PngTextProblem> {
    let json = png_record::record_json(bytes)?;
    let mut record: ImageRecord =
        serde_json::from_str(json).map_err(|error| PngTextProblem::Unreadable(error.to_string()))?;
    record.id = image_id(bytes);
    record.format = OutputFormat::Png;
    Ok(record)
}

/// The PNG `bytes` with `record_json` inside, as pieces; `None` if `bytes` is not a PNG with
/// pixels.
fn record_pieces(bytes: &[u8], record_json: &str) -> Option<Vec<Piece>> {
    let WithRecord { before, chunk, after } = png_record::with_record(bytes, record_json)?;
    let kept = |ranges: Vec<Range<usize>>| ranges.into_iter().map(Piece::Kept);
    Some(kept(before).chain(std::iter::once(Piece::Made(chunk))).chain(kept(after)).collect())
}

/// A file's name in the zip: its download name with the image's id in place of its place in
/// the run (which means nothing in an archive), so names are stable and, but for a clash of
/// their first eight hex digits or the same image twice, unique without a counter.
fn file_name(record: &ImageRecord, taken: &mut HashSet<String>) -> String {
    let download = download_name(record.prompt(), record.created, 0, record.format);
    let (stem, extension) = download.rsplit_once("-1.").unwrap_or((&download, ""));
    // An id is hex unless its record is damaged; nothing else may reach a path in the zip.
    let short: String = record.id.chars().filter(char::is_ascii_alphanumeric).take(8).collect();
    let mut name = format!("{stem}-{short}.{extension}");
    let mut again = 1;
    while !taken.insert(name.clone()) {
        again += 1;
        name = format!("{stem}-{short}-{again}.{extension}");
    }
    name
}

/// When the image was made, for its file's date once unzipped. Zip times have no zone: this is
/// UTC, as the day in the name is. Before 1980, where zip times start, it is left at 1980.
fn zip_time(created: i64) -> DateTime {
    let date = Date::from_days_since_epoch(created.div_euclid(86_400));
    let second = created.rem_euclid(86_400);
    u16::try_from(date.year)
        .ok()
        .and_then(|year| {
            let (hour, minute, second) = ((second / 3600) as u8, (second / 60 % 60) as u8, (second % 60) as u8);
            DateTime::from_date_and_time(year, date.month, date.day, hour, minute, second).ok()
        })
        .unwrap_or_default()
}

fn write_error(error: impl fmt::Display) -> ArchiveError {
    ArchiveError::Write(error.to_string())
}

/// The bytes of the zip's file `name`, at most `limit` of them whatever its header claims.
fn read_file(archive: &mut ZipArchive<PartsReader>, name: &str, limit: u64) -> Result<Vec<u8>, FileProblemKind> {
    let file = archive.by_name(name).map_err(|error| match error {
        ZipError::FileNotFound => FileProblemKind::Missing,
        ZipError::CompressionMethodNotSupported(_) => FileProblemKind::CompressedOtherwise,
        other => FileProblemKind::Unreadable(other.to_string()),
    })?;
    if file.size() > limit {
        return Err(FileProblemKind::TooLarge);
    }
    let mut bytes = Vec::with_capacity(file.size() as usize);
    // One byte past the limit tells a lying header from a file exactly at it.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|error| FileProblemKind::Unreadable(error.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(FileProblemKind::TooLarge);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipWriter};

    use super::*;
    use crate::state::gallery::tests::record;

    /// A 3×2 RGB PNG whose pixels follow `seed`, so each seed is a different image, with a text
    /// chunk when asked.
    fn png(seed: u8, text: Option<(&str, &str)>) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, 3, 2);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        if let Some((keyword, text)) = text {
            encoder.add_itxt_chunk(keyword.into(), text.into()).unwrap();
        }
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&pixels(seed)).unwrap();
        writer.finish().unwrap();
        bytes
    }

    fn pixels(seed: u8) -> Vec<u8> {
        (0..18).map(|i| seed.wrapping_mul(i + 1)).collect()
    }

    /// Bytes that start as a JPEG does: Easel recognises JPEGs by that and never decodes them.
    fn jpeg() -> Vec<u8> {
        [&[0xFF, 0xD8, 0xFF, 0xE0][..], b"\0\x10JFIF and the rest of a picture"].concat()
    }

    /// A kept image: a record made `days` after 2026-11-01, its id from the bytes.
    fn kept(prompt: &str, days: i64, format: OutputFormat, bytes: Vec<u8>) -> (ImageRecord, Vec<u8>) {
        let mut record = record(prompt, "gpt-image-1", days, (3, 2));
        record.id = image_id(&bytes);
        record.format = format;
        (record, bytes)
    }

    fn gallery() -> Vec<(ImageRecord, Vec<u8>)> {
        let mut crane = kept("a paper crane", 3, OutputFormat::Png, png(1, None));
        crane.0.revised_prompt = Some("A folded paper crane on a desk".into());
        crane.0.favourite = true;
        crane.0.cost_micro_usd = Some(42_000);
        vec![
            crane,
            kept("A red fox in snow", 0, OutputFormat::Jpeg, jpeg()),
            kept("a red kite", 9, OutputFormat::Png, png(2, None)),
        ]
    }

    fn zip_of(files: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in files {
            zip.start_file(*name, SimpleFileOptions::default().compression_method(method)).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn unzip(zip: &[u8], name: &str) -> Vec<u8> {
        let mut bytes = Vec::new();
        ZipArchive::new(Cursor::new(zip)).unwrap().by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
        bytes
    }

    /// The zip an export of `images` writes, its pieces put together as the browser does.
    fn export(images: &[(ImageRecord, Vec<u8>)]) -> Vec<u8> {
        let mut export = Export::default();
        let mut zip = Vec::new();
        for (record, bytes) in images {
            for piece in export.add(record, bytes).unwrap() {
                match piece {
                    Piece::Made(made) => zip.extend(made),
                    Piece::Kept(range) => zip.extend_from_slice(&bytes[range]),
                }
            }
        }
        let (end, exported) = export.finish(Date::new(2026, 12, 3)).unwrap();
        zip.extend(end);
        assert_eq!(
            exported,
            Exported {
                count: images.len(),
                name: format!("easel-2026-12-03-{}-images.zip", images.len()),
                bytes: zip.len() as u64,
                left_out: Vec::new()
            }
        );
        zip
    }

    /// What an import of `zip` took.
    #[derive(Debug, PartialEq, Eq, Default)]
    struct Imported {
        images: Vec<(ImageRecord, Vec<u8>)>,
        skipped_duplicates: usize,
        problems: Vec<FileProblem>,
        /// The most bytes of the zip held at once.
        held: usize,
    }

    /// Imports `zip` as the browser does, loading each part the import asks for.
    fn import(zip: &[u8], known: &HashSet<String>) -> Result<Imported, ArchiveError> {
        let parts = Parts::new(zip.len() as u64);
        let mut imported = Imported::default();
        let load = |range: Range<u64>, imported: &mut Imported| {
            parts.borrow_mut().load(range.start, zip[range.start as usize..range.end as usize].to_vec());
            imported.held = imported.held.max(parts.borrow().held());
        };
        let mut import = loop {
            match Import::open(&parts, known.clone())? {
                Step::Ready(import) => break import,
                Step::Load(range) => load(range, &mut imported),
            }
        };
        loop {
            match import.take_next() {
                Step::Load(range) => load(range, &mut imported),
                Step::Ready(None) => break,
                Step::Ready(Some(Taken::Image(record, bytes))) => imported.images.push((record, bytes)),
                Step::Ready(Some(Taken::Duplicate)) => imported.skipped_duplicates += 1,
                Step::Ready(Some(Taken::Problem(problem))) => imported.problems.push(problem),
            }
        }
        imported.problems.extend(import.unlisted());
        Ok(imported)
    }

    /// What was imported, without how much was held.
    fn taken(imported: Imported) -> Imported {
        Imported { held: 0, ..imported }
    }

    /// A manifest entry: `record` with `file` beside its fields.
    fn entry(file: &str, record: &ImageRecord) -> serde_json::Value {
        let mut entry = serde_json::to_value(record).unwrap();
        entry["file"] = file.into();
        entry
    }

    fn manifest(entries: &[serde_json::Value]) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({ "easel": FORMAT, "images": entries })).unwrap()
    }

    fn nothing_known() -> HashSet<String> {
        HashSet::new()
    }

    #[test]
    fn export_then_import_gives_back_every_record_and_byte() {
        let images = gallery();
        let zip = export(&images);

        let crane = format!("easel-2026-11-04-a-paper-crane-{}.png", &images[0].0.id[..8]);
        let fox = format!("easel-2026-11-01-a-red-fox-in-snow-{}.jpg", &images[1].0.id[..8]);
        let mut archive = ZipArchive::new(Cursor::new(&zip[..])).unwrap();
        assert_eq!(archive.len(), 4);
        let file = archive.by_name(&crane).unwrap();
        assert_eq!(file.compression(), CompressionMethod::Stored);
        assert_eq!(file.last_modified(), DateTime::from_date_and_time(2026, 11, 4, 0, 0, 0).ok());
        drop(file);
        assert_eq!(unzip(&zip, &fox), images[1].1, "a JPEG goes in as it is");

        let manifest: serde_json::Value = serde_json::from_slice(&unzip(&zip, MANIFEST)).unwrap();
        assert_eq!(manifest["easel"], 2);
        assert_eq!(manifest["images"][0]["file"], crane.as_str());
        assert_eq!(manifest["images"][0]["request"]["prompt"], "a paper crane");
        assert_eq!(manifest["images"][0].get("prompt"), None, "the prompt is the request's, written once");
        assert_eq!(manifest["images"][0]["favourite"], true);

        let imported = import(&zip, &nothing_known()).unwrap();
        assert_eq!(taken(imported), Imported { images, ..Imported::default() });
    }

    #[test]
    fn an_exported_png_carries_its_record_and_still_decodes() {
        let images = gallery();
        let (record, original) = &images[0];
        let zip = export(&images);
        let inside = unzip(&zip, &format!("easel-2026-11-04-a-paper-crane-{}.png", &record.id[..8]));
        assert_ne!(&inside, original);
        assert_eq!(image_id(&inside), record.id, "the record inside does not change the id");
        assert_eq!(record_in_png(&inside), Ok(record.clone()));

        let mut reader = png::Decoder::new(Cursor::new(&inside[..])).read_info().unwrap();
        let texts = &reader.info().utf8_text;
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].keyword, "easel");
        let text: ImageRecord = serde_json::from_str(&texts[0].get_text().unwrap()).unwrap();
        assert_eq!(text, *record);
        let mut decoded = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut decoded).unwrap();
        assert_eq!(decoded, pixels(1));
    }

    #[test]
    fn a_record_already_in_a_png_is_replaced_not_repeated() {
        let stale = png(3, Some(("easel", r#"{"prompt":"an older record"}"#)));
        assert_eq!(image_id(&stale), image_id(&png(3, None)));
        let lighthouse = kept("a lighthouse", 1, OutputFormat::Png, stale);
        let zip = export(std::slice::from_ref(&lighthouse));
        let inside = unzip(&zip, &format!("easel-2026-11-02-a-lighthouse-{}.png", &lighthouse.0.id[..8]));

        let reader = png::Decoder::new(Cursor::new(&inside[..])).read_info().unwrap();
        assert_eq!(reader.info().utf8_text.len(), 1);
        assert_eq!(record_in_png(&inside), Ok(lighthouse.0.clone()));
        let imported = import(&zip, &nothing_known()).unwrap();
        assert_eq!(imported.images, [(lighthouse.0, png(3, None))], "import keeps the image without the record");
    }

    #[test]
    fn the_id_of_a_cut_short_png_still_leaves_the_record_out() {
        let with = png(4, Some(("easel", "{}")));
        let without = png(4, None);
        assert_eq!(image_id(&with[..with.len() - 5]), image_id(&without[..without.len() - 5]));
        assert_ne!(image_id(&without[..without.len() - 5]), image_id(&without));
    }

    #[test]
    fn images_already_kept_or_twice_in_the_zip_are_skipped() {
        let mut images = gallery();
        images.push(images[2].clone());
        let zip = export(&images);
        let twice = format!("easel-2026-11-10-a-red-kite-{}-2.png", &images[2].0.id[..8]);
        assert!(ZipArchive::new(Cursor::new(&zip[..])).unwrap().by_name(&twice).is_ok(), "names are unique");

        let known = HashSet::from([images[1].0.id.clone()]);
        let imported = import(&zip, &known).unwrap();
        assert_eq!(imported.skipped_duplicates, 2);
        assert_eq!(imported.images, [images[0].clone(), images[2].clone()]);
        assert_eq!(imported.problems, []);
    }

    #[test]
    fn an_archive_that_cannot_be_read_imports_nothing() {
        let zip = export(&gallery());
        assert!(matches!(import(&zip[..zip.len() / 2], &nothing_known()), Err(ArchiveError::Damaged(_))));
        assert!(matches!(import(&zip[..zip.len() - 10], &nothing_known()), Err(ArchiveError::Damaged(_))));

        let mut state = 0x2545_f491_u32;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            })
            .collect();
        assert_eq!(import(&noise, &nothing_known()), Err(ArchiveError::NotAZip));
        assert_eq!(import(&[], &nothing_known()), Err(ArchiveError::NotAZip));
        assert_eq!(import(&png(1, None), &nothing_known()), Err(ArchiveError::NotAZip));
        assert!(ArchiveError::NotAZip.to_string().starts_with("This file is not a zip archive"));

        let images_only = zip_of(&[("a.png", &png(1, None))], CompressionMethod::Stored);
        let no_manifest = import(&images_only, &nothing_known()).unwrap_err();
        assert_eq!(no_manifest.to_string(), "This zip has no manifest.json: it was not exported by Easel.");

        let cut = zip_of(&[(MANIFEST, br#"{"easel": 1, "images": ["#)], CompressionMethod::Stored);
        let unreadable = import(&cut, &nothing_known()).unwrap_err();
        assert!(matches!(unreadable, ArchiveError::ManifestUnreadable(_)));
        assert!(
            unreadable.to_string().starts_with("manifest.json could not be read: EOF while parsing"),
            "{unreadable}"
        );

        let newer = zip_of(&[(MANIFEST, br#"{"easel": 3, "images": []}"#)], CompressionMethod::Stored);
        assert_eq!(import(&newer, &nothing_known()), Err(ArchiveError::UnknownFormat(3)));
    }

    #[test]
    fn an_export_says_what_it_left_out() {
        let [crane, fox, _] = <[_; 3]>::try_from(gallery()).unwrap();
        let mut export = Export::default();
        export.add(&crane.0, &crane.1).unwrap();
        export.leave_out(&fox.0);
        let (_, exported) = export.finish(Date::new(2026, 12, 3)).unwrap();
        assert_eq!((exported.count, exported.left_out.as_slice()), (1, [fox.0.prompt().to_owned()].as_slice()));
        let said = exported.to_string();
        assert!(said.starts_with("Exported 1 image as easel-2026-12-03-1-images.zip (0.0 MB)"), "{said}");
        assert!(
            said.ends_with(&format!(
                "\nLeft out, because the browser could not read their bytes: \"{}\".",
                fox.0.prompt()
            )),
            "{said}"
        );
    }

    #[test]
    fn an_archive_of_format_1_with_the_prompt_beside_the_request_is_imported() {
        let [crane, ..] = <[_; 3]>::try_from(gallery()).unwrap();
        let mut listed = entry("crane.png", &crane.0);
        listed["prompt"] = crane.0.prompt().into();
        let manifest = serde_json::to_vec(&serde_json::json!({ "easel": 1, "images": [listed] })).unwrap();
        let zip = zip_of(&[(MANIFEST, &manifest), ("crane.png", &crane.1)], CompressionMethod::Stored);
        let imported = import(&zip, &nothing_known()).unwrap();
        assert_eq!((imported.images, imported.problems), (vec![crane], vec![]));
    }

    #[test]
    fn a_bad_file_is_reported_and_the_rest_imported() {
        let [crane, fox, kite] = <[_; 3]>::try_from(gallery()).unwrap();
        let manifest = manifest(&[
            entry("crane.png", &crane.0),
            entry("gone.png", &fox.0),
            entry("fake.png", &kite.0),
            serde_json::json!({ "file": "odd.png", "model": 5 }),
            serde_json::json!({ "prompt": "no file" }),
            entry("kite.png", &kite.0),
        ]);
        let zip = zip_of(
            &[
                (MANIFEST, &manifest),
                ("crane.png", &crane.1),
                ("fake.png", b"Not an image at all"),
                ("odd.png", &png(5, None)),
                ("notes.txt", b"a foreign file"),
                ("kite.png", &kite.1),
            ],
            CompressionMethod::Stored,
        );
        let imported = import(&zip, &nothing_known()).unwrap();
        assert_eq!(imported.images, [crane, kite]);
        let problems: Vec<String> = imported.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "gone.png: listed in manifest.json but missing from the zip",
                "fake.png: not an image (it is not PNG, JPEG or WebP)",
                "odd.png: its prompt and settings in manifest.json could not be read: invalid type: integer `5`, \
                 expected a string",
                "manifest.json, image 5: its prompt and settings in manifest.json could not be read: missing field \
                 `file`",
                "notes.txt: not listed in manifest.json, so Easel does not know its prompt and settings",
            ]
        );
    }

    #[test]
    fn deflated_entries_are_read_and_other_methods_reported() {
        let (crane, bytes) = gallery().swap_remove(0);
        let manifest = manifest(&[entry("crane.png", &crane)]);
        let zip = zip_of(&[(MANIFEST, &manifest), ("crane.png", &bytes)], CompressionMethod::Deflated);
        let imported = import(&zip, &nothing_known()).unwrap();
        assert_eq!(imported.images, [(crane.clone(), bytes.clone())]);

        // Marked as bzip2, which Easel is built without: both headers name the method.
        let mut zip = zip_of(&[(MANIFEST, &manifest), ("crane.png", &bytes)], CompressionMethod::Stored);
        let local = find(&zip, b"PK\x03\x04", b"crane.png", 30);
        zip[local + 8..local + 10].copy_from_slice(&12u16.to_le_bytes());
        let central = find(&zip, b"PK\x01\x02", b"crane.png", 46);
        zip[central + 10..central + 12].copy_from_slice(&12u16.to_le_bytes());
        let imported = import(&zip, &nothing_known()).unwrap();
        assert_eq!(imported.images, []);
        assert_eq!(imported.problems[0].to_string(), "crane.png: compressed in a way Easel does not read");
    }

    /// Where the header with `signature` for the file `name` starts (`name_at`: the name's offset
    /// in that header).
    fn find(zip: &[u8], signature: &[u8], name: &[u8], name_at: usize) -> usize {
        (0..zip.len()).find(|&at| zip[at..].starts_with(signature) && zip[at + name_at..].starts_with(name)).unwrap()
    }

    #[test]
    fn oversized_files_are_refused_before_they_are_read() {
        let (crane, _) = gallery().swap_remove(0);
        let huge = vec![0; IMAGE_LIMIT as usize + 1];
        let zip = zip_of(
            &[(MANIFEST, &manifest(&[entry("huge.png", &crane)])), ("huge.png", &huge)],
            CompressionMethod::Stored,
        );
        let imported = import(&zip, &nothing_known()).unwrap();
        assert_eq!(imported.problems, [FileProblem { file: "huge.png".into(), problem: FileProblemKind::TooLarge }]);
        assert_eq!(imported.problems[0].to_string(), "huge.png: larger than 64 MiB, more than Easel imports");

        let padded = [&br#"{"easel": 1, "images": []}"#[..], &vec![b' '; MANIFEST_LIMIT as usize]].concat();
        let zip = zip_of(&[(MANIFEST, &padded)], CompressionMethod::Stored);
        assert_eq!(import(&zip, &nothing_known()), Err(ArchiveError::ManifestTooLarge));
    }

    #[test]
    fn a_png_without_easel_s_chunk_gives_no_record() {
        let problem = record_in_png(&png(1, None)).unwrap_err();
        assert_eq!(problem, PngTextProblem::NoRecord);
        assert_eq!(problem.to_string(), "This PNG was not made by Easel: it carries no settings.");
        assert_eq!(record_in_png(&png(1, Some(("Comment", "made elsewhere")))), Err(PngTextProblem::NoRecord));
        assert_eq!(record_in_png(&jpeg()), Err(PngTextProblem::NotPng));
        assert!(matches!(record_in_png(&png(1, Some(("easel", "not json")))), Err(PngTextProblem::Unreadable(_))));
    }

    #[test]
    fn an_import_holds_the_directory_and_one_image_at_a_time() {
        // Five JPEGs of 3 MiB: the zip is 15 MiB, and the import never holds two of them.
        let images: Vec<_> = (0..5u8)
            .map(|n| {
                let bytes: Vec<u8> = jpeg().into_iter().chain((0..3 << 20).map(|i: u32| (i % 251) as u8 ^ n)).collect();
                kept(&format!("a big picture {n}"), i64::from(n), OutputFormat::Jpeg, bytes)
            })
            .collect();
        let zip = export(&images);
        let imported = import(&zip, &nothing_known()).unwrap();
        assert!(imported.held < 2 * (3 << 20), "held {} bytes of a {}-byte zip", imported.held, zip.len());
        assert_eq!(taken(imported).images, images);
    }

    #[test]
    fn a_zip_claiming_more_files_than_easel_reads_is_refused_before_its_manifest() {
        let mut stream = ZipStream::default();
        let mut zip = Vec::new();
        for n in 0..=MAX_FILES {
            zip.extend(stream.file(&n.to_string(), DateTime::default(), crc32fast::hash(b""), 0).unwrap());
        }
        zip.extend(stream.finish());
        let refused = import(&zip, &nothing_known()).unwrap_err();
        assert_eq!(refused, ArchiveError::TooManyFiles(MAX_FILES + 1));
        assert_eq!(
            refused.to_string(),
            "This zip holds 100001 files, more than the 100000 Easel reads, so nothing was imported."
        );
    }

    #[test]
    fn a_zip_that_unpacks_past_the_total_stops_there_and_names_what_was_not_read() {
        let images = gallery();
        let zip = export(&images);
        let parts = Parts::new(zip.len() as u64);
        parts.borrow_mut().load(0, zip.clone());
        let Ok(Step::Ready(mut import)) = Import::open(&parts, nothing_known()) else { panic!("opens") };
        // As if the first image alone passed what a zip may unpack to.
        import.unpacked_limit = 1;
        let Step::Ready(Some(Taken::Problem(problem))) = import.take_next() else { panic!("stops") };
        assert_eq!(problem.problem, FileProblemKind::PastTotal(images.len()));
        assert!(problem.to_string().ends_with(
            ": not read, nor the 2 files after it: the zip unpacks to more than the 64 GiB Easel imports at once"
        ));
        assert_eq!(import.take_next(), Step::Ready(None));
    }

    #[test]
    fn names_are_the_download_names_with_the_id() {
        let mut taken = HashSet::new();
        let mut crane = record("A paper crane!", "gpt-image-1", 3, (3, 2));
        crane.id = "1a2b3c4d5e6f".into();
        assert_eq!(file_name(&crane, &mut taken), "easel-2026-11-04-a-paper-crane-1a2b3c4d.png");
        assert_eq!(file_name(&crane, &mut taken), "easel-2026-11-04-a-paper-crane-1a2b3c4d-2.png");
        crane.request.prompt = "../take 1".into();
        crane.format = OutputFormat::Jpeg;
        assert_eq!(file_name(&crane, &mut taken), "easel-2026-11-04-take-1-1a2b3c4d.jpg");
    }
}
