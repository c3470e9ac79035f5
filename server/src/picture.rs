//! The pictures the local endpoint "generates": real PNGs of the requested size, the same for the
//! same prompt, so tests can rely on them and a person can tell two prompts apart at a glance.

use easel_contract::request::Dimensions;

/// A stable 64-bit FNV-1a hash: the seed of a prompt's picture must not change between runs or
/// Rust releases, which rules out `std`'s hasher.
pub fn seed_of(prompt: &str, index: u32) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in prompt.bytes().chain(index.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Encodes the picture for `seed` at `size` as a PNG.
pub fn render_png(seed: u64, size: Dimensions) -> Vec<u8> {
    let Dimensions { width, height } = size;
    let [from, to, disc] = palette(seed);
    // A disc placed by the seed, over a diagonal gradient between two of its colours.
    let (cx, cy) = ((seed >> 8) % u64::from(width), (seed >> 24) % u64::from(height));
    let radius = u64::from(width.min(height)) / 4 + (seed >> 40) % u64::from(width.min(height) / 4);
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    let span = u64::from(width + height);
    for y in 0..u64::from(height) {
        for x in 0..u64::from(width) {
            let inside = (x.abs_diff(cx)).pow(2) + (y.abs_diff(cy)).pow(2) <= radius * radius;
            let color = if inside {
                disc
            } else {
                mix(from, to, (x + y) * 255 / span)
            };
            pixels.extend_from_slice(&color);
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().expect("writing to a Vec cannot fail");
    writer
        .write_image_data(&pixels)
        .expect("the buffer holds exactly one RGB image");
    writer.finish().expect("writing to a Vec cannot fail");
    png
}

fn palette(seed: u64) -> [[u8; 3]; 3] {
    let hue = (seed % 360) as u32;
    [
        hsl(hue, 70, 60),
        hsl((hue + 140) % 360, 60, 35),
        hsl((hue + 200) % 360, 80, 75),
    ]
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

    fn decode(png: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        (info, pixels)
    }

    #[test]
    fn pictures_are_real_pngs_of_the_requested_size() {
        for (width, height) in [(1024, 1024), (1792, 1024), (1024, 1792)] {
            let size = Dimensions { width, height };
            let (info, _) = decode(&render_png(seed_of("a fox", 0), size));
            assert_eq!((info.width, info.height), (size.width, size.height));
        }
    }

    #[test]
    fn the_same_prompt_gives_the_same_picture_and_another_prompt_another() {
        let size = Dimensions { width: 64, height: 64 };
        assert_eq!(
            render_png(seed_of("a fox", 0), size),
            render_png(seed_of("a fox", 0), size)
        );
        assert_ne!(
            decode(&render_png(seed_of("a fox", 0), size)).1,
            decode(&render_png(seed_of("a cat", 0), size)).1
        );
        assert_ne!(seed_of("a fox", 0), seed_of("a fox", 1));
    }
}
