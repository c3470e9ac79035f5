//! An image file as an edit sends it: its format, width, height and whether it has an alpha
//! channel, read from the first bytes of its structure (PNG's IHDR chunk, a JPEG's frame
//! header). Nothing is decoded, so a 50 MB photo is read in microseconds, in the browser and in
//! the server alike.

use std::fmt;

use crate::wire::{Dimensions, OutputFormat};

/// What an image file is, read from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageFile {
    /// PNG or JPEG.
    pub format: OutputFormat,
    /// Width and height in pixels.
    pub dimensions: Dimensions,
    /// Whether it has an alpha channel (a PNG with one, or with a transparency chunk).
    pub has_alpha: bool,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Why bytes are not an image file an edit can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnImage {
    /// A WebP: Azure takes PNG and JPEG only.
    Webp,
    /// Neither PNG nor JPEG, or cut short before its size.
    Unreadable,
}

impl fmt::Display for NotAnImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotAnImage::Webp => "it is a WebP image, and Azure edits take PNG and JPEG only",
            NotAnImage::Unreadable => "it is not a PNG or JPEG image Easel can read",
        })
    }
}

impl std::error::Error for NotAnImage {}

impl ImageFile {
    /// Reads what `bytes` are.
    pub fn read(bytes: &[u8]) -> Result<ImageFile, NotAnImage> {
        let (format, (dimensions, has_alpha)) = match OutputFormat::of_bytes(bytes) {
            Some(OutputFormat::Png) => (OutputFormat::Png, png(bytes).ok_or(NotAnImage::Unreadable)?),
            Some(OutputFormat::Jpeg) => (OutputFormat::Jpeg, (jpeg(bytes).ok_or(NotAnImage::Unreadable)?, false)),
            Some(OutputFormat::Webp) => return Err(NotAnImage::Webp),
            None => return Err(NotAnImage::Unreadable),
        };
        Ok(ImageFile { format, dimensions, has_alpha, bytes: bytes.len() as u64 })
    }
}

/// A PNG's dimensions from its IHDR chunk, and whether it has alpha: a colour type with an alpha
/// channel (4, grey and alpha; 6, RGBA), or a `tRNS` chunk before its pixels.
fn png(bytes: &[u8]) -> Option<(Dimensions, bool)> {
    let ihdr = bytes.get(8..33).filter(|ihdr| &ihdr[4..8] == b"IHDR")?;
    let number = |at: usize| u32::from_be_bytes([ihdr[at], ihdr[at + 1], ihdr[at + 2], ihdr[at + 3]]);
    let (width, height, colour_type) = (number(8), number(12), ihdr[17]);
    if width == 0 || height == 0 {
        return None;
    }
    let mut has_alpha = matches!(colour_type, 4 | 6);
    let mut rest = &bytes[33..];
    while let Some(&[a, b, c, d, ref kind @ ..]) = rest.get(..8) {
        match kind {
            b"tRNS" => has_alpha = true,
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        let length = u32::from_be_bytes([a, b, c, d]) as usize;
        let Some(next) = length.checked_add(12).and_then(|whole| rest.get(whole..)) else { break };
        rest = next;
    }
    Some((Dimensions { width, height }, has_alpha))
}

/// A JPEG's dimensions from its first frame header (any `SOFn` marker), walking the segments
/// before it by their lengths.
fn jpeg(bytes: &[u8]) -> Option<Dimensions> {
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (&0xFF, &marker) = (bytes.get(at)?, bytes.get(at + 1)?) else { return None };
        let length = usize::from(u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]));
        let is_frame = matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF);
        if is_frame {
            let header = bytes.get(at + 4..at + 9)?;
            let height = u32::from(u16::from_be_bytes([header[1], header[2]]));
            let width = u32::from(u16::from_be_bytes([header[3], header[4]]));
            return (width > 0 && height > 0).then_some(Dimensions { width, height });
        }
        if marker == 0xDA || length < 2 {
            // The pixels began, or a segment is malformed, before any frame header.
            return None;
        }
        at += 2 + length;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The start of a PNG: signature, IHDR of `width`×`height` in `colour_type`, then `chunks`
    /// (kind, data), then an IDAT.
    fn png_of(width: u32, height: u32, colour_type: u8, chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8; 4], data: &[u8]| {
            bytes.extend((data.len() as u32).to_be_bytes());
            bytes.extend(kind);
            bytes.extend(data);
            bytes.extend([0; 4]);
        };
        let mut header = Vec::new();
        header.extend(width.to_be_bytes());
        header.extend(height.to_be_bytes());
        header.extend([8, colour_type, 0, 0, 0]);
        chunk(b"IHDR", &header);
        for (kind, data) in chunks {
            chunk(kind, data);
        }
        chunk(b"IDAT", &[1, 2, 3]);
        bytes
    }

    #[test]
    fn a_png_gives_its_size_and_whether_it_has_alpha() {
        let rgba = ImageFile::read(&png_of(1536, 1024, 6, &[])).unwrap();
        assert_eq!(
            rgba,
            ImageFile {
                format: OutputFormat::Png,
                dimensions: Dimensions { width: 1536, height: 1024 },
                has_alpha: true,
                bytes: rgba.bytes
            }
        );
        assert!(!ImageFile::read(&png_of(64, 64, 2, &[])).unwrap().has_alpha, "RGB");
        assert!(ImageFile::read(&png_of(64, 64, 4, &[])).unwrap().has_alpha, "grey and alpha");
        let palette = png_of(64, 64, 3, &[(b"PLTE", &[0; 6]), (b"tRNS", &[0])]);
        assert!(ImageFile::read(&palette).unwrap().has_alpha, "a palette with transparency");
        let late = png_of(64, 64, 2, &[]);
        assert!(!ImageFile::read(&[late.as_slice(), b"\0\0\0\x01tRNS\0\0\0\0\0"].concat()).unwrap().has_alpha);
    }

    #[test]
    fn a_jpeg_gives_its_size_from_its_frame_header() {
        // SOI, an APP0 segment, padding, then a baseline frame of 1024 wide and 768 high.
        let jpeg = [
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF][..],
            &[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x03, 0x00, 0x04, 0x00, 0x03],
        ]
        .concat();
        let file = ImageFile::read(&jpeg).unwrap();
        assert_eq!(
            (file.format, file.dimensions, file.has_alpha),
            (OutputFormat::Jpeg, Dimensions { width: 1024, height: 768 }, false)
        );
    }

    #[test]
    fn anything_else_is_refused_and_says_why() {
        assert_eq!(ImageFile::read(b"RIFF\0\0\0\0WEBPVP8 "), Err(NotAnImage::Webp));
        assert_eq!(ImageFile::read(b"GIF89a"), Err(NotAnImage::Unreadable));
        assert_eq!(ImageFile::read(b"\x89PNG\r\n\x1a\n"), Err(NotAnImage::Unreadable), "cut before its header");
        assert_eq!(
            ImageFile::read(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]),
            Err(NotAnImage::Unreadable),
            "pixels before a frame"
        );
        assert_eq!(ImageFile::read(&png_of(0, 64, 6, &[])), Err(NotAnImage::Unreadable));
        assert_eq!(NotAnImage::Webp.to_string(), "it is a WebP image, and Azure edits take PNG and JPEG only");
    }
}
