//! The record Easel writes inside a PNG: an iTXt chunk with the keyword `easel` holding the
//! image's record as JSON. Only the PNG's structure is read here, chunk by chunk; nothing is
//! decoded, and bytes rebuilt from the chunks are the file's. What the JSON means is the
//! gallery's and the archive's business, not this module's.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The keyword of the iTXt chunk that carries an image's record inside a PNG, then the iTXt
/// header's null separator.
const RECORD_KEYWORD: &[u8] = b"easel\0";

/// Why a single PNG gave no record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PngTextProblem {
    /// The bytes do not start as a PNG does.
    NotPng,
    /// A PNG without Easel's chunk.
    NoRecord,
    /// Easel's chunk is there but does not hold a record this Easel reads; holds why.
    Unreadable(String),
}

impl fmt::Display for PngTextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PngTextProblem::NotPng => f.write_str("This file is not a PNG, so it carries no settings from Easel."),
            PngTextProblem::NoRecord => f.write_str("This PNG was not made by Easel: it carries no settings."),
            PngTextProblem::Unreadable(detail) => {
                write!(f, "This PNG's settings from Easel could not be read: {detail}.")
            }
        }
    }
}

impl std::error::Error for PngTextProblem {}

/// The JSON of the record a PNG carries.
pub fn record_json(bytes: &[u8]) -> Result<&str, PngTextProblem> {
    let png = Png::read(bytes).ok_or(PngTextProblem::NotPng)?;
    let text = png.chunks.iter().find_map(Chunk::record_text).ok_or(PngTextProblem::NoRecord)?;
    itxt_text(text).ok_or_else(|| {
        PngTextProblem::Unreadable("it is compressed, or its chunk is malformed, which Easel never writes".into())
    })
}

/// `bytes` without the record an export put in a PNG: the image as Easel keeps it, which its id
/// is computed over. Anything else comes back as it is.
pub fn without_record(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(png) = Png::read(bytes) else { return Cow::Borrowed(bytes) };
    if png.chunks.iter().all(|chunk| chunk.record_text().is_none()) {
        return Cow::Borrowed(bytes);
    }
    let mut kept = Vec::with_capacity(bytes.len());
    kept.extend_from_slice(PNG_SIGNATURE);
    for chunk in png.chunks.iter().filter(|chunk| chunk.record_text().is_none()) {
        kept.extend_from_slice(chunk.whole);
    }
    kept.extend_from_slice(png.tail);
    Cow::Owned(kept)
}

/// A PNG with a record put in: the ranges of the original bytes before the record's chunk, the
/// chunk, and the ranges after it. The ranges leave out any record chunk already there, so a
/// writer copies them from the original without holding a second copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithRecord {
    pub before: Vec<Range<usize>>,
    pub chunk: Vec<u8>,
    pub after: Vec<Range<usize>>,
}

/// The PNG `bytes` with `record_json` in an `easel` iTXt chunk before its first IDAT (the place
/// every reader of text chunks looks before the pixels), any such chunk already there left out;
/// `None` if `bytes` is not a PNG with pixels.
pub fn with_record(bytes: &[u8], record_json: &str) -> Option<WithRecord> {
    let png = Png::read(bytes)?;
    let first_pixels = png.chunks.iter().position(|chunk| chunk.kind == b"IDAT")?;
    let mut data = RECORD_KEYWORD.to_vec();
    // Not compressed, then an empty language tag and an empty translated keyword.
    data.extend_from_slice(&[0, 0, 0, 0]);
    data.extend_from_slice(record_json.as_bytes());
    let mut chunk = Vec::with_capacity(data.len() + 12);
    chunk.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
    chunk.extend_from_slice(b"iTXt");
    chunk.extend_from_slice(&data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(b"iTXt");
    crc.update(&data);
    chunk.extend_from_slice(&crc.finalize().to_be_bytes());

    // Adjacent ranges are joined, so a PNG without a record to leave out is two ranges.
    let keep = |ranges: &mut Vec<Range<usize>>, range: Range<usize>| match ranges.last_mut() {
        Some(last) if last.end == range.start => last.end = range.end,
        _ => ranges.push(range),
    };
    let (mut before, mut after): (Vec<_>, _) = (std::iter::once(0..PNG_SIGNATURE.len()).collect(), Vec::new());
    let mut at = PNG_SIGNATURE.len();
    for (place, found) in png.chunks.iter().enumerate() {
        if found.record_text().is_none() {
            keep(if place < first_pixels { &mut before } else { &mut after }, at..at + found.whole.len());
        }
        at += found.whole.len();
    }
    if at < bytes.len() {
        keep(&mut after, at..bytes.len());
    }
    Some(WithRecord { before, chunk, after })
}

/// A PNG as its chunks, read no further than its structure holds.
struct Png<'a> {
    chunks: Vec<Chunk<'a>>,
    /// What follows the last whole chunk (nothing, unless the file was cut short or padded).
    tail: &'a [u8],
}

/// One PNG chunk, as it sits in the file.
struct Chunk<'a> {
    kind: &'a [u8],
    data: &'a [u8],
    /// Length, type, data and CRC.
    whole: &'a [u8],
}

impl<'a> Png<'a> {
    /// `None` if the bytes are not a PNG.
    fn read(bytes: &'a [u8]) -> Option<Png<'a>> {
        let mut rest = bytes.strip_prefix(PNG_SIGNATURE)?;
        let mut chunks = Vec::new();
        while let Some(&[a, b, c, d]) = rest.get(..4) {
            let length = u32::from_be_bytes([a, b, c, d]) as usize;
            let Some(whole) = length.checked_add(12).and_then(|size| rest.get(..size)) else { break };
            chunks.push(Chunk { kind: &whole[4..8], data: &whole[8..8 + length], whole });
            rest = &rest[whole.len()..];
        }
        Some(Png { chunks, tail: rest })
    }
}

impl<'a> Chunk<'a> {
    /// The part of the chunk after its keyword when it is Easel's record.
    fn record_text(&self) -> Option<&'a [u8]> {
        self.data.strip_prefix(RECORD_KEYWORD).filter(|_| self.kind == b"iTXt")
    }
}

/// The text of an iTXt chunk after its keyword: uncompressed, past the language tag and the
/// translated keyword, as UTF-8.
fn itxt_text(after_keyword: &[u8]) -> Option<&str> {
    let [0, 0, rest @ ..] = after_keyword else { return None };
    let mut fields = rest.splitn(3, |byte| *byte == 0);
    let (_language, _translated_keyword, text) = (fields.next()?, fields.next()?, fields.next()?);
    std::str::from_utf8(text).ok()
}
