//! Decoding an image within bounds, shrinking it, turning it upright, and encoding the result
//! without any metadata. Pure, blocking functions: callers run them on the blocking pool.
//!
//! JPEG (most photos) is decoded with `jpeg-decoder`'s DCT scaling, which decodes at 1/2, 1/4
//! or 1/8 of the size directly instead of decoding every pixel and throwing most away; other
//! formats go through `image`. Resizing uses `fast_image_resize` (SIMD, Catmull-Rom).

use std::fs::File;
use std::io::{BufReader, Cursor};
use std::path::Path;

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{
    DynamicImage, GenericImageView, GrayImage, ImageDecoder, ImageReader, Limits, RgbImage,
};

use crate::error::AppError;

/// The largest width or height decoded; a bigger image (or a header claiming one) is refused.
pub const MAX_SIDE: u32 = 16_384;
/// The most memory one decode may allocate.
pub const MAX_ALLOC: u64 = 512 << 20;
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

/// The thumbnail of the image at `path` (of type `mime`) whose longest side is at most
/// `max_side`: upright, re-encoded as JPEG (or PNG when it has transparency).
pub fn render(path: &Path, mime: &str, max_side: u32) -> Result<Rendered, AppError> {
    let (image, orientation) =
        if mime == "image/jpeg" { decode_jpeg(path, max_side)? } else { decode_any(path)? };
    let mut image = shrink(normalize(image), max_side)?;
    image.apply_orientation(orientation);
    encode(&image)
}

/// JPEG with shrink-on-load: asks the decoder for the smallest DCT scale that still covers
/// `max_side`.
fn decode_jpeg(path: &Path, max_side: u32) -> Result<(DynamicImage, Orientation), AppError> {
    let file = File::open(path).map_err(AppError::internal)?;
    let mut decoder = jpeg_decoder::Decoder::new(BufReader::new(file));
    decoder.read_info().map_err(unreadable)?;
    let info = decoder.info().ok_or_else(|| unreadable("no image header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(too_large(w, h));
    }
    let longest = w.max(h).max(1);
    if longest > max_side {
        let want = |side: u32| {
            u16::try_from((u64::from(side) * u64::from(max_side) / u64::from(longest)).max(1))
                .unwrap_or(u16::MAX)
        };
        decoder.scale(want(w), want(h)).map_err(unreadable)?;
    }
    let pixels = decoder.decode().map_err(unreadable)?;
    let info = decoder.info().ok_or_else(|| unreadable("no image header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let image = match info.pixel_format {
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
    };
    Ok((image.ok_or_else(|| unreadable("pixel data does not match the size"))?, orientation))
}

/// PNG, GIF (first frame), WebP (first frame), with dimension and allocation limits.
fn decode_any(path: &Path) -> Result<(DynamicImage, Orientation), AppError> {
    let mut reader = ImageReader::open(path)
        .map_err(AppError::internal)?
        .with_guessed_format()
        .map_err(AppError::internal)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| limit_or_unreadable(e, None))?;
    let (w, h) = decoder.dimensions();
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

/// Scales so the longest side is `max_side` (never enlarges).
fn shrink(image: DynamicImage, max_side: u32) -> Result<DynamicImage, AppError> {
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
    let mut out = DynamicImage::new(scale(w).min(max_side), scale(h).min(max_side), image.color());
    Resizer::new()
        .resize(
            &image,
            &mut out,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom)),
        )
        .map_err(AppError::internal)?;
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
