//! The pictures the local endpoint "generates": real images of the requested size and format,
//! the same for the same prompt, so tests can rely on them and a person can tell two prompts
//! apart at a glance.

use easel_contract::wire::{Dimensions, OutputFormat};

/// How heavy the pictures are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Weight {
    /// Flat shapes that compress well (a 1024x1024 PNG of about 250 KB): quick for tests.
    #[default]
    Light,
    /// Grain over the shapes, so a 1024x1024 PNG weighs what a real one does (1.7 MB) and its
    /// `b64_json` answer (2.3 MB) sits in the middle of real answers' 1.5-3 MB: for benchmarks.
    Realistic,
}

/// A stable 64-bit FNV-1a hash of a prompt and an image's place in its answer: the picture follows
/// from it, the same in every run and Rust release, which rules out `std`'s hasher.
pub fn seed_of(prompt: &str, index: u32) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in prompt.bytes().chain(index.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Encodes the picture for `seed` at `size` in `format`. `quality` (1-100) applies to JPEG.
pub fn render(seed: u64, size: Dimensions, format: OutputFormat, quality: u8, weight: Weight) -> Vec<u8> {
    encode(&draw(seed, size, weight), size, format, quality)
}

/// An edit's inputs, decoded once for all the images of its answer: the first image's pixels,
/// and which of them the mask marks to change (none given: the whole image).
pub struct EditBase {
    size: Dimensions,
    pixels: Vec<u8>,
    marked: Option<Vec<bool>>,
}

/// Which input of an edit could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecodable {
    /// The first image.
    Image,
    /// The mask (or it is not the image's size).
    Mask,
}

impl EditBase {
    /// Decodes the first image and the mask, where the mask's fully transparent pixels (alpha
    /// 0) are the area to change.
    pub fn decode(image: &[u8], mask: Option<&[u8]>) -> Result<EditBase, Undecodable> {
        let (size, pixels) = decode_rgb(image).ok_or(Undecodable::Image)?;
        let marked = match mask {
            None => None,
            Some(mask) => match decode_alpha(mask) {
                Some((mask_size, alpha)) if mask_size == size => Some(alpha.iter().map(|alpha| *alpha == 0).collect()),
                _ => return Err(Undecodable::Mask),
            },
        };
        Ok(EditBase { size, pixels, marked })
    }

    /// The image's size, which the edit's pictures keep.
    pub fn size(&self) -> Dimensions {
        self.size
    }

    /// The picture for `seed`, encoded in `format`: where the mask marks the image, the picture
    /// drawn for `seed` replaces its pixels, and every other pixel is the image's own, exactly;
    /// with no mask, the whole image is half covered by it, so the answer visibly derives from
    /// the input. `quality` (1-100) applies to JPEG.
    pub fn render(&self, seed: u64, format: OutputFormat, quality: u8) -> Vec<u8> {
        let painted = draw(seed, self.size, Weight::Light);
        let mut pixels = self.pixels.clone();
        match &self.marked {
            Some(marked) => {
                for (at, _) in marked.iter().enumerate().filter(|(_, marked)| **marked) {
                    pixels[at * 3..at * 3 + 3].copy_from_slice(&painted[at * 3..at * 3 + 3]);
                }
            }
            None => {
                for (pixel, paint) in pixels.iter_mut().zip(&painted) {
                    *pixel = ((u16::from(*pixel) + u16::from(*paint)) / 2) as u8;
                }
            }
        }
        encode(&pixels, self.size, format, quality)
    }
}

/// A PNG's or JPEG's size and its pixels as 8-bit RGB.
fn decode_rgb(bytes: &[u8]) -> Option<(Dimensions, Vec<u8>)> {
    match OutputFormat::of_bytes(bytes)? {
        OutputFormat::Png => {
            let (size, channels, pixels) = decode_png(bytes)?;
            let rgb = match channels {
                1 | 2 => pixels.chunks(channels).flat_map(|pixel| [pixel[0]; 3]).collect(),
                3 => pixels,
                _ => pixels.chunks(4).flat_map(|pixel| [pixel[0], pixel[1], pixel[2]]).collect(),
            };
            Some((size, rgb))
        }
        OutputFormat::Jpeg => {
            let mut decoder = zune_jpeg::JpegDecoder::new(std::io::Cursor::new(bytes));
            let pixels = decoder.decode().ok()?;
            let (width, height) = decoder.dimensions()?;
            let size = Dimensions { width: u32::try_from(width).ok()?, height: u32::try_from(height).ok()? };
            let channels = pixels.len() / (width * height).max(1);
            let rgb = match channels {
                1 => pixels.iter().flat_map(|grey| [*grey; 3]).collect(),
                3 => pixels,
                _ => pixels.chunks(channels).flat_map(|pixel| [pixel[0], pixel[1], pixel[2]]).collect(),
            };
            Some((size, rgb))
        }
        OutputFormat::Webp => None,
    }
}

/// A PNG mask's size and the alpha of each of its pixels (255 where it has no alpha).
fn decode_alpha(bytes: &[u8]) -> Option<(Dimensions, Vec<u8>)> {
    let (size, channels, pixels) = decode_png(bytes)?;
    let alpha = match channels {
        2 | 4 => pixels.chunks(channels).map(|pixel| pixel[channels - 1]).collect(),
        _ => vec![u8::MAX; pixels.len() / channels],
    };
    Some((size, alpha))
}

/// A PNG's size, its channels per pixel, and its pixels at 8 bits, a palette and transparency
/// expanded.
fn decode_png(bytes: &[u8]) -> Option<(Dimensions, usize, Vec<u8>)> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().ok()?;
    let mut pixels = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut pixels).ok()?;
    pixels.truncate(frame.buffer_size());
    let channels = frame.color_type.samples();
    Some((Dimensions { width: frame.width, height: frame.height }, channels, pixels))
}

/// Encodes 8-bit RGB `pixels` of `size` in `format`. `quality` (1-100) applies to JPEG.
fn encode(pixels: &[u8], size: Dimensions, format: OutputFormat, quality: u8) -> Vec<u8> {
    let Dimensions { width, height } = size;
    let mut encoded = Vec::new();
    match format {
        OutputFormat::Jpeg => {
            let encoder = jpeg_encoder::Encoder::new(&mut encoded, quality.clamp(1, 100));
            encoder
                .encode(pixels, width as u16, height as u16, jpeg_encoder::ColorType::Rgb)
                .expect("every size the contract accepts fits a JPEG");
        }
        // No profile offers WebP (Azure's docs do not); PNG stands in for it.
        OutputFormat::Png | OutputFormat::Webp => {
            let mut encoder = png::Encoder::new(&mut encoded, width, height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Fast);
            let mut writer = encoder.write_header().expect("writing to a Vec cannot fail");
            writer.write_image_data(pixels).expect("the buffer holds exactly one RGB image");
            writer.finish().expect("writing to a Vec cannot fail");
        }
    }
    encoded
}

/// RGB pixels: a disc placed by the seed over a diagonal gradient between two of its colours.
fn draw(seed: u64, size: Dimensions, weight: Weight) -> Vec<u8> {
    let Dimensions { width, height } = size;
    let [from, to, disc] = palette(seed);
    let (cx, cy) = ((seed >> 8) % u64::from(width), (seed >> 24) % u64::from(height));
    let short = u64::from(width.min(height));
    let radius = short / 4 + (seed >> 40) % (short / 4).max(1);
    let span = u64::from(width + height);
    let mut grain = seed | 1;
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..u64::from(height) {
        for x in 0..u64::from(width) {
            let inside = x.abs_diff(cx).pow(2) + y.abs_diff(cy).pow(2) <= radius * radius;
            let color = if inside { disc } else { mix(from, to, (x + y) * 255 / span) };
            match weight {
                Weight::Light => pixels.extend_from_slice(&color),
                Weight::Realistic => {
                    // xorshift64: cheap grain of ±6 per channel, as a camera's sensor leaves, which
                    // PNG cannot squeeze away.
                    grain ^= grain << 13;
                    grain ^= grain >> 7;
                    grain ^= grain << 17;
                    let noise = grain.to_le_bytes();
                    pixels
                        .extend((0..3).map(|i| color[i].saturating_add(noise[i] % 7).saturating_sub(noise[i + 3] % 7)));
                }
            }
        }
    }
    pixels
}

fn palette(seed: u64) -> [[u8; 3]; 3] {
    let hue = (seed % 360) as u32;
    [hsl(hue, 70, 60), hsl((hue + 140) % 360, 60, 35), hsl((hue + 200) % 360, 80, 75)]
}

fn mix(from: [u8; 3], to: [u8; 3], amount: u64) -> [u8; 3] {
    std::array::from_fn(|i| ((u64::from(from[i]) * (255 - amount) + u64::from(to[i]) * amount) / 255) as u8)
}

/// Hue in degrees, saturation and lightness in percent, to RGB.
fn hsl(hue: u32, saturation: u32, lightness: u32) -> [u8; 3] {
    let (h, s, l) = (hue as f32 / 60.0, saturation as f32 / 100.0, lightness as f32 / 100.0);
    let chroma = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = chroma * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = l - chroma / 2.0;
    [r, g, b].map(|channel| ((channel + m) * 255.0).round() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(width: u32, height: u32) -> Dimensions {
        Dimensions { width, height }
    }

    fn png_pixels(png: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        (info.width, info.height, pixels)
    }

    #[test]
    fn pictures_are_real_pngs_of_the_requested_size() {
        for (width, height) in [(1024, 1024), (1792, 1024), (1024, 1792)] {
            let png = render(seed_of("a fox", 0), size(width, height), OutputFormat::Png, 100, Weight::Light);
            let (w, h, _) = png_pixels(&png);
            assert_eq!((w, h), (width, height));
        }
    }

    #[test]
    fn jpeg_is_asked_for_and_jpeg_is_made() {
        let jpeg = render(seed_of("a fox", 0), size(1536, 1024), OutputFormat::Jpeg, 80, Weight::Light);
        assert_eq!(&jpeg[..3], [0xFF, 0xD8, 0xFF], "JPEG's start-of-image marker");
        // The frame header (SOF0) holds height then width.
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline frame");
        let height = u16::from_be_bytes([jpeg[sof + 5], jpeg[sof + 6]]);
        let width = u16::from_be_bytes([jpeg[sof + 7], jpeg[sof + 8]]);
        assert_eq!((width, height), (1536, 1024));
    }

    #[test]
    fn the_same_prompt_gives_the_same_picture_and_another_prompt_another() {
        let draw = |prompt| render(seed_of(prompt, 0), size(64, 64), OutputFormat::Png, 100, Weight::Light);
        assert_eq!(draw("a fox"), draw("a fox"));
        assert_ne!(png_pixels(&draw("a fox")).2, png_pixels(&draw("a cat")).2);
        assert_ne!(seed_of("a fox", 0), seed_of("a fox", 1));
    }

    #[test]
    fn realistic_pictures_weigh_what_real_ones_do() {
        let png = render(seed_of("a fox", 0), size(1024, 1024), OutputFormat::Png, 100, Weight::Realistic);
        assert!((1_500_000..=2_000_000).contains(&png.len()), "{} bytes", png.len());
        let answer = png.len().div_ceil(3) * 4;
        assert!((2_000_000..=2_600_000).contains(&answer), "{answer} bytes as base64");
        let light = render(seed_of("a fox", 0), size(1024, 1024), OutputFormat::Png, 100, Weight::Light);
        assert!(light.len() < 400_000, "{} bytes", light.len());
    }
}
