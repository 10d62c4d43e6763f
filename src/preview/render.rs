//! Decoding an image within bounds, shrinking it, turning it upright, and encoding the result
//! without any metadata. Pure, blocking functions: callers run them on the blocking pool.
//!
//! JPEG (most photos) is decoded with `jpeg-decoder`'s DCT scaling, which decodes at 1/2, 1/4
//! or 1/8 of the size directly instead of decoding every pixel and throwing most away; other
//! formats go through `image`. Resizing uses `fast_image_resize` (SIMD, Catmull-Rom).

use std::io::{BufRead, Cursor, Read, Seek, SeekFrom};

use fast_image_resize::{FilterType, MulDiv, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{
    DynamicImage, GenericImageView, GrayImage, ImageDecoder, ImageReader, Limits, RgbImage,
};

use crate::error::AppError;
use crate::preview::budget::Budget;

/// The largest width or height decoded; a bigger image (or a header claiming one) is refused.
pub const MAX_SIDE: u32 = 16_384;
/// JPEG quality of thumbnails.
const JPEG_QUALITY: u8 = 82;

/// An encoded thumbnail.
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// The types homedisk previews: raster images, which cannot carry script.
pub fn is_previewable(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png" | "image/gif" | "image/webp")
}

fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::ImageUnreadable(format!("this image cannot be read (corrupt or truncated?): {e}"))
}

fn too_large(w: u32, h: u32) -> AppError {
    AppError::ImageUnreadable(format!(
        "this image is {w}×{h} pixels; previews are made for images up to {MAX_SIDE}×{MAX_SIDE}"
    ))
}

/// Memory every decode may need besides its pixel buffers (decoder tables, encoder, stack).
const FIXED_COST: u64 = 4 << 20;

/// The thumbnail of the image read from `source` (of type `mime`) whose longest side is at most
/// `max_side`: upright, re-encoded as JPEG (or PNG when it has transparency). The memory the
/// whole pipeline needs is estimated from the header and reserved in `budget` before any pixel
/// buffer is allocated; an image needing more than the budget is refused.
pub fn render<R: BufRead + Seek>(
    source: R,
    mime: &str,
    max_side: u32,
    budget: &Budget,
) -> Result<Rendered, AppError> {
    let (image, orientation) = if mime == "image/jpeg" {
        decode_jpeg(source, max_side, budget)?
    } else {
        let mut source = source;
        if mime == "image/webp" {
            check_webp_chunks(&mut source)?;
        }
        decode_any(source, max_side, budget)?
    };
    // Shrink first, in the decoded pixel format: converting a large grey or palette image to
    // RGB before shrinking would triple or quadruple its size.
    let mut image = normalize(shrink(image, max_side)?);
    image.apply_orientation(orientation);
    encode(&image)
}

/// The memory of the steps after decoding, for an output of at most `max_side` a side: the
/// resized image, its 8-bit RGB(A) copy, the rotated copy and the encoder's buffer.
fn after_decode_cost(max_side: u32) -> u64 {
    let out = u64::from(max_side) * u64::from(max_side) * 4;
    4 * out + FIXED_COST
}

/// The resizer's intermediate image: horizontal pass first, `max_side` wide, as tall as the
/// source (fast_image_resize's convolution), in the source's pixel size.
fn resize_cost(w: u32, h: u32, max_side: u32, bytes_per_pixel: u64) -> u64 {
    if w.max(h) <= max_side {
        return 0;
    }
    u64::from(max_side.min(w)) * u64::from(h) * bytes_per_pixel
}

/// JPEG with shrink-on-load: asks the decoder for the smallest DCT scale that still covers
/// `max_side`, within the memory budget (see [`jpeg_estimate`]).
fn decode_jpeg<R: BufRead>(
    source: R,
    max_side: u32,
    budget: &Budget,
) -> Result<(DynamicImage, Orientation), AppError> {
    let mut decoder = jpeg_decoder::Decoder::new(source);
    decoder.read_info().map_err(unreadable)?;
    let info = decoder.info().ok_or_else(|| unreadable("no image header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(too_large(w, h));
    }
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
    let estimate = jpeg_estimate(&info, (w, h), (sw, sh), max_side);
    let _reserved = budget.reserve(estimate, w, h)?;

    let pixels = decoder.decode().map_err(unreadable)?;
    let info = decoder.info().ok_or_else(|| unreadable("no image header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let image = jpeg_image(pixels, info.pixel_format, w, h);
    Ok((image.ok_or_else(|| unreadable("pixel data does not match the size"))?, orientation))
}

/// The memory a JPEG decode needs, from its header: a progressive (or lossless) JPEG keeps
/// every coefficient of the full image (2 bytes each per component) whatever the scale; a
/// sequential one only the scaled planes and output. Then the interleaved output and the
/// conversion of CMYK or 16-bit output, resizing, and what follows the decode.
fn jpeg_estimate(
    info: &jpeg_decoder::ImageInfo,
    (w, h): (u32, u32),
    (sw, sh): (u16, u16),
    max_side: u32,
) -> u64 {
    let components: u64 = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    let padded = |side: u32| u64::from(side).div_ceil(16) * 16 + 16;
    let full = padded(w) * padded(h) * components;
    let scaled = padded(u32::from(sw)) * padded(u32::from(sh)) * components;
    let whole_image = match info.coding_process {
        jpeg_decoder::CodingProcess::DctSequential => 0,
        // i16 coefficients; lossless keeps 16-bit planes of the same size.
        _ => full * 2,
    };
    whole_image
        + 2 * scaled * 2
        + scaled
        + resize_cost(u32::from(sw), u32::from(sh), max_side, 3)
        + after_decode_cost(max_side)
}

/// The decoder's output as an image: RGB or grey, 8 bits (CMYK converted, 16-bit grey cut).
fn jpeg_image(
    pixels: Vec<u8>,
    format: jpeg_decoder::PixelFormat,
    w: u32,
    h: u32,
) -> Option<DynamicImage> {
    match format {
        jpeg_decoder::PixelFormat::RGB24 => {
            RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L8 => {
            GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8)
        }
        jpeg_decoder::PixelFormat::L16 => {
            let gray: Vec<u8> = pixels.chunks_exact(2).map(|p| p[0]).collect();
            GrayImage::from_raw(w, h, gray).map(DynamicImage::ImageLuma8)
        }
        jpeg_decoder::PixelFormat::CMYK32 => {
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

/// The most a WebP metadata chunk (EXIF, XMP, ICC profile) may hold: real ones are a few KiB.
const MAX_WEBP_METADATA: u64 = 16 << 20;

/// Walks a WebP's RIFF chunk headers before the decoder sees them: `image-webp` allocates a
/// chunk's declared size before reading it (found by the `image` fuzz target: a 199-byte
/// file whose EXIF chunk claims 1.6 GB), and reading the orientation reads the EXIF chunk
/// outside any limit. So a chunk that claims more bytes than the file holds, or metadata
/// larger than [`MAX_WEBP_METADATA`], makes the image unreadable. Leaves `source` at the start.
fn check_webp_chunks<R: Read + Seek>(source: &mut R) -> Result<(), AppError> {
    let len = source.seek(SeekFrom::End(0)).map_err(AppError::internal)?;
    source.seek(SeekFrom::Start(12)).map_err(AppError::internal)?;
    let mut at = 12u64;
    let mut header = [0u8; 8];
    while at + 8 <= len {
        source.read_exact(&mut header).map_err(AppError::internal)?;
        let size = u64::from(u32::from_le_bytes([header[4], header[5], header[6], header[7]]));
        let metadata = matches!(&header[..4], b"EXIF" | b"XMP " | b"ICCP");
        if at + 8 + size > len || (metadata && size > MAX_WEBP_METADATA) {
            return Err(unreadable(format!(
                "a `{}` chunk claims {size} bytes",
                String::from_utf8_lossy(&header[..4]).escape_debug()
            )));
        }
        at += 8 + size + (size & 1);
        source.seek(SeekFrom::Start(at)).map_err(AppError::internal)?;
    }
    source.rewind().map_err(AppError::internal)?;
    Ok(())
}

/// PNG, GIF (first frame), WebP (first frame), with dimension limits and a memory budget
/// decided from the header: the decoded buffer (`total_bytes`, after palette expansion), plus
/// the decoder's own working copy for GIF (frame and canvas) and WebP (YUV planes or ARGB
/// words), plus resizing.
fn decode_any<R: BufRead + Seek>(
    source: R,
    max_side: u32,
    budget: &Budget,
) -> Result<(DynamicImage, Orientation), AppError> {
    let mut reader = ImageReader::new(source).with_guessed_format().map_err(AppError::internal)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(budget.total());
    reader.limits(limits.clone());
    let is_png = reader.format() == Some(image::ImageFormat::Png);
    let mut decoder = reader.into_decoder().map_err(|e| limit_or_unreadable(e, None))?;
    let (w, h) = decoder.dimensions();
    let buffer = decoder.total_bytes();
    let pixels = u64::from(w) * u64::from(h);
    let working = if is_png { u64::from(w) * 16 } else { buffer.max(pixels * 4) };
    let per_pixel = u64::from(decoder.color_type().bytes_per_pixel());
    let estimate =
        buffer + working + resize_cost(w, h, max_side, per_pixel) + after_decode_cost(max_side);
    let _reserved = budget.reserve(estimate, w, h)?;
    limits.max_alloc = Some(estimate);
    decoder.set_limits(limits).map_err(|e| limit_or_unreadable(e, Some((w, h))))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image =
        DynamicImage::from_decoder(decoder).map_err(|e| limit_or_unreadable(e, Some((w, h))))?;
    Ok((image, orientation))
}

fn limit_or_unreadable(e: image::ImageError, dims: Option<(u32, u32)>) -> AppError {
    match (e, dims) {
        (image::ImageError::Limits(_), Some((w, h))) => too_large(w, h),
        (image::ImageError::Limits(_), None) => AppError::ImageUnreadable(format!(
            "this image is larger than previews allow ({MAX_SIDE}×{MAX_SIDE} pixels)"
        )),
        (other, _) => unreadable(other),
    }
}

/// 8-bit RGB, or RGBA when some pixel is not fully opaque.
fn normalize(image: DynamicImage) -> DynamicImage {
    if !image.color().has_alpha() {
        return DynamicImage::ImageRgb8(image.into_rgb8());
    }
    let rgba = image.into_rgba8();
    if rgba.pixels().all(|p| p[3] == 255) {
        DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(rgba).into_rgb8())
    } else {
        DynamicImage::ImageRgba8(rgba)
    }
}

/// Scales so the longest side is `max_side` (never enlarges), in the image's own pixel format.
/// Images with alpha are premultiplied in place (not copied) so transparent pixels do not
/// bleed their colour into the edges.
fn shrink(mut image: DynamicImage, max_side: u32) -> Result<DynamicImage, AppError> {
    let (w, h) = image.dimensions();
    let longest = w.max(h);
    if longest <= max_side {
        return Ok(image);
    }
    let scale = |side: u32| {
        u32::try_from((u64::from(side) * u64::from(max_side)).div_ceil(u64::from(longest)))
            .unwrap_or(1)
            .max(1)
    };
    let mul_div = MulDiv::default();
    // Falls back to the resizer's own (copying) premultiplication for a pixel type MulDiv
    // does not know.
    let premultiplied =
        image.color().has_alpha() && mul_div.multiply_alpha_inplace(&mut image).is_ok();
    let mut out = DynamicImage::new(scale(w).min(max_side), scale(h).min(max_side), image.color());
    Resizer::new()
        .resize(
            &image,
            &mut out,
            &ResizeOptions::new()
                .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
                .use_alpha(!premultiplied),
        )
        .map_err(AppError::internal)?;
    drop(image);
    if premultiplied {
        mul_div.divide_alpha_inplace(&mut out).map_err(AppError::internal)?;
    }
    Ok(out)
}

fn encode(image: &DynamicImage) -> Result<Rendered, AppError> {
    let mut bytes = Vec::new();
    if image.color().has_alpha() {
        image
            .write_with_encoder(PngEncoder::new(Cursor::new(&mut bytes)))
            .map_err(AppError::internal)?;
        Ok(Rendered { bytes, content_type: "image/png" })
    } else {
        JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
            .encode_image(image)
            .map_err(AppError::internal)?;
        Ok(Rendered { bytes, content_type: "image/jpeg" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `fuzz/fuzz_targets/image.rs`: a WebP whose EXIF chunk claims 1.6 GB made
    /// image-webp allocate that much while reading the orientation.
    #[test]
    fn a_webp_chunk_claiming_more_than_the_file_is_refused_before_any_allocation() {
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x08\0\0\0\x2f\0\0\x1f\0\0".to_vec();
        webp.extend_from_slice(b"EXIF\xba\0\0\x63");
        webp.extend_from_slice(&[0x10; 64]);
        let budget = Budget::new(64 << 20);
        match render(Cursor::new(webp), "image/webp", 256, &budget) {
            Err(AppError::ImageUnreadable(m)) => assert!(m.contains("EXIF"), "{m}"),
            other => panic!("expected image_unreadable, got {:?}", other.map(|r| r.bytes.len())),
        }
        assert_eq!(budget.in_use(), 0);
    }

    #[test]
    fn an_ordinary_webp_still_renders() {
        let image =
            DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 30, image::Rgb([200, 10, 10])));
        let mut webp = Vec::new();
        image
            .write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut webp))
            .expect("encode");
        let rendered = render(Cursor::new(webp), "image/webp", 256, &Budget::new(64 << 20))
            .expect("an ordinary WebP renders");
        assert_eq!(rendered.content_type, "image/jpeg");
    }
}
