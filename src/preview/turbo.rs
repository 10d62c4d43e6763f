//! libjpeg-turbo (the `turbojpeg` crate, built from source by cmake with nasm and linked
//! statically), behind the `jpeg-turbo` feature: a JPEG decoded at the smallest n/8 of its size
//! that covers the thumbnail (what Pillow's `draft()` does), and thumbnails encoded with 4:2:0
//! chroma. `jpeg.rs` decides when to use it and falls back to `jpeg-decoder`.

use std::io::Read;

use image::{DynamicImage, GrayImage, RgbImage};
use jpeg_decoder::{ImageInfo, PixelFormat};

use crate::error::AppError;
use crate::preview::budget::Budget;
use crate::preview::jpeg::jpeg_estimate;
use crate::preview::render::unreadable;

/// The most progressive scans libjpeg-turbo reads: real files have about 10; a crafted one with
/// thousands of tiny scans costs minutes of CPU (libjpeg-turbo's own advice is 500).
const SCAN_LIMIT: u32 = 500;

/// `rgb` (`width`×`height`) as a baseline JPEG at `quality` with 4:2:0 chroma.
pub(super) fn encode_rgb(
    rgb: &[u8],
    (width, height): (usize, usize),
    quality: i32,
) -> Result<Vec<u8>, AppError> {
    let pixels = turbojpeg::Image {
        pixels: rgb,
        width,
        pitch: width * 3,
        height,
        format: turbojpeg::PixelFormat::RGB,
    };
    let mut compressor = turbojpeg::Compressor::new().map_err(AppError::internal)?;
    compressor.set_quality(quality).map_err(AppError::internal)?;
    compressor.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(AppError::internal)?;
    compressor.compress_to_vec(pixels).map_err(AppError::internal)
}

/// The smallest n/8 scale at which the longest side still covers `max_side` (1/1 when the
/// image is no larger).
fn scale(longest: usize, max_side: u32) -> turbojpeg::ScalingFactor {
    let want = usize::try_from(max_side).unwrap_or(usize::MAX);
    (1..=8)
        .map(|n| turbojpeg::ScalingFactor::new(n, 8))
        .find(|f| f.scale(longest) >= want)
        .unwrap_or(turbojpeg::ScalingFactor::ONE)
}

/// libjpeg-turbo, on the whole file in memory. The outer error is final (the budget refused,
/// reading failed); the inner one says why this path was not taken, to try the fallback on.
pub(super) fn decode<R: Read>(
    source: &mut R,
    len: u64,
    info: &ImageInfo,
    max_side: u32,
    budget: &Budget,
) -> Result<Result<DynamicImage, String>, AppError> {
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let factor = scale(usize::from(info.width.max(info.height)), max_side);
    let (sw, sh) = (factor.scale(usize::from(info.width)), factor.scale(usize::from(info.height)));
    let scaled = (
        u32::try_from(sw).map_err(AppError::internal)?,
        u32::try_from(sh).map_err(AppError::internal)?,
    );
    let estimate = len + jpeg_estimate(info, (w, h), scaled, max_side);
    if estimate > budget.total() {
        return Ok(Err(format!("{len} bytes do not fit in the budget beside the decode")));
    }
    let _reserved = budget.reserve(estimate, w, h)?;

    let mut data = Vec::with_capacity(usize::try_from(len).map_err(AppError::internal)?);
    source.take(len).read_to_end(&mut data).map_err(AppError::internal)?;
    let gray = info.pixel_format == PixelFormat::L8;
    let format = if gray { turbojpeg::PixelFormat::GRAY } else { turbojpeg::PixelFormat::RGB };
    let decoded = pixels(&data, (info.width, info.height), factor, format);
    drop(data);
    let pixels = match decoded {
        Ok(pixels) => pixels,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let (sw, sh) = scaled;
    let image = if gray {
        GrayImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageLuma8)
    } else {
        RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8)
    };
    image.map(Ok).ok_or_else(|| unreadable("pixel data does not match the size"))
}

/// The pixels of `data` (a JPEG of `size` by its header) decoded at `factor` in `format`.
fn pixels(
    data: &[u8],
    size: (u16, u16),
    factor: turbojpeg::ScalingFactor,
    format: turbojpeg::PixelFormat,
) -> Result<Vec<u8>, turbojpeg::Error> {
    let mut decompressor = turbojpeg::Decompressor::new()?;
    decompressor.set_scan_limit(SCAN_LIMIT)?;
    let header = decompressor.read_header(data)?;
    if (header.width, header.height) != (usize::from(size.0), usize::from(size.1)) {
        return Err(turbojpeg::Error::TurboJpegError("the two headers disagree".into()));
    }
    decompressor.set_scaling_factor(factor)?;
    let header = header.scaled(factor);
    let mut out = turbojpeg::Image {
        pixels: vec![0u8; header.width * header.height * format.size()],
        width: header.width,
        pitch: header.width * format.size(),
        height: header.height,
        format,
    };
    decompressor.decompress(data, out.as_deref_mut())?;
    Ok(out.pixels)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::GenericImageView;

    use super::*;
    use crate::preview::jpeg::decode as decode_jpeg;
    use crate::preview::jpeg::tests::photo;
    use crate::preview::render::render;

    fn turbo_jpeg(image: &RgbImage, progressive: bool) -> Vec<u8> {
        let mut c = turbojpeg::Compressor::new().expect("compressor");
        c.set_quality(90).expect("quality");
        c.set_progressive(progressive).expect("progressive");
        let (width, height) = (image.width() as usize, image.height() as usize);
        let pixels = turbojpeg::Image {
            pixels: image.as_raw().as_slice(),
            width,
            pitch: width * 3,
            height,
            format: turbojpeg::PixelFormat::RGB,
        };
        c.compress_to_vec(pixels).expect("compress")
    }

    /// The component sampling factors of the first SOF0 (baseline) frame header: `(id, h, v)`.
    fn sof0_sampling(jpeg: &[u8]) -> Vec<(u8, u8, u8)> {
        let at = jpeg.windows(2).position(|m| m == [0xFF, 0xC0]).expect("a SOF0 marker");
        let frame = &jpeg[at + 4..];
        let components = usize::from(frame[5]);
        (0..components)
            .map(|i| {
                let c = &frame[6 + 3 * i..];
                (c[0], c[1] >> 4, c[1] & 0x0F)
            })
            .collect()
    }

    #[test]
    fn a_jpeg_thumbnail_is_baseline_with_4_2_0_chroma() {
        let budget = Budget::new(64 << 20);
        for progressive in [false, true] {
            let source = turbo_jpeg(&photo(1200, 800), progressive);
            let out = render(Cursor::new(source), "image/jpeg", 256, &budget).expect("renders");
            assert_eq!(out.content_type, "image/jpeg");
            // Y sampled 2×2, Cb and Cr 1×1: chroma at half the resolution both ways.
            assert_eq!(sof0_sampling(&out.bytes), [(1, 2, 2), (2, 1, 1), (3, 1, 1)]);
            let decoded = image::load_from_memory(&out.bytes).expect("a valid JPEG");
            assert_eq!(decoded.dimensions(), (256, 171));
        }
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn the_scale_is_the_smallest_n_eighths_that_covers_the_side() {
        assert_eq!(scale(4000, 256), turbojpeg::ScalingFactor::new(1, 8));
        assert_eq!(scale(4000, 1024), turbojpeg::ScalingFactor::new(3, 8));
        assert_eq!(scale(4000, 2048), turbojpeg::ScalingFactor::new(5, 8));
        assert_eq!(scale(1200, 256), turbojpeg::ScalingFactor::new(2, 8));
        assert_eq!(scale(200, 256), turbojpeg::ScalingFactor::ONE);
    }

    #[test]
    fn jpegs_libjpeg_turbo_does_not_turn_into_rgb_take_the_fallback() {
        // CMYK: libjpeg-turbo decodes it only to CMYK; jpeg-decoder converts it.
        let cmyk: Vec<u8> = photo(300, 200).pixels().flat_map(|p| [p[0], p[1], p[2], 40]).collect();
        let mut c = turbojpeg::Compressor::new().expect("compressor");
        c.set_quality(90).expect("quality");
        let jpeg = c
            .compress_to_vec(turbojpeg::Image {
                pixels: cmyk.as_slice(),
                width: 300,
                pitch: 1200,
                height: 200,
                format: turbojpeg::PixelFormat::CMYK,
            })
            .expect("compress CMYK");
        let out = render(Cursor::new(jpeg), "image/jpeg", 256, &Budget::new(64 << 20))
            .expect("a CMYK JPEG renders");
        let decoded = image::load_from_memory(&out.bytes).expect("a valid JPEG");
        assert_eq!(decoded.dimensions(), (256, 171));
    }

    #[test]
    fn a_grey_jpeg_is_decoded_grey_and_shrunk() {
        let grey: Vec<u8> = photo(800, 600).pixels().map(|p| p[0]).collect();
        let mut c = turbojpeg::Compressor::new().expect("compressor");
        c.set_subsamp(turbojpeg::Subsamp::Gray).expect("grey");
        let pixels = turbojpeg::Image {
            pixels: grey.as_slice(),
            width: 800,
            pitch: 800,
            height: 600,
            format: turbojpeg::PixelFormat::GRAY,
        };
        let jpeg = c.compress_to_vec(pixels).expect("compress grey");
        let (image, _) =
            decode_jpeg(Cursor::new(&jpeg), 256, &Budget::new(64 << 20)).expect("decodes");
        // 3/8 of 800×600 (2/8 would be under 256 px), still grey.
        assert_eq!((image.dimensions(), image.color()), ((300, 225), image::ColorType::L8));
        let out =
            render(Cursor::new(jpeg), "image/jpeg", 256, &Budget::new(64 << 20)).expect("renders");
        let decoded = image::load_from_memory(&out.bytes).expect("a valid JPEG");
        assert_eq!(decoded.dimensions(), (256, 192));
    }
}
