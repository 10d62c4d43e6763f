//! Decoding an image within bounds, shrinking it, turning it upright, and encoding the result
//! without any metadata. Pure, blocking functions: callers run them on the blocking pool.
//!
//! JPEG (most photos) is decoded with DCT scaling (`jpeg.rs`: with the `jpeg-turbo` feature
//! libjpeg-turbo, which decodes at any n/8 of the size directly instead of decoding every
//! pixel and throwing most away, else `jpeg-decoder` at 1/2, 1/4 or 1/8); other formats go
//! through `image`. Resizing uses `fast_image_resize` (SIMD, Catmull-Rom). Thumbnails are JPEG
//! (4:2:0 chroma with libjpeg-turbo's encoder, 4:4:4 with `image`'s), or PNG when they have
//! transparency.

use std::io::{BufRead, Cursor, Read, Seek, SeekFrom};

use fast_image_resize::{FilterType, MulDiv, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageReader, Limits};

use crate::error::AppError;
use crate::preview::budget::Budget;
use crate::preview::jpeg;

/// The largest width or height decoded; a bigger image (or a header claiming one) is refused.
pub const MAX_SIDE: u32 = 16_384;
/// JPEG quality of thumbnails (libjpeg's scale, as Pillow's and libvips' `Q`).
const JPEG_QUALITY: i32 = 82;

/// An encoded thumbnail.
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// The types homedisk previews: raster images, which cannot carry script.
pub fn is_previewable(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png" | "image/gif" | "image/webp")
}

pub(super) fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::ImageUnreadable(format!("this image cannot be read (corrupt or truncated?): {e}"))
}

pub(super) fn too_large(w: u32, h: u32) -> AppError {
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
        jpeg::decode(source, max_side, budget)?
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
pub(super) fn after_decode_cost(max_side: u32) -> u64 {
    let out = u64::from(max_side) * u64::from(max_side) * 4;
    4 * out + FIXED_COST
}

/// The resizer's intermediate image: horizontal pass first, `max_side` wide, as tall as the
/// source (fast_image_resize's convolution), in the source's pixel size.
pub(super) fn resize_cost(w: u32, h: u32, max_side: u32, bytes_per_pixel: u64) -> u64 {
    if w.max(h) <= max_side {
        return 0;
    }
    u64::from(max_side.min(w)) * u64::from(h) * bytes_per_pixel
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
    if let DynamicImage::ImageRgb8(rgb) = image {
        let size = (rgb.width() as usize, rgb.height() as usize);
        #[cfg(feature = "jpeg-turbo")]
        let bytes = crate::preview::turbo::encode_rgb(rgb.as_raw(), size, JPEG_QUALITY)?;
        #[cfg(not(feature = "jpeg-turbo"))]
        let bytes = {
            // `image`'s encoder writes 4:4:4 chroma (about 1.6× larger at 1024 px).
            let _ = size;
            let mut bytes = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY as u8)
                .encode_image(image)
                .map_err(AppError::internal)?;
            bytes
        };
        return Ok(Rendered { bytes, content_type: "image/jpeg" });
    }
    // `normalize` leaves only RGB (above) and RGBA with some transparency.
    let mut bytes = Vec::new();
    image
        .write_with_encoder(PngEncoder::new(Cursor::new(&mut bytes)))
        .map_err(AppError::internal)?;
    Ok(Rendered { bytes, content_type: "image/png" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

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
