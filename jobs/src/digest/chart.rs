//! A small trend chart for the digest: a sparkline of a role's weekly medians as a 1-bit PNG,
//! drawn once per run and shared by every email that shows the role.
//!
//! The encoder is written out here rather than taken from a crate: a two-colour image of a
//! few hundred bytes needs no compression (deflate's stored blocks), only the PNG framing
//! with its CRC-32 and zlib's Adler-32.

use crate::scale::Span;

/// Width of the chart in pixels.
pub const WIDTH: u32 = 120;
/// Height of the chart in pixels.
pub const HEIGHT: u32 = 32;
/// Fewest points worth drawing as a line.
pub const MIN_POINTS: usize = 3;

/// Pixels kept clear around the line, so that it never touches the edge.
const MARGIN: i64 = 3;

/// The sparkline of `values` (oldest first) as PNG bytes; `None` with fewer than
/// [`MIN_POINTS`] values.
pub fn sparkline_png(values: &[i32]) -> Option<Vec<u8>> {
    if values.len() < MIN_POINTS {
        return None;
    }
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    let span = Span::of(values.iter().map(|&v| f64::from(v)))?;
    let (w, h) = (i64::from(WIDTH) - 2 * MARGIN - 1, i64::from(HEIGHT) - 2 * MARGIN - 1);
    let last = (values.len() - 1) as f64;
    let points: Vec<(i64, i64)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let x = MARGIN + (i as f64 / last * w as f64).round() as i64;
            let y = span.fraction(f64::from(v));
            (x, MARGIN + h - (y * h as f64).round() as i64)
        })
        .collect();
    for pair in points.windows(2) {
        canvas.thick_line(pair[0], pair[1]);
    }
    if let Some(&(x, y)) = points.last() {
        canvas.dot(x, y, 2);
    }
    Some(canvas.png())
}

/// A 1-bit image: set pixels are the line's colour, the rest white.
struct Canvas {
    width: u32,
    height: u32,
    rows: Vec<Vec<u8>>,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Self {
        let row = vec![0u8; width.div_ceil(8) as usize];
        Self { width, height, rows: vec![row; height as usize] }
    }

    fn set(&mut self, x: i64, y: i64) {
        if (0..i64::from(self.width)).contains(&x) && (0..i64::from(self.height)).contains(&y) {
            let (x, y) = (x as usize, y as usize);
            self.rows[y][x / 8] |= 0x80 >> (x % 8);
        }
    }

    fn dot(&mut self, cx: i64, cy: i64, radius: i64) {
        for y in cy - radius..=cy + radius {
            for x in cx - radius..=cx + radius {
                if (x - cx).pow(2) + (y - cy).pow(2) <= radius * radius {
                    self.set(x, y);
                }
            }
        }
    }

    /// Bresenham's line, two pixels thick so that it survives scaling in mail clients.
    fn thick_line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64)) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut error) = (x0, y0, dx + dy);
        loop {
            for (ox, oy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                self.set(x + ox, y + oy);
            }
            if x == x1 && y == y1 {
                break;
            }
            let doubled = 2 * error;
            if doubled >= dy {
                error += dy;
                x += sx;
            }
            if doubled <= dx {
                error += dx;
                y += sy;
            }
        }
    }

    /// The PNG file: signature, header, a two-entry palette (white, the line's blue), the
    /// image data, end.
    fn png(&self) -> Vec<u8> {
        let mut raw = Vec::with_capacity(self.rows.len() * (self.rows.first().map_or(0, Vec::len) + 1));
        for row in &self.rows {
            raw.push(0); // filter type: none
            raw.extend_from_slice(row);
        }
        let mut header = Vec::with_capacity(13);
        header.extend_from_slice(&self.width.to_be_bytes());
        header.extend_from_slice(&self.height.to_be_bytes());
        header.extend_from_slice(&[1, 3, 0, 0, 0]); // 1 bit, palette, deflate, no filter, no interlace
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        chunk(&mut out, b"IHDR", &header);
        chunk(&mut out, b"PLTE", &[0xff, 0xff, 0xff, 0x25, 0x63, 0xeb]);
        chunk(&mut out, b"IDAT", &zlib_stored(&raw));
        chunk(&mut out, b"IEND", &[]);
        out
    }
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&length.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of deflate "stored" blocks (no compression) of at most 65,535 bytes each.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() { vec![&[][..]] } else { data.chunks(65_535).collect() };
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_their_reference_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    /// Reads the PNG back with the `png` crate, CRC-32 and Adler-32 checked: its size, and for
    /// each pixel whether it is the line's colour (palette entry 1).
    fn decode(png: &[u8]) -> (u32, u32, Vec<Vec<bool>>) {
        let mut options = png::DecodeOptions::default();
        options.set_ignore_checksums(false);
        let mut reader =
            png::Decoder::new_with_options(std::io::Cursor::new(png), options).read_info().expect("a valid PNG");
        let palette = reader.info().palette.as_deref().map(<[u8]>::to_vec);
        assert_eq!(palette.as_deref(), Some(&[0xff, 0xff, 0xff, 0x25, 0x63, 0xeb][..]), "white, then the blue");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a buffer size")];
        let frame = reader.next_frame(&mut pixels).expect("the pixels");
        assert_eq!((frame.color_type, frame.bit_depth), (png::ColorType::Indexed, png::BitDepth::One));
        let rows = pixels[..frame.buffer_size()]
            .chunks(frame.line_size)
            .map(|row| (0..frame.width as usize).map(|x| row[x / 8] & (0x80 >> (x % 8)) != 0).collect())
            .collect();
        (frame.width, frame.height, rows)
    }

    #[test]
    fn a_rising_series_is_drawn_from_bottom_left_to_top_right() {
        let png = sparkline_png(&[100_000, 110_000, 120_000, 130_000]).expect("a chart");
        let (width, height, pixels) = decode(&png);
        assert_eq!((width, height), (WIDTH, HEIGHT));
        let lit = |x: usize| (0..HEIGHT as usize).filter(|&y| pixels[y][x]).collect::<Vec<_>>();
        let (first, last) = (lit(MARGIN as usize), lit(WIDTH as usize - MARGIN as usize - 1));
        assert!(!first.is_empty() && !last.is_empty(), "the line spans the width");
        assert!(first.iter().min() > last.iter().min(), "it rises: {first:?} then {last:?}");
        assert!(png.len() < 1_000, "small enough for every email: {} bytes", png.len());
    }

    #[test]
    fn too_few_points_draw_nothing_and_a_flat_series_sits_in_the_middle() {
        assert_eq!(sparkline_png(&[1, 2]), None);
        let (_, height, pixels) = decode(&sparkline_png(&[5, 5, 5]).expect("a chart"));
        let rows: Vec<usize> = (0..height as usize).filter(|&y| pixels[y][WIDTH as usize / 2]).collect();
        assert!(rows.iter().all(|&y| (12..=20).contains(&y)), "{rows:?}");
    }
}
