use super::*;

/// A small real JPEG (encoded by the image crate) with an EXIF block whose GPS directory says
/// 48°51'30" N, and an XMP packet naming the same place.
pub(crate) fn jpeg_with_gps() -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([x as u8 * 16, y as u8 * 16, 90]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut plain), image::ImageFormat::Jpeg)
        .expect("encode");
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    // IFD0: one entry, the GPS directory at 26.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 26, 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // GPS: LatitudeRef "N" inline, Latitude: three rationals at 56.
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[2, 0, 5, 0, 3, 0, 0, 0, 56, 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for (n, d) in [(48u32, 1u32), (51, 1), (30, 1)] {
        tiff.extend_from_slice(&n.to_le_bytes());
        tiff.extend_from_slice(&d.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let xmp =
        [XMP, b"<x:xmpmeta><exif:GPSLatitude>48,51.5N</exif:GPSLatitude></x:xmpmeta>"].concat();
    let mut out = vec![0xFF, 0xD8];
    for data in [&app1, &xmp] {
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&(data.len() as u16 + 2).to_be_bytes());
        out.extend_from_slice(data);
    }
    out.extend_from_slice(&plain[2..]);
    out
}

fn planned(mime: &str, bytes: &[u8]) -> Plan {
    plan(mime, &mut &bytes[..], bytes.len() as u64).expect("plan")
}

fn patched(bytes: &[u8], patches: &[Patch]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    // In two pieces, as a body stream sends it.
    let (a, b) = out.split_at_mut(37);
    apply(patches, 0, a);
    apply(patches, 37, b);
    out
}

fn check_crc(original: &[u8], patches: &[Patch], result: &[u8]) {
    let crc = crc_after(crc32fast::hash(original), original.len() as u64, patches, |at, n| {
        Ok(original[at as usize..at as usize + n].to_vec())
    })
    .expect("crc");
    assert_eq!(crc, crc32fast::hash(result), "the CRC follows the patches");
}

#[test]
fn a_jpeg_loses_its_gps_and_its_xmp_and_keeps_its_pixels_and_length() {
    let original = jpeg_with_gps();
    let Plan::Patched(patches) = planned("image/jpeg", &original) else { panic!("patched") };
    let result = patched(&original, &patches);
    assert_eq!(result.len(), original.len());
    assert!(!result.windows(9).any(|w| w == b"GPSLatitu"), "the XMP is gone");
    assert!(!result.windows(8).any(|w| w == [48, 0, 0, 0, 1, 0, 0, 0]), "the latitude is gone");
    let before = image::load_from_memory(&original).expect("decodes").to_rgb8();
    let after = image::load_from_memory(&result).expect("still decodes").to_rgb8();
    assert_eq!(before, after, "the same pixels");
    check_crc(&original, &patches, &result);
    assert_eq!(planned("image/jpeg", &result), Plan::Unchanged, "nothing left to take out");
}

#[test]
fn types_without_a_known_way_are_unknown_and_others_unchanged() {
    assert_eq!(planned("image/heic", b"...."), Plan::Unknown);
    assert_eq!(planned("video/mp4", b"...."), Plan::Unknown);
    assert_eq!(planned("image/jpeg", b"\xff\xd8\xff\xe1\x00"), Plan::Unknown, "cut short");
    assert_eq!(planned("application/pdf", b"%PDF"), Plan::Unchanged);
    assert_eq!(planned("image/gif", b"GIF89a"), Plan::Unchanged);
    assert!(!strippable("image/tiff") && strippable("image/png") && strippable("text/plain"));
}

#[test]
fn a_png_loses_its_exif_chunk_with_a_right_crc() {
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::new(4, 4))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode");
    // An eXIf chunk after IHDR (8 + 25 bytes in).
    let exif = b"MM\0*secret-place";
    let mut chunk = (exif.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(b"eXIf");
    chunk.extend_from_slice(exif);
    chunk.extend_from_slice(&crc32fast::hash(&[b"eXIf".as_slice(), exif].concat()).to_be_bytes());
    let original = [&png[..33], &chunk, &png[33..]].concat();
    let Plan::Patched(patches) = planned("image/png", &original) else { panic!("patched") };
    let result = patched(&original, &patches);
    assert!(!result.windows(6).any(|w| w == b"secret"));
    let after = image::load_from_memory(&result).expect("a valid PNG still");
    assert_eq!(after.width(), 4);
    check_crc(&original, &patches, &result);
}

#[test]
fn overlapping_patches_become_disjoint_with_the_same_result() {
    let patches = vec![
        Patch { offset: 4, bytes: vec![1; 6] },
        Patch { offset: 8, bytes: vec![2; 4] },
        Patch { offset: 20, bytes: vec![3; 2] },
    ];
    let merged = disjoint(patches.clone());
    assert_eq!(merged.len(), 2);
    let (mut a, mut b) = (vec![0u8; 32], vec![0u8; 32]);
    apply(&patches, 0, &mut a);
    apply(&merged, 0, &mut b);
    assert_eq!(a, b);
}
