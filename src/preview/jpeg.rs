//! JPEG decoding with shrink-on-load, within the memory budget.
//!
//! The fast path, with the `jpeg-turbo` feature, is libjpeg-turbo (`preview::turbo`, built
//! from source and linked statically): it decodes at any n/8 of the size directly in the inverse DCT, with SIMD, which
//! is what Pillow's `draft()` uses; on a 4000×3000 photo it is about 1.8× faster than
//! `jpeg-decoder` for `sm` and `md` (docs/benchmarks.md, issue #20). It decodes from memory, so
//! the file is read whole. What libjpeg-turbo does not decode to RGB or grey (CMYK, 12/16-bit,
//! lossless), any JPEG it refuses (it treats every libjpeg warning, such as a few stray bytes
//! before a marker, as an error), and a file too large to hold in the memory budget beside its
//! decode go through `jpeg-decoder` as before, which streams: no JPEG that previewed before
//! stops previewing. Without the feature every JPEG takes `jpeg-decoder`'s path (1/2, 1/4 or
//! 1/8 scaling).
//!
//! The header is read once, by `jpeg-decoder` from the stream, before anything large is
//! allocated: it gives the size, the coding process and the EXIF orientation, from which the
//! memory of the whole pipeline is estimated and reserved.

use std::io::{BufRead, Seek, SeekFrom};

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, RgbImage};
use jpeg_decoder::{CodingProcess, ImageInfo, PixelFormat};

use crate::error::AppError;
use crate::preview::budget::Budget;
use crate::preview::render::{MAX_SIDE, after_decode_cost, resize_cost, too_large, unreadable};

/// The image in `source` (a JPEG), upright-to-be (the EXIF orientation is returned, not
/// applied), decoded at the smallest DCT scale whose longest side still covers `max_side`.
pub fn decode<R: BufRead + Seek>(
    mut source: R,
    max_side: u32,
    budget: &Budget,
) -> Result<(DynamicImage, Orientation), AppError> {
    let len = source.seek(SeekFrom::End(0)).map_err(AppError::internal)?;
    source.rewind().map_err(AppError::internal)?;
    let (info, orientation) = {
        let mut header = jpeg_decoder::Decoder::new(&mut source);
        header.read_info().map_err(unreadable)?;
        let info = header.info().ok_or_else(|| unreadable("no image header"))?;
        let orientation = header
            .exif_data()
            .and_then(Orientation::from_exif_chunk)
            .unwrap_or(Orientation::NoTransforms);
        (info, orientation)
    };
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(too_large(w, h));
    }
    source.rewind().map_err(AppError::internal)?;
    let turbo = matches!(info.pixel_format, PixelFormat::RGB24 | PixelFormat::L8)
        && info.coding_process != CodingProcess::Lossless;
    #[cfg(feature = "jpeg-turbo")]
    if turbo {
        match super::turbo::decode(&mut source, len, &info, max_side, budget)? {
            Ok(image) => return Ok((image, orientation)),
            Err(e) => {
                tracing::debug!(reason = %e, "not through libjpeg-turbo; trying jpeg-decoder");
                source.rewind().map_err(AppError::internal)?;
            }
        }
    }
    #[cfg(not(feature = "jpeg-turbo"))]
    let _ = (turbo, len);
    let image = decode_fallback(source, max_side, budget)?;
    Ok((image, orientation))
}

/// `jpeg-decoder`, with its own DCT scaling (1/2, 1/4, 1/8).
fn decode_fallback<R: BufRead>(
    source: R,
    max_side: u32,
    budget: &Budget,
) -> Result<DynamicImage, AppError> {
    let mut decoder = jpeg_decoder::Decoder::new(source);
    decoder.read_info().map_err(unreadable)?;
    let info = decoder.info().ok_or_else(|| unreadable("no image header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let longest = w.max(h).max(1);
    let (sw, sh) = if longest > max_side {
        let want = |side: u32| {
            u16::try_from((u64::from(side) * u64::from(max_side) / u64::from(longest)).max(1))
                .unwrap_or(u16::MAX)
        };
        decoder.scale(want(w), want(h)).map_err(unreadable)?
    } else {
        (info.width, info.height)
    };
    let estimate = jpeg_estimate(&info, (w, h), (u32::from(sw), u32::from(sh)), max_side);
    let _reserved = budget.reserve(estimate, w, h)?;

    let pixels = decoder.decode().map_err(unreadable)?;
    let info = decoder.info().ok_or_else(|| unreadable("no image header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    jpeg_image(pixels, info.pixel_format, w, h)
        .ok_or_else(|| unreadable("pixel data does not match the size"))
}

/// The memory a JPEG decode needs, from its header: a progressive (or lossless) JPEG keeps
/// every coefficient of the full image (2 bytes each per component) whatever the scale; a
/// sequential one only a few rows of blocks, the scaled planes and output. Then the
/// interleaved output and the conversion of CMYK or 16-bit output, resizing, and what follows
/// the decode. Both decoders stay within it (libjpeg-turbo's whole-image coefficient buffer
/// is the same 2 bytes per coefficient).
pub(super) fn jpeg_estimate(
    info: &ImageInfo,
    (w, h): (u32, u32),
    (sw, sh): (u32, u32),
    max_side: u32,
) -> u64 {
    let components: u64 = match info.pixel_format {
        PixelFormat::L8 | PixelFormat::L16 => 1,
        PixelFormat::RGB24 => 3,
        PixelFormat::CMYK32 => 4,
    };
    let padded = |side: u32| u64::from(side).div_ceil(16) * 16 + 16;
    let full = padded(w) * padded(h) * components;
    let scaled = padded(sw) * padded(sh) * components;
    let whole_image = match info.coding_process {
        CodingProcess::DctSequential => 0,
        // i16 coefficients; lossless keeps 16-bit planes of the same size.
        _ => full * 2,
    };
    // One row of MCUs (at most 16 pixel rows), as coefficients and as samples.
    let rows = padded(w) * 16 * components * 3;
    whole_image
        + rows
        + 2 * scaled * 2
        + scaled
        + resize_cost(sw, sh, max_side, 3)
        + after_decode_cost(max_side)
}

/// `jpeg-decoder`'s output as an image: RGB or grey, 8 bits (CMYK converted, 16-bit grey cut).
fn jpeg_image(pixels: Vec<u8>, format: PixelFormat, w: u32, h: u32) -> Option<DynamicImage> {
    match format {
        PixelFormat::RGB24 => RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
        PixelFormat::L8 => GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        PixelFormat::L16 => {
            let gray: Vec<u8> = pixels.chunks_exact(2).map(|p| p[0]).collect();
            GrayImage::from_raw(w, h, gray).map(DynamicImage::ImageLuma8)
        }
        PixelFormat::CMYK32 => {
            // jpeg-decoder hands back inverted (Adobe) CMYK; convert to RGB.
            let rgb: Vec<u8> = pixels
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| u8::try_from(u16::from(c) * k / 255).unwrap_or(255))
                })
                .collect();
            RgbImage::from_raw(w, h, rgb).map(DynamicImage::ImageRgb8)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Cursor;

    use image::codecs::jpeg::JpegEncoder;

    use image::GenericImageView;

    use super::*;
    use crate::preview::render::render;

    /// A photo-like `w`×`h` RGB image: smooth gradients and some texture.
    pub(crate) fn photo(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let t = u8::try_from((x * 7 + y * 13) % 23).unwrap_or(0);
            image::Rgb([
                u8::try_from(x * 255 / w).unwrap_or(0).wrapping_add(t),
                u8::try_from(y * 255 / h).unwrap_or(0),
                128u8.wrapping_sub(t),
            ])
        })
    }

    /// A baseline JPEG of `image` (quality 90).
    fn baseline(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90).encode_image(image).expect("encode");
        out
    }

    #[test]
    fn truncated_or_corrupt_jpegs_are_unreadable_not_a_panic() {
        let budget = Budget::new(64 << 20);
        let whole = baseline(&photo(640, 480));
        let mut cases: Vec<(String, Vec<u8>)> = [2, 20, 200, whole.len() / 3, whole.len() - 2]
            .into_iter()
            .map(|len| (format!("cut at {len}"), whole[..len].to_vec()))
            .collect();
        // A header that claims more components than it lists.
        let mut bad_header = whole.clone();
        let sof = bad_header.windows(2).position(|m| m == [0xFF, 0xC0]).expect("SOF0");
        bad_header[sof + 9] = 200;
        cases.push(("bad SOF".into(), bad_header));
        for (what, bytes) in cases {
            match render(Cursor::new(bytes), "image/jpeg", 256, &budget) {
                Err(AppError::ImageUnreadable(_)) => {}
                Err(e) => panic!("{what}: expected image_unreadable, got {e:?}"),
                Ok(_) => panic!("{what}: a truncated JPEG rendered"),
            }
            assert_eq!(budget.in_use(), 0, "{what}");
        }
        // Scrambled scan data: either decoder may make something of it, but nothing panics.
        let mut scrambled = whole.clone();
        let start = whole.len() / 2;
        for (i, b) in scrambled[start..start + 400].iter_mut().enumerate() {
            *b = u8::try_from(i * 37 % 251).unwrap_or(0);
        }
        match render(Cursor::new(scrambled), "image/jpeg", 256, &budget) {
            Ok(_) | Err(AppError::ImageUnreadable(_)) => {}
            Err(e) => panic!("scrambled: {e:?}"),
        }
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn a_file_too_large_to_hold_beside_its_decode_is_streamed_by_the_fallback() {
        let photo = baseline(&photo(640, 480));
        // The same JPEG with 1.2 MB of comment segments after its SOI.
        let mut padded = photo[..2].to_vec();
        for _ in 0..20 {
            padded.extend_from_slice(&[0xFF, 0xFE, 0xEA, 0x62]);
            padded.extend(std::iter::repeat_n(b'x', 0xEA60));
        }
        padded.extend_from_slice(&photo[2..]);
        let mut header = jpeg_decoder::Decoder::new(padded.as_slice());
        header.read_info().expect("header");
        let info = header.info().expect("info");
        // Both decoders work at 320×240 here (1/2, 4/8); only the file's bytes differ.
        let streaming = jpeg_estimate(&info, (640, 480), (320, 240), 256);
        let budget = Budget::new(streaming + (600 << 10));
        let out = render(Cursor::new(padded), "image/jpeg", 256, &budget).expect("renders");
        assert_eq!(image::load_from_memory(&out.bytes).expect("JPEG").dimensions(), (256, 192));
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn a_progressive_bomb_is_refused_before_its_coefficients_are_allocated() {
        // SOF2 declaring 16384×16384×3: 1.6 GiB of coefficients for a decoder that trusts it.
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xDB, 0x00, 67, 0x00];
        j.extend_from_slice(&[1; 64]);
        j.extend_from_slice(&[0xFF, 0xC2, 0x00, 17, 8, 0x40, 0x00, 0x40, 0x00]);
        j.extend_from_slice(&[3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
        j.extend_from_slice(&[0xFF, 0xC4, 0x00, 20, 0x00, 1]);
        j.extend_from_slice(&[0; 16]);
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 12, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0]);
        j.extend_from_slice(&[0; 1024]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        let budget = Budget::new(256 << 20);
        match render(Cursor::new(j), "image/jpeg", 256, &budget) {
            Err(AppError::ImageUnreadable(m)) => assert!(m.contains("MiB"), "{m}"),
            other => panic!("expected a refusal, got {:?}", other.map(|r| r.bytes.len())),
        }
        assert_eq!(budget.in_use(), 0);
    }
}
