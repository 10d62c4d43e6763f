//! `/preview/{id}`: thumbnails of real images made in the test (upright, small, without
//! metadata, PNG only with transparency, the first frame of an animation), unreadable images
//! (422, never 500), the thumbnail cache and its validators, and who may fetch a preview:
//! preview tokens (one file, some sizes, the life of their session), access tokens (query,
//! headers, cookie) and never another user. Tokens never reach the log.

use std::io::Cursor;
use std::path::PathBuf;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use image::codecs::gif::{GifEncoder, Repeat};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{
    Delay, DynamicImage, ExtendedColorType, Frame, GenericImageView, ImageFormat, Rgb, RgbImage,
    Rgba, RgbaImage,
};
use serde_json::{Value, json};

use crate::files::{FilesApi, crc32, id_of, sha256_hex, upload_req};
use crate::helpers::{PASSWORD, Resp, TestApp, claims_for, session_cookie, spawn_app, spawn_with};
use crate::server::Server;

// ---------------------------------------------------------------------------------------------
// Test images, made here

const RED: [u8; 3] = [255, 0, 0];
const GREEN: [u8; 3] = [0, 255, 0];
const BLUE: [u8; 3] = [0, 0, 255];
const WHITE: [u8; 3] = [255, 255, 255];
const MAGENTA: [u8; 3] = [255, 0, 255];

/// The GPS latitude written into the test photo (59° 54' 31.4159"): distinctive bytes to look
/// for in the thumbnails.
const GPS_LATITUDE: [(u32, u32); 3] = [(59, 1), (54, 1), (314_159, 10_000)];

pub(crate) fn jpeg_of(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(img).expect("encode JPEG");
    out
}

fn png_of(img: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_with_encoder(PngEncoder::new(&mut out)).expect("encode PNG");
    out
}

/// A 600×400 picture: the left half red on top and green below, the right half blue on top
/// and white below. Every quadrant differs, so each of the eight orientations gives a
/// different picture.
pub(crate) fn quadrants() -> RgbImage {
    RgbImage::from_fn(600, 400, |x, y| {
        Rgb(match (x < 300, y < 200) {
            (true, true) => RED,
            (true, false) => GREEN,
            (false, true) => BLUE,
            (false, false) => WHITE,
        })
    })
}

/// The little-endian TIFF of an APP1 Exif segment: IFD0 with Orientation (0x0112, SHORT) =
/// `orientation` and GPSInfo (0x8825, LONG) pointing at a GPS IFD with GPSLatitudeRef (0x0001,
/// ASCII "N") and GPSLatitude (0x0002, 3 RATIONALs).
fn exif_tiff(orientation: u16) -> Vec<u8> {
    fn entry(t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value);
    }
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes()); // IFD0 right after the header
    t.extend_from_slice(&2u16.to_le_bytes());
    let o = orientation.to_le_bytes();
    entry(&mut t, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
    entry(&mut t, 0x8825, 4, 1, 38u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    assert_eq!(t.len(), 38, "the GPS IFD starts where IFD0 says");
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, 68u32.to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len(), 68, "the latitude starts where its entry says");
    t.extend_from_slice(&gps_latitude_bytes());
    t
}

fn gps_latitude_bytes() -> Vec<u8> {
    GPS_LATITUDE.iter().flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()]).flatten().collect()
}

/// The GPSLatitude directory entry as it is stored (tag 2, RATIONAL, count 3, offset 68).
const GPS_LATITUDE_ENTRY: [u8; 12] = [0x02, 0, 0x05, 0, 0x03, 0, 0, 0, 68, 0, 0, 0];

/// `jpeg` with an APP1 Exif segment (orientation and GPS) right after its SOI marker.
fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    assert_eq!(jpeg[..2], [0xFF, 0xD8], "a JPEG starts with SOI");
    let tiff = exif_tiff(orientation);
    let len = u16::try_from(2 + 6 + tiff.len()).expect("small segment");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The markers of a JPEG's segments from SOI up to and including the start of scan (SOS).
fn jpeg_header_markers(jpeg: &[u8]) -> Vec<u8> {
    assert_eq!(jpeg[..2], [0xFF, 0xD8], "a JPEG starts with SOI");
    let mut markers = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        assert_eq!(jpeg[i], 0xFF, "a marker at byte {i}");
        let marker = jpeg[i + 1];
        markers.push(marker);
        if marker == 0xDA {
            return markers;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    panic!("no start of scan in the JPEG: markers {markers:02x?}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// One PNG chunk: length, type, data, CRC-32 of type and data.
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).expect("small chunk").to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A tiny, valid-looking PNG whose header claims `side`×`side` RGB pixels (a decompression
/// bomb's header, with almost no data behind it).
fn png_claiming(side: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, filter 0, no interlace
    png_chunk(&mut png, b"IHDR", &ihdr);
    // zlib: header, one empty final stored block, Adler-32 of nothing.
    png_chunk(&mut png, b"IDAT", &[0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0, 0, 0, 1]);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// Deterministic noise (xorshift), so a JPEG of it has a long entropy-coded scan.
fn noise(w: u32, h: u32) -> RgbImage {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    RgbImage::from_fn(w, h, |_, _| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes();
        Rgb([b[0], b[1], b[2]])
    })
}

// ---------------------------------------------------------------------------------------------
// Looking at the answers

fn decode(r: &Resp) -> DynamicImage {
    image::load_from_memory(&r.body)
        .unwrap_or_else(|e| panic!("the preview is not an image ({e}): {} bytes", r.body.len()))
}

fn assert_colour(img: &DynamicImage, x: u32, y: u32, want: [u8; 3], what: &str) {
    let p = img.get_pixel(x, y).0;
    assert!(
        p[..3].iter().zip(want).all(|(&got, w)| got.abs_diff(w) <= 48),
        "{what}: pixel ({x}, {y}) is {p:?}, expected about {want:?}"
    );
}

/// The `N` of `Cache-Control: private, max-age=N`.
fn max_age(r: &Resp) -> i64 {
    let cc = r.header("cache-control").expect("Cache-Control");
    cc.strip_prefix("private, max-age=")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("Cache-Control is `{cc}`"))
}

/// Checks that `Cache-Control: private, max-age=N` gives exactly the life a credential ending at
/// `exp` had left while the server answered (between `before` and `after`), capped at an hour.
fn assert_max_age(r: &Resp, exp: i64, before: i64, after: i64) {
    let age = max_age(r);
    let (least, most) = ((exp - after).clamp(0, 3600), (exp - before).clamp(0, 3600));
    assert!(
        (least..=most).contains(&age),
        "max-age {age}: the credential had {least} to {most} s left (capped at 3600)"
    );
}

/// The payload of a JWT, unverified.
pub(crate) fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

fn signature(token: &str) -> &str {
    token.rsplit('.').next().expect("signature")
}

fn token_in(url: &str) -> String {
    let (_, rest) = url.split_once("token=").expect("a token in the URL");
    rest.split('&').next().unwrap_or_default().to_owned()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn rfc3339(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("{t}: {e}")).timestamp()
}

/// Claims of a valid preview token of `fid` by `user`'s first session, to be edited by a test.
fn preview_claims(user: &crate::helpers::TestUser, fid: &str) -> Value {
    let now = now();
    json!({
        "iss": "homedisk", "aud": "homedisk", "sub": user.id, "sid": user.session_id,
        "typ": "preview", "fid": fid, "sz": "thumbs",
        "iat": now, "exp": now + 600, "jti": "test-preview-jti"
    })
}

/// Requests the preview tests share.
pub(crate) trait PreviewApi {
    fn thumbs_dir(&self) -> PathBuf;
    /// `GET /preview/{id}?size={size}&token={token}`.
    async fn preview(&self, id: &str, size: &str, token: &str) -> Resp;
    /// `POST /api/v1/files/{id}/preview-url` with `body` (`None`: no body at all).
    async fn mint_url(&self, token: &str, id: &str, body: Option<Value>) -> Resp;
    /// The preview token of a successful `mint_url`.
    async fn preview_token(&self, token: &str, id: &str, body: Option<Value>) -> String;
    /// Uploads one file, returning its id.
    async fn upload_id(&self, token: &str, name: &str, bytes: &[u8]) -> String;
}

impl<S, B> PreviewApi for TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    fn thumbs_dir(&self) -> PathBuf {
        self.state.config.data_dir.join("thumbs")
    }

    async fn preview(&self, id: &str, size: &str, token: &str) -> Resp {
        self.send(TestRequest::get().uri(&format!("/preview/{id}?size={size}&token={token}"))).await
    }

    async fn mint_url(&self, token: &str, id: &str, body: Option<Value>) -> Resp {
        let req = TestRequest::post()
            .uri(&format!("/api/v1/files/{id}/preview-url"))
            .insert_header(("Authorization", format!("Bearer {token}")));
        self.send(match body {
            Some(body) => req.set_json(body),
            None => req,
        })
        .await
    }

    async fn preview_token(&self, token: &str, id: &str, body: Option<Value>) -> String {
        let r = self.mint_url(token, id, body).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["token"].as_str().expect("token").to_owned()
    }

    async fn upload_id(&self, token: &str, name: &str, bytes: &[u8]) -> String {
        id_of(&self.upload(token, name, bytes).await)
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

#[actix_web::test]
async fn a_jpeg_thumbnail_is_upright_small_and_carries_no_exif_or_gps() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let photo = with_exif(&jpeg_of(&quadrants()), 6);
    // The upload really carries what the thumbnail must lose.
    assert_eq!(jpeg_header_markers(&photo)[0], 0xE1, "APP1 first");
    assert!(contains(&photo, b"Exif\0\0II*\0"));
    assert!(contains(&photo, &gps_latitude_bytes()) && contains(&photo, &GPS_LATITUDE_ENTRY));
    assert_eq!(
        image::load_from_memory(&photo).expect("a valid JPEG").dimensions(),
        (600, 400),
        "stored landscape, displayed portrait"
    );
    let id = app.upload_id(&alice.token, "photo.jpg", &photo).await;

    for (size, want) in [("sm", (171, 256)), ("md", (400, 600)), ("lg", (400, 600))] {
        let r = app.preview(&id, size, &alice.token).await;
        assert_eq!(r.status, 200, "{size}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("image/jpeg"), "{size}");
        assert_eq!(image::guess_format(&r.body).ok(), Some(ImageFormat::Jpeg), "{size}");
        let img = decode(&r);
        // sm: 600×400 shrunk to 256×171, then turned a quarter clockwise. md and lg: the
        // photo is smaller than them, so it keeps its size (never enlarged).
        assert_eq!(img.dimensions(), want, "{size}");
        // Orientation 6 is a quarter turn clockwise: the left (red over green) edge becomes
        // the top, green on the left; the right (blue over white) edge the bottom.
        let (w, h) = want;
        assert_colour(&img, w / 4, h / 4, GREEN, size);
        assert_colour(&img, 3 * w / 4, h / 4, RED, size);
        assert_colour(&img, w / 4, 3 * h / 4, WHITE, size);
        assert_colour(&img, 3 * w / 4, 3 * h / 4, BLUE, size);

        let markers = jpeg_header_markers(&r.body);
        assert!(!markers.contains(&0xE1), "{size}: an APP1 segment is left: {markers:02x?}");
        assert!(!contains(&r.body, b"Exif"), "{size}: Exif data is left");
        assert!(!contains(&r.body, &gps_latitude_bytes()), "{size}: the GPS latitude is left");
        assert!(!contains(&r.body, &GPS_LATITUDE_ENTRY), "{size}: a GPS IFD entry is left");
    }
}

#[actix_web::test]
async fn a_small_image_is_never_enlarged() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let tiny = RgbImage::from_fn(40, 30, |x, _| Rgb(if x < 20 { RED } else { BLUE }));
    let id = app.upload_id(&alice.token, "tiny.jpg", &jpeg_of(&tiny)).await;
    for size in ["sm", "md", "lg"] {
        let r = app.preview(&id, size, &alice.token).await;
        assert_eq!(r.status, 200, "{size}: {}", r.text());
        let img = decode(&r);
        assert_eq!(img.dimensions(), (40, 30), "{size}");
        assert_colour(&img, 5, 15, RED, size);
        assert_colour(&img, 35, 15, BLUE, size);
    }
}

#[actix_web::test]
async fn a_png_with_transparency_stays_a_png_with_transparency() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    // Left half opaque red, right half fully transparent.
    let clear = RgbaImage::from_fn(300, 200, |x, _| {
        if x < 150 { Rgba([255, 0, 0, 255]) } else { Rgba([0, 0, 255, 0]) }
    });
    let bytes = png_of(&clear);
    let id = app.upload_id(&alice.token, "logo.png", &bytes).await;
    let r = app.preview(&id, "sm", &alice.token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert_eq!(image::guess_format(&r.body).ok(), Some(ImageFormat::Png));
    let img = decode(&r);
    assert_eq!(img.dimensions(), (256, 171));
    assert!(img.color().has_alpha(), "{:?}", img.color());
    assert_eq!(img.get_pixel(64, 85).0, [255, 0, 0, 255], "the opaque half");
    assert_eq!(img.get_pixel(200, 85).0[3], 0, "the transparent half stays transparent");
    let sha = sha256_hex(&bytes);
    assert!(app.thumbs_dir().join(format!("{sha}-sm.png")).is_file(), "cached as PNG");

    // An RGBA PNG with no transparent pixel is a photo like any other: JPEG.
    let opaque = RgbaImage::from_fn(300, 200, |_, _| Rgba([0, 255, 0, 255]));
    let id = app.upload_id(&alice.token, "opaque.png", &png_of(&opaque)).await;
    let r = app.preview(&id, "sm", &alice.token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("image/jpeg"));
    let img = decode(&r);
    assert_eq!(img.dimensions(), (256, 171));
    assert_colour(&img, 128, 85, GREEN, "opaque PNG");
}

#[actix_web::test]
async fn an_animated_gif_previews_its_first_frame() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let frame = |c: [u8; 3]| {
        Frame::from_parts(
            RgbaImage::from_pixel(320, 240, Rgba([c[0], c[1], c[2], 255])),
            0,
            0,
            Delay::from_numer_denom_ms(100, 1),
        )
    };
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        encoder.set_repeat(Repeat::Infinite).expect("repeat");
        encoder.encode_frames([frame(RED), frame(GREEN), frame(BLUE)]).expect("encode GIF");
    }
    let decoded = image::codecs::gif::GifDecoder::new(Cursor::new(&gif)).expect("a GIF");
    assert_eq!(
        image::AnimationDecoder::into_frames(decoded).count(),
        3,
        "the test GIF is animated"
    );
    let id = app.upload_id(&alice.token, "anim.gif", &gif).await;
    let r = app.preview(&id, "sm", &alice.token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(matches!(r.header("content-type"), Some("image/jpeg" | "image/png")));
    let img = decode(&r);
    assert_eq!(img.dimensions(), (256, 192));
    for (x, y) in [(10, 10), (128, 96), (245, 180)] {
        assert_colour(&img, x, y, RED, "the first frame");
    }
}

#[actix_web::test]
async fn a_webp_image_gets_a_thumbnail() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let picture = RgbImage::from_fn(500, 300, |_, y| Rgb(if y < 150 { GREEN } else { MAGENTA }));
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .encode(picture.as_raw(), 500, 300, ExtendedColorType::Rgb8)
        .expect("encode WebP");
    assert_eq!(image::guess_format(&webp).ok(), Some(ImageFormat::WebP));
    let id = app.upload_id(&alice.token, "pic.webp", &webp).await;
    for (size, want) in [("sm", (256, 154)), ("md", (500, 300))] {
        let r = app.preview(&id, size, &alice.token).await;
        assert_eq!(r.status, 200, "{size}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("image/jpeg"), "{size}");
        let img = decode(&r);
        assert_eq!(img.dimensions(), want, "{size}");
        assert_colour(&img, want.0 / 2, want.1 / 4, GREEN, size);
        assert_colour(&img, want.0 / 2, 3 * want.1 / 4, MAGENTA, size);
    }
    let r = app.preview(&id, "orig", &alice.token).await;
    assert_eq!(r.status, 200);
    assert!(r.body == webp, "orig is the file itself");
}

#[actix_web::test]
async fn unreadable_images_answer_422_and_the_server_keeps_working() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let data_dir = app.state.config.data_dir.to_string_lossy().into_owned();

    let whole = jpeg_of(&noise(800, 600));
    assert!(image::load_from_memory(&whole).is_ok(), "the whole JPEG is fine");
    let truncated = whole[..whole.len() / 2].to_vec();
    let mut fake_jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    fake_jpeg.extend(noise(100, 100).into_raw());
    let bomb = png_claiming(60_000);
    // The bomb's header is well formed: a decoder that trusted it would allocate 10 GB.
    let dims = image::ImageReader::new(Cursor::new(&bomb))
        .with_guessed_format()
        .expect("readable")
        .into_dimensions()
        .expect("a valid PNG header (length, type and CRC)");
    assert_eq!(dims, (60_000, 60_000));

    for (name, bytes) in [("cut.jpg", &truncated), ("fake.jpg", &fake_jpeg), ("bomb.png", &bomb)] {
        let item = app.upload(&alice.token, name, bytes).await;
        assert!(item["preview_url"].is_string(), "{name} is typed as an image: {item}");
        let id = id_of(&item);
        for size in ["sm", "md", "sm"] {
            let r = app.preview(&id, size, &alice.token).await;
            assert_eq!(r.status, 422, "{name} {size}: {}", r.text());
            assert_eq!(r.code(), "image_unreadable", "{name} {size}");
            assert!(!r.text().contains(&data_dir), "{name}: the detail names no path");
        }
        // Failed images are remembered: asking again does not decode again.
        let before = app.state.thumbs.decodes();
        assert_eq!(app.preview(&id, "md", &alice.token).await.status, 422);
        assert_eq!(app.state.thumbs.decodes(), before, "{name}: decoded again");
        // The original is still the file, whatever it holds.
        let r = app.preview(&id, "orig", &alice.token).await;
        assert_eq!(r.status, 200, "{name} orig");
        assert!(r.body == bytes.as_slice(), "{name} orig");
    }

    // Still serving thumbnails.
    let id = app.upload_id(&alice.token, "fine.jpg", &jpeg_of(&quadrants())).await;
    let r = app.preview(&id, "sm", &alice.token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(decode(&r).dimensions(), (256, 171));
    assert_eq!(app.me(&alice.token).await.status, 200);
}

#[actix_web::test]
async fn files_that_are_not_images_get_a_generic_icon_and_no_original() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    // Random bytes named like a photo are typed by their content (not an image), so they get
    // the icon rather than a decode attempt.
    let mut random = noise(64, 64).into_raw();
    random[0] = 0x00;
    for (name, bytes) in [("photo.jpg", random), ("notes.txt", b"just some notes".to_vec())] {
        let item = app.upload(&alice.token, name, &bytes).await;
        assert!(item.get("preview_url").is_none(), "{name}: {item}");
        let id = id_of(&item);
        let before = app.state.thumbs.decodes();
        let r = app.preview(&id, "sm", &alice.token).await;
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        assert_eq!(r.header("content-type"), Some("image/png"), "{name}");
        let icon = decode(&r);
        assert!(icon.width() > 0 && icon.height() > 0);
        assert_eq!(app.state.thumbs.decodes(), before, "{name}: the icon needs no decode");
        let etag = r.header("etag").expect("ETag").to_owned();
        let r = app
            .send(
                TestRequest::get()
                    .uri(&format!("/preview/{id}?size=md&token={}", alice.token))
                    .insert_header(("If-None-Match", etag)),
            )
            .await;
        assert_eq!(r.status, 304, "{name}: the icon has a validator too");

        let r = app.preview(&id, "orig", &alice.token).await;
        assert_eq!(r.status, 415, "{name}: {}", r.text());
        assert_eq!(r.code(), "unsupported_media");
        // And no preview token for it.
        assert_eq!(app.mint_url(&alice.token, &id, None).await.status, 415, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Cache, validators, headers

#[actix_web::test]
async fn a_thumbnail_is_decoded_once_and_then_served_from_disk() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bytes = jpeg_of(&noise(1600, 1200));
    let sha = sha256_hex(&bytes);
    let id = app.upload_id(&alice.token, "big.jpg", &bytes).await;
    // The upload warmed `sm` in the background; this waits for that (or makes it).
    assert_eq!(app.preview(&id, "sm", &alice.token).await.status, 200);
    assert!(app.thumbs_dir().join(format!("{sha}-sm.jpg")).is_file());
    assert!(!app.thumbs_dir().join(format!("{sha}-md.jpg")).exists());

    let before = app.state.thumbs.decodes();
    let first = app.preview(&id, "md", &alice.token).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(app.state.thumbs.decodes(), before + 1, "the first md decodes");
    assert_eq!(decode(&first).dimensions(), (1024, 768));
    let cached = std::fs::read(app.thumbs_dir().join(format!("{sha}-md.jpg"))).expect("cached");
    assert!(cached == first.body, "the cache holds what was sent");

    let second = app.preview(&id, "md", &alice.token).await;
    assert_eq!(second.status, 200);
    assert_eq!(app.state.thumbs.decodes(), before + 1, "the second md comes from the cache");
    assert!(second.body == first.body);

    // The same bytes under another name (one blob) share the thumbnails.
    let copy = app.upload_id(&alice.token, "copy.jpg", &bytes).await;
    let r = app.preview(&copy, "md", &alice.token).await;
    assert_eq!(r.status, 200);
    assert!(r.body == first.body);
    assert_eq!(app.state.thumbs.decodes(), before + 1, "one blob, one thumbnail per size");

    let lg = app.preview(&id, "lg", &alice.token).await;
    assert_eq!(decode(&lg).dimensions(), (1600, 1200), "lg: the photo is within 2048");
    assert_eq!(app.state.thumbs.decodes(), before + 2, "lg is a thumbnail of its own");
}

#[actix_web::test]
async fn concurrent_requests_for_a_missing_thumbnail_decode_it_once() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bytes = jpeg_of(&noise(1600, 1200));
    let id = app.upload_id(&alice.token, "big.jpg", &bytes).await;
    assert_eq!(app.preview(&id, "sm", &alice.token).await.status, 200); // the warm-up, done
    let before = app.state.thumbs.decodes();
    let answers =
        futures_util::future::join_all((0..8).map(|_| app.preview(&id, "lg", &alice.token))).await;
    for r in &answers {
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.body == answers[0].body, "every request got the same thumbnail");
    }
    assert_eq!(app.state.thumbs.decodes(), before + 1, "eight requests, one decode");
}

#[actix_web::test]
async fn deleting_the_last_copy_of_an_image_removes_its_thumbnails() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bytes = jpeg_of(&noise(600, 400));
    let sha = sha256_hex(&bytes);
    let first = app.upload_id(&alice.token, "a.jpg", &bytes).await;
    let second = app.upload_id(&alice.token, "b.jpg", &bytes).await;
    for size in ["sm", "md"] {
        assert_eq!(app.preview(&first, size, &alice.token).await.status, 200);
    }
    let thumb = |size: &str| app.thumbs_dir().join(format!("{sha}-{size}.jpg"));
    let delete = |uri: String| {
        TestRequest::delete()
            .uri(&uri)
            .insert_header(("Authorization", format!("Bearer {}", alice.token)))
    };
    for id in [&first, &second] {
        assert_eq!(app.send(delete(format!("/api/v1/files/{id}"))).await.status, 204);
        assert!(thumb("sm").is_file() && thumb("md").is_file(), "the trash keeps them");
    }
    assert_eq!(app.send(delete(format!("/api/v1/trash/{first}"))).await.status, 204);
    assert!(thumb("sm").is_file() && thumb("md").is_file(), "another file still shows them");
    assert_eq!(app.send(delete(format!("/api/v1/trash/{second}"))).await.status, 204);
    assert!(!thumb("sm").exists() && !thumb("md").exists(), "the last copy took them along");
}

#[actix_web::test]
async fn previews_carry_validators_safe_headers_and_answer_304_and_head() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bytes = jpeg_of(&quadrants());
    let sha = sha256_hex(&bytes);
    let id = app.upload_id(&alice.token, "photo.jpg", &bytes).await;
    let token = app.preview_token(&alice.token, &id, Some(json!({ "ttl_seconds": 120 }))).await;
    let url = format!("/preview/{id}?size=md&token={token}");
    let exp = claims_of(&token)["exp"].as_i64().expect("exp");

    let before = now();
    let r = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_max_age(&r, exp, before, now());
    let etag = r.header("etag").expect("ETag").to_owned();
    // Strong, and keyed: it must not give away the original's SHA-256 (issue #11).
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 20, "{etag}");
    assert!(!etag.contains(&sha), "{etag}");
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("sandbox"), "{csp}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("content-type"), Some("image/jpeg"));
    assert!(r.header("set-cookie").is_none());

    let before = now();
    let r =
        app.send(TestRequest::get().uri(&url).insert_header(("If-None-Match", etag.clone()))).await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_max_age(&r, exp, before, now());
    let r = app
        .send(TestRequest::get().uri(&url).insert_header(("If-None-Match", "\"other\", *")))
        .await;
    assert_eq!(r.status, 304, "`*` matches");
    let r = app
        .send(
            TestRequest::get().uri(&url).insert_header(("If-None-Match", format!("\"{sha}-sm\""))),
        )
        .await;
    assert_eq!(r.status, 200, "another size's validator is another thumbnail");

    let get = app.send(TestRequest::get().uri(&url)).await;
    let head = app.send(TestRequest::default().method(Method::HEAD).uri(&url)).await;
    assert_eq!(head.status, 200);
    for name in ["content-type", "etag", "referrer-policy", "x-content-type-options"] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }
    assert!(head.header("cache-control").is_some_and(|c| c.starts_with("private, max-age=")));
    // (`actix_web::test` hands back the handler's body even for HEAD; the server drops it on
    // the wire: `head_over_the_wire_sends_the_headers_only` checks that on the real binary.)

    // An access token is good for a week, but no cache keeps a preview over an hour.
    let r = app.preview(&id, "sm", &alice.token).await;
    assert_eq!(max_age(&r), 3600);
}

#[actix_web::test]
async fn only_one_segment_after_preview_is_an_id() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let token = app.preview_token(&alice.token, &id, None).await;
    let r = app.send(TestRequest::get().uri(&format!("/preview/{id}?token={token}"))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let unknown = app.send(TestRequest::get().uri("/no-such-page")).await;
    assert_eq!(unknown.status, 404);
    for path in ["/preview", "/preview/", &format!("/preview/{id}/"), &format!("/preview/{id}/x")] {
        let r = app.send(TestRequest::get().uri(&format!("{path}?token={token}"))).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(
            r.header("content-type"),
            unknown.header("content-type"),
            "{path}: the site's 404"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Preview tokens

#[actix_web::test]
async fn a_minted_preview_url_opens_its_file_at_thumbnail_sizes_and_nothing_else() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let photo = jpeg_of(&quadrants());
    let id = app.upload_id(&alice.token, "photo.jpg", &photo).await;
    let other = app.upload_id(&alice.token, "other.jpg", &jpeg_of(&noise(64, 64))).await;

    let r = app.mint_url(&alice.token, &id, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let minted = r.json();
    let token = minted["token"].as_str().expect("token").to_owned();
    let url = minted["url"].as_str().expect("url").to_owned();
    assert_eq!(url, format!("/preview/{id}?size=sm&token={token}"));
    let claims = claims_of(&token);
    assert_eq!(claims["typ"], "preview");
    assert_eq!(claims["iss"], "homedisk");
    assert_eq!(claims["aud"], "homedisk");
    assert_eq!(claims["sub"], alice.id.as_str());
    assert_eq!(claims["sid"], alice.session_id.as_str());
    assert_eq!(claims["fid"], id.as_str());
    assert_eq!(claims["sz"], "thumbs");
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let (iat, exp) = (claims["iat"].as_i64().expect("iat"), claims["exp"].as_i64().expect("exp"));
    assert_eq!(exp - iat, 3600, "the configured lifetime");
    assert_eq!(rfc3339(minted["expires_at"].as_str().expect("expires_at")), exp);

    let r = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(decode(&r).dimensions(), (256, 171));
    for size in ["md", "lg"] {
        assert_eq!(app.preview(&id, size, &token).await.status, 200, "{size}");
    }
    let r = app.preview(&id, "orig", &token).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "scope_insufficient");
    let r = app.preview(&id, "huge", &token).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "validation_failed");

    // Another file of the same user: not found, exactly like a missing one.
    let r = app.preview(&other, "sm", &token).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");
    let missing = app.preview(&uuid::Uuid::new_v4().to_string(), "sm", &token).await;
    assert_eq!(r.body, missing.body);

    // Not an API credential, wherever it is sent.
    for path in [
        "/api/v1/me".to_owned(),
        "/api/v1/files".to_owned(),
        format!("/api/v1/files/{id}"),
        format!("/api/v1/files/{id}/content"),
    ] {
        let r = app.get_bearer(&path, &token).await;
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.code(), "token_invalid", "{path}");
    }
    let r = app.post_bearer(&format!("/api/v1/files/{id}/preview-url"), &token).await;
    assert_eq!(r.code(), "token_invalid", "a preview token cannot mint another");
    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/files/{id}"))
                .insert_header(("Authorization", format!("Bearer {token}"))),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_invalid");
    let r = app.send(TestRequest::get().uri("/files").cookie(session_cookie(&token))).await;
    assert_ne!(r.status, 200, "nor a web session cookie");
    // The preview route only reads.
    for method in [Method::DELETE, Method::POST, Method::PUT] {
        let r = app
            .send(
                TestRequest::default()
                    .method(method.clone())
                    .uri(&format!("/preview/{id}?token={token}")),
            )
            .await;
        assert_eq!(r.status, 405, "{method}");
    }
    // Nothing was deleted.
    let r = app.get_bearer(&format!("/api/v1/files/{id}/content"), &alice.token).await;
    assert_eq!(r.status, 200);
    assert!(r.body == photo);
}

#[actix_web::test]
async fn an_orig_preview_token_opens_the_original_and_every_thumbnail() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let photo = with_exif(&jpeg_of(&quadrants()), 6);
    let id = app.upload_id(&alice.token, "photo.jpg", &photo).await;
    let r =
        app.mint_url(&alice.token, &id, Some(json!({ "size": "orig", "ttl_seconds": 60 }))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let minted = r.json();
    let token = minted["token"].as_str().expect("token").to_owned();
    assert_eq!(minted["url"], format!("/preview/{id}?size=orig&token={token}"));
    let claims = claims_of(&token);
    assert_eq!(claims["sz"], "all");
    assert_eq!(
        claims["exp"].as_i64().expect("a number") - claims["iat"].as_i64().expect("a number"),
        60
    );

    let r = app.preview(&id, "orig", &token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.body == photo, "the original, byte for byte");
    assert_eq!(r.header("content-type"), Some("image/jpeg"));
    assert!((0..=60).contains(&max_age(&r)), "{:?}", r.header("cache-control"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    for size in ["sm", "md", "lg"] {
        let r = app.preview(&id, size, &token).await;
        assert_eq!(r.status, 200, "{size}");
    }

    for (body, field) in [
        (json!({ "size": "md" }), None),
        (json!({ "size": "xl" }), Some("size")),
        (json!({ "ttl_seconds": 0 }), Some("ttl_seconds")),
        (json!({ "ttl_seconds": 3601 }), Some("ttl_seconds")),
        (json!({ "ttl_seconds": 3600 }), None),
    ] {
        let r = app.mint_url(&alice.token, &id, Some(body.clone())).await;
        match field {
            None => {
                assert_eq!(r.status, 200, "{body}: {}", r.text());
                assert_eq!(claims_of(r.json()["token"].as_str().expect("token"))["sz"], "thumbs");
            }
            Some(field) => {
                assert_eq!(r.status, 400, "{body}: {}", r.text());
                assert!(r.json()["errors"][field].is_array(), "{body}: {}", r.text());
            }
        }
    }
    let r = app.mint_url(&alice.token, &id, Some(json!({ "ttl_seconds": -5 }))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let r = app.mint_url(&alice.token, &id, Some(json!({ "unknown": 1 }))).await;
    assert_eq!(r.status, 400, "{}", r.text());
}

#[actix_web::test]
async fn a_lower_configured_lifetime_bounds_ttl_seconds() {
    let app = spawn_with(&[("HOMEDISK_PREVIEW_TTL_SECONDS", "300")]).await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let r = app.mint_url(&alice.token, &id, Some(json!({ "ttl_seconds": 301 }))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()["errors"]["ttl_seconds"].is_array());
    let token = app.preview_token(&alice.token, &id, None).await;
    let c = claims_of(&token);
    assert_eq!(c["exp"].as_i64().expect("a number") - c["iat"].as_i64().expect("a number"), 300);
}

#[actix_web::test]
async fn listings_uploads_and_metadata_carry_a_working_thumbnail_url_for_images_only() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let r = app.send(upload_req(&alice.token, "photo.jpg", &jpeg_of(&quadrants()))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let uploaded = r.json()["items"][0].clone();
    let id = id_of(&uploaded);
    app.upload(&alice.token, "notes.txt", b"text").await;

    let meta = app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await.json();
    let listing = app.get_bearer("/api/v1/files", &alice.token).await.json();
    let items = listing["items"].as_array().expect("items");
    let text = items.iter().find(|i| i["name"] == "notes.txt").expect("notes.txt");
    assert!(text.get("preview_url").is_none(), "{text}");
    let listed = items.iter().find(|i| i["name"] == "photo.jpg").expect("photo.jpg");

    for (what, item) in [("upload", &uploaded), ("metadata", &meta), ("listing", listed)] {
        let url = item["preview_url"].as_str().unwrap_or_else(|| panic!("{what}: {item}"));
        assert!(url.starts_with(&format!("/preview/{id}?size=sm&token=")), "{what}: {url}");
        let token = token_in(url);
        let claims = claims_of(&token);
        assert_eq!(claims["typ"], "preview", "{what}");
        assert_eq!(claims["fid"], id.as_str(), "{what}");
        assert_eq!(claims["sz"], "thumbs", "{what}: a listing URL opens thumbnails only");
        assert_eq!(claims["sid"], alice.session_id.as_str(), "{what}");
        assert!(claims["exp"].as_i64().expect("a number") > now(), "{what}");
        let r = app.send(TestRequest::get().uri(url)).await;
        assert_eq!(r.status, 200, "{what}: {}", r.text());
        assert_eq!(decode(&r).dimensions(), (256, 171), "{what}");
        let r = app.preview(&id, "orig", &token).await;
        assert_eq!(r.status, 403, "{what}");
        assert_eq!(r.code(), "scope_insufficient");
    }

    // The URL dies with the session that listed it.
    let url = listed["preview_url"].as_str().expect("preview_url").to_owned();
    assert_eq!(app.post_bearer("/api/v1/auth/logout", &alice.token).await.status, 204);
    let r = app.send(TestRequest::get().uri(&url)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_revoked");
}

#[actix_web::test]
async fn a_preview_token_never_outlives_its_session() {
    let app = spawn_with(&[("HOMEDISK_API_TOKEN_TTL_SECONDS", "600")]).await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let sessions = app.get_bearer("/api/v1/sessions", &alice.token).await.json();
    let session = &sessions["items"][0];
    assert_eq!(session["id"], alice.session_id.as_str());
    let session_end = rfc3339(session["expires_at"].as_str().expect("expires_at"));
    assert!(session_end <= now() + 600);

    let r = app.mint_url(&alice.token, &id, Some(json!({ "ttl_seconds": 3600 }))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let minted = r.json();
    let expires_at = rfc3339(minted["expires_at"].as_str().expect("expires_at"));
    assert_eq!(expires_at, session_end, "cut to the session's end, not 3600 s");
    let token = minted["token"].as_str().expect("token").to_owned();
    assert_eq!(claims_of(&token)["exp"].as_i64().expect("a number"), session_end);
    let before = now();
    let r = app.preview(&id, "sm", &token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_max_age(&r, session_end, before, now());

    let listed = app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await.json();
    let token = token_in(listed["preview_url"].as_str().expect("preview_url"));
    assert!(claims_of(&token)["exp"].as_i64().expect("a number") <= session_end);

    // An access token's previews are cached no longer than it lives either.
    let exp = claims_of(&alice.token)["exp"].as_i64().expect("exp");
    assert!(exp <= session_end);
    let before = now();
    let r = app.preview(&id, "sm", &alice.token).await;
    assert_max_age(&r, exp, before, now());
}

// ---------------------------------------------------------------------------------------------
// Every way a session ends ends its preview tokens

#[actix_web::test]
async fn logout_ends_the_preview_tokens_of_that_session_only() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let other = app.login_as(&alice, "app").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let mine = app.preview_token(&alice.token, &id, None).await;
    let theirs = app.preview_token(&other, &id, None).await;
    assert_eq!(app.preview(&id, "sm", &mine).await.status, 200);

    assert_eq!(app.post_bearer("/api/v1/auth/logout", &alice.token).await.status, 204);
    let r = app.preview(&id, "sm", &mine).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_revoked");
    assert_eq!(app.preview(&id, "sm", &theirs).await.status, 200);
}

#[actix_web::test]
async fn logout_all_ends_every_preview_token() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let other = app.login_as(&alice, "app").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let tokens = [
        app.preview_token(&alice.token, &id, None).await,
        app.preview_token(&other, &id, Some(json!({ "size": "orig" }))).await,
    ];
    for t in &tokens {
        assert_eq!(app.preview(&id, "sm", t).await.status, 200);
    }
    assert_eq!(app.post_bearer("/api/v1/auth/logout-all", &other).await.status, 204);
    for t in &tokens {
        let r = app.preview(&id, "sm", t).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.code(), "token_revoked");
    }
}

#[actix_web::test]
async fn a_password_change_ends_the_preview_tokens_of_the_other_sessions() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let other = app.login_as(&alice, "app").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let theirs = app.preview_token(&other, &id, None).await;
    let mine = app.preview_token(&alice.token, &id, None).await;
    assert_eq!(app.preview(&id, "sm", &theirs).await.status, 200);

    let r = app.change_password(&alice.token, PASSWORD, "a new password").await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.preview(&id, "sm", &theirs).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_revoked");
    assert_eq!(app.preview(&id, "sm", &mine).await.status, 200, "this session goes on");
}

#[actix_web::test]
async fn revoking_a_session_ends_its_preview_tokens() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let phone = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "alice", "password": PASSWORD, "client": "app" }),
        )
        .await
        .json();
    let phone_token = phone["token"].as_str().expect("token").to_owned();
    let phone_sid = phone["session_id"].as_str().expect("sid").to_owned();
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let token = app.preview_token(&phone_token, &id, None).await;
    assert_eq!(claims_of(&token)["sid"], phone_sid.as_str());
    assert_eq!(app.preview(&id, "sm", &token).await.status, 200);

    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/sessions/{phone_sid}"))
                .insert_header(("Authorization", format!("Bearer {}", alice.token))),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.preview(&id, "sm", &token).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_revoked");
    let r = app.preview(&id, "sm", &phone_token).await;
    assert_eq!(r.code(), "token_revoked", "nor the session's access token in the query");
}

#[actix_web::test]
async fn disabling_a_user_ends_their_preview_tokens() {
    let app = spawn_app().await;
    app.register("admin").await;
    let bob = app.register("bob").await;
    let id = app.upload_id(&bob.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let token = app.preview_token(&bob.token, &id, None).await;
    assert_eq!(app.preview(&id, "sm", &token).await.status, 200);
    homedisk::db::models::users::set_state(
        &mut app.conn(),
        &homedisk::db::ids::UserId(bob.id.clone()),
        homedisk::db::models::users::UserState::Disabled,
    )
    .expect("disable");
    // As on the API (`/api/v1/me` answers the same): 403 `user_disabled`.
    let api = app.me(&bob.token).await;
    for r in [app.preview(&id, "sm", &token).await, app.preview(&id, "sm", &bob.token).await] {
        assert_eq!(r.status, api.status);
        assert_eq!(r.status, 403);
        assert_eq!(r.code(), "user_disabled");
    }
}

/// Moves a session's time column `secs` from now.
fn set_session_time(app_conn: &mut homedisk::db::PooledConn, sid: &str, column: &str, secs: i64) {
    use diesel::prelude::*;
    use homedisk::db::schema::sessions::dsl;
    let t = chrono::Utc::now().naive_utc() + chrono::Duration::seconds(secs);
    let row = diesel::update(dsl::sessions.filter(dsl::id.eq(sid.to_owned())));
    match column {
        "expires_at" => row.set(dsl::expires_at.eq(t)).execute(app_conn),
        "last_used_at" => row.set(dsl::last_used_at.eq(t)).execute(app_conn),
        "created_at" => row.set(dsl::created_at.eq(t)).execute(app_conn),
        other => panic!("no time column {other}"),
    }
    .expect("update session");
}

#[actix_web::test]
async fn a_session_past_its_end_in_the_database_ends_its_preview_tokens() {
    // The token's own `exp` is still ahead: only the session row says it is over.
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let token = app.preview_token(&alice.token, &id, None).await;
    let sid = claims_of(&token)["sid"].as_str().expect("sid").to_owned();
    assert_eq!(app.preview(&id, "sm", &token).await.status, 200);
    set_session_time(&mut app.conn(), &sid, "expires_at", -1);
    for t in [&token, &alice.token] {
        let r = app.preview(&id, "sm", t).await;
        assert_eq!(r.status, 401, "{}", r.text());
        assert_eq!(r.code(), "token_expired");
    }
    set_session_time(&mut app.conn(), &sid, "expires_at", 30);
    assert_eq!(app.preview(&id, "sm", &token).await.status, 200);
}

#[actix_web::test]
async fn using_a_preview_notes_the_session_as_used_at_most_once_a_minute() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let token = app.preview_token(&alice.token, &id, None).await;
    let sid = claims_of(&token)["sid"].as_str().expect("sid").to_owned();
    let last_used = |app: &dyn Fn() -> homedisk::db::PooledConn| {
        use homedisk::db::schema::sessions::dsl;
        dsl::sessions
            .filter(dsl::id.eq(homedisk::db::ids::SessionId(sid.clone())))
            .select(dsl::last_used_at)
            .get_result::<chrono::NaiveDateTime>(&mut app())
            .expect("last_used_at")
    };
    let conn = || app.conn();
    // Used 10 s ago: not noted again.
    set_session_time(&mut app.conn(), &sid, "last_used_at", -10);
    let before = last_used(&conn);
    assert_eq!(app.preview(&id, "sm", &token).await.status, 200);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(last_used(&conn), before);
    // Used two minutes ago: noted (in the background, after the answer).
    set_session_time(&mut app.conn(), &sid, "last_used_at", -120);
    let stale = last_used(&conn);
    assert_eq!(app.preview(&id, "sm", &token).await.status, 200);
    let mut noted = false;
    for _ in 0..50 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        if last_used(&conn) > stale + chrono::Duration::seconds(100) {
            noted = true;
            break;
        }
    }
    assert!(noted, "the session's use was not noted");
}

#[actix_web::test]
async fn expired_and_forged_preview_tokens_are_refused() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;

    // A token signed with the app's key works (so the refusals below are about the claims).
    let good = app.mint(&preview_claims(&alice, &id));
    assert_eq!(app.preview(&id, "sm", &good).await.status, 200);

    let mut expired = preview_claims(&alice, &id);
    expired["iat"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    let r = app.preview(&id, "sm", &app.mint(&expired)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_expired");

    let mut access = claims_for(&alice);
    access["iat"] = json!(now() - 7200);
    access["exp"] = json!(now() - 3600);
    let r = app.preview(&id, "sm", &app.mint(&access)).await;
    assert_eq!(r.code(), "token_expired", "an expired access token in the query");

    let (head, _) = good.rsplit_once('.').expect("JWT");
    let tampered = format!("{head}.{}", URL_SAFE_NO_PAD.encode([7u8; 32]));
    let r = app.preview(&id, "sm", &tampered).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_invalid");

    // Bob's session cannot stand behind a token that names alice.
    let mut mixed = preview_claims(&alice, &id);
    mixed["sid"] = json!(bob.session_id);
    let r = app.preview(&id, "sm", &app.mint(&mixed)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_invalid");

    let mut other_type = preview_claims(&alice, &id);
    other_type["typ"] = json!("refresh");
    assert_eq!(app.preview(&id, "sm", &app.mint(&other_type)).await.code(), "token_invalid");

    for junk in ["junk", "a.b.c", ""] {
        let r = app.send(TestRequest::get().uri(&format!("/preview/{id}?token={junk}"))).await;
        assert_eq!(r.status, 401, "{junk:?}");
    }
    let r = app.send(TestRequest::get().uri(&format!("/preview/{id}"))).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_missing");
}

// ---------------------------------------------------------------------------------------------
// Access tokens and users

#[actix_web::test]
async fn an_access_token_in_the_query_opens_previews_but_not_the_api() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let photo = jpeg_of(&quadrants());
    let id = app.upload_id(&alice.token, "photo.jpg", &photo).await;
    for size in ["sm", "md", "lg"] {
        let r = app.preview(&id, size, &alice.token).await;
        assert_eq!(r.status, 200, "{size}: {}", r.text());
    }
    let r = app.preview(&id, "orig", &alice.token).await;
    assert_eq!(r.status, 200);
    assert!(r.body == photo);
    let r = app.send(TestRequest::get().uri(&format!("/preview/{id}?token={}", alice.token))).await;
    assert_eq!(decode(&r).dimensions(), (256, 171), "sm is the default size");

    let r = app.send(TestRequest::get().uri(&format!("/api/v1/me?token={}", alice.token))).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_missing");
    let r = app
        .send(TestRequest::get().uri(&format!("/api/v1/files/{id}/content?token={}", alice.token)))
        .await;
    assert_eq!(r.code(), "token_missing");
}

#[actix_web::test]
async fn an_access_token_without_files_read_opens_no_preview() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            json!({ "login": "alice", "password": PASSWORD, "scope": "files:write" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["scope"], "files:write");
    let write_only = r.json()["token"].as_str().expect("token").to_owned();
    for size in ["sm", "orig"] {
        let r = app.preview(&id, size, &write_only).await;
        assert_eq!(r.status, 403, "{size}");
        assert_eq!(r.code(), "scope_insufficient", "{size}");
    }
    let r = app.get_bearer(&format!("/preview/{id}"), &write_only).await;
    assert_eq!(r.status, 403, "from a header too");
    let r = app.mint_url(&write_only, &id, None).await;
    assert_eq!(r.status, 403, "nor can it mint a preview token");
}

#[actix_web::test]
async fn query_access_tokens_can_be_switched_off() {
    let app = spawn_with(&[("HOMEDISK_QUERY_ACCESS_TOKENS", "false")]).await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let r = app.preview(&id, "sm", &alice.token).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_invalid");
    // Preview tokens still work from the query, access tokens from headers.
    let token = app.preview_token(&alice.token, &id, None).await;
    assert_eq!(app.preview(&id, "sm", &token).await.status, 200);
    let r = app.get_bearer(&format!("/preview/{id}?size=sm"), &alice.token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let listed = app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await.json();
    let url = listed["preview_url"].as_str().expect("preview_url");
    assert_eq!(app.send(TestRequest::get().uri(url)).await.status, 200);
}

#[actix_web::test]
async fn another_users_file_is_404_like_a_missing_one() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let bobs = app.upload_id(&bob.token, "bob.jpg", &jpeg_of(&noise(64, 64))).await;
    let missing_id = uuid::Uuid::new_v4().to_string();

    let missing = app.preview(&missing_id, "sm", &bob.token).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "not_found");
    let bob_preview = app.preview_token(&bob.token, &bobs, None).await;
    let attempts = [
        ("access token, query", app.preview(&id, "sm", &bob.token).await),
        ("access token, orig", app.preview(&id, "orig", &bob.token).await),
        ("access token, header", app.get_bearer(&format!("/preview/{id}"), &bob.token).await),
        ("his own file's preview token", app.preview(&id, "sm", &bob_preview).await),
        ("minting", app.mint_url(&bob.token, &id, None).await),
    ];
    for (what, r) in attempts {
        assert_eq!(r.status, 404, "{what}: {}", r.text());
        assert_eq!(r.body, missing.body, "{what}: not like a missing file");
    }
    // Alice's own preview token still opens it, and only for her file.
    let token = app.preview_token(&alice.token, &id, None).await;
    assert_eq!(app.preview(&id, "sm", &token).await.status, 200);
    assert_eq!(app.preview(&bobs, "sm", &token).await.status, 404);

    // A deleted file's preview token finds nothing.
    let r = app
        .send(
            TestRequest::delete()
                .uri(&format!("/api/v1/files/{id}"))
                .insert_header(("Authorization", format!("Bearer {}", alice.token))),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = app.preview(&id, "sm", &token).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "not_found");
}

#[actix_web::test]
async fn every_header_token_source_and_the_web_cookie_open_previews() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let photo = jpeg_of(&quadrants());
    let id = app.upload_id(&alice.token, "photo.jpg", &photo).await;
    let cookie = app.web_login("alice", PASSWORD).await;
    assert_eq!(claims_of(&cookie)["cli"], "web");

    let t = alice.token.clone();
    let uri = format!("/preview/{id}?size=md");
    let requests = [
        ("web cookie", TestRequest::get().cookie(session_cookie(&cookie))),
        ("bearer", TestRequest::get().insert_header(("Authorization", format!("Bearer {t}")))),
        (
            "basic",
            TestRequest::get().insert_header((
                "Authorization",
                format!("Basic {}", STANDARD.encode(format!("{t}:"))),
            )),
        ),
        ("token header", TestRequest::get().insert_header(("token", t.clone()))),
        ("z-token header", TestRequest::get().insert_header(("z-token", t.clone()))),
    ];
    for (what, req) in requests {
        let r = app.send(req.uri(&uri)).await;
        assert_eq!(r.status, 200, "{what}: {}", r.text());
        assert_eq!(decode(&r).dimensions(), (600, 400), "{what}");
    }
    let r = app
        .send(
            TestRequest::get()
                .uri(&format!("/preview/{id}?size=orig"))
                .cookie(session_cookie(&cookie)),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body == photo, "the cookie opens the original too");

    // The query comes first: a bad query token is not rescued by a good cookie.
    let r = app
        .send(
            TestRequest::get()
                .uri(&format!("/preview/{id}?token=junk"))
                .cookie(session_cookie(&cookie)),
        )
        .await;
    assert_eq!(r.status, 401);

    // Logging out of the web ends the cookie's previews.
    let csrf = app.page_csrf("/logout", &cookie).await;
    let r = app
        .send(
            TestRequest::post()
                .uri("/logout")
                .cookie(session_cookie(&cookie))
                .set_form([("csrf_token", csrf.as_str())]),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = app.send(TestRequest::get().uri(&uri).cookie(session_cookie(&cookie))).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_revoked");
}

// ---------------------------------------------------------------------------------------------
// Logging

#[actix_web::test]
async fn preview_tokens_never_reach_the_log() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let listed = app.get_bearer(&format!("/api/v1/files/{id}"), &alice.token).await.json();
    let listed = token_in(listed["preview_url"].as_str().expect("preview_url"));
    let minted = app.preview_token(&alice.token, &id, Some(json!({ "size": "orig" }))).await;
    let mut expired = preview_claims(&alice, &id);
    expired["exp"] = json!(now() - 3600);
    let expired = app.mint(&expired);
    let (head, _) = minted.rsplit_once('.').expect("JWT");
    let tampered = format!("{head}.{}", URL_SAFE_NO_PAD.encode([9u8; 32]));

    let cases = [
        (&listed, "sm", 200),
        (&minted, "orig", 200),
        (&minted, "md", 200),
        (&alice.token, "lg", 200),
        (&listed, "orig", 403),
        (&expired, "sm", 401),
        (&tampered, "sm", 401),
    ];
    for (token, size, status) in cases {
        assert_eq!(app.preview(&id, size, token).await.status, status, "{size}");
    }
    let r =
        app.send(TestRequest::get().uri(&format!("/preview/{id}?token={minted}&size=xx"))).await;
    assert_eq!(r.status, 400);
    let r =
        app.send(TestRequest::delete().uri(&format!("/preview/{id}?token={minted}&size=sm"))).await;
    assert_eq!(r.status, 405);

    let log = app.log.text();
    assert!(log.contains(&format!("GET /preview/{id}")), "the access log is captured: {log}");
    assert!(log.contains("token=REDACTED"), "{log}");
    for token in [&listed, &minted, &expired, &tampered, &alice.token] {
        assert!(!log.contains(signature(token)), "a token leaked into the log: {log}");
    }
}

#[actix_web::test]
async fn a_percent_encoded_token_parameter_is_redacted_too() {
    let app = spawn_app().await;
    let alice = app.register("alice").await;
    let id = app.upload_id(&alice.token, "photo.jpg", &jpeg_of(&quadrants())).await;
    let token = app.preview_token(&alice.token, &id, None).await;
    let r =
        app.send(TestRequest::get().uri(&format!("/preview/{id}?size=sm&tok%65n={token}"))).await;
    assert_eq!(r.status, 200, "the decoded name is `token`: {}", r.text());
    let log = app.log.text();
    assert!(log.contains(&format!("GET /preview/{id}")), "{log}");
    assert!(!log.contains(signature(&token)), "the token leaked into the log: {log}");
}

// ---------------------------------------------------------------------------------------------
// The real server

fn header_in<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn head_over_the_wire_sends_the_headers_only() {
    let server = Server::start();
    let (status, _, body) = server
        .http(
            "POST",
            "/api/v1/auth/register",
            &[("Content-Type", "application/json")],
            br#"{"username":"alice","password":"correct horse battery"}"#,
        )
        .expect("register");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).expect("JSON");
    let token = v["token"].as_str().expect("token").to_owned();

    let boundary = "----homedisk-preview-wire";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    form.extend_from_slice(&jpeg_of(&quadrants()));
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let auth = format!("Bearer {token}");
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let (status, _, body) = server
        .http(
            "POST",
            "/api/v1/files",
            &[("Authorization", &auth), ("Content-Type", &content_type)],
            &form,
        )
        .expect("upload");
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).expect("JSON");
    let url = v["items"][0]["preview_url"].as_str().expect("preview_url").to_owned();

    let (status, get_head, get_body) = server.http("GET", &url, &[], b"").expect("GET");
    assert_eq!(status, 200, "{get_head}");
    assert_eq!(image::load_from_memory(&get_body).expect("a JPEG").dimensions(), (256, 171));
    let (status, head_head, head_body) = server.http("HEAD", &url, &[], b"").expect("HEAD");
    assert_eq!(status, 200, "{head_head}");
    assert!(head_body.is_empty(), "HEAD sent {} body bytes", head_body.len());
    for name in ["content-type", "etag", "referrer-policy", "x-content-type-options"] {
        assert!(header_in(&head_head, name).is_some(), "{name}: {head_head}");
        assert_eq!(header_in(&head_head, name), header_in(&get_head, name), "{name}");
    }
    // (max-age counts down, so it may differ by a second between the two answers.)
    let cache = header_in(&head_head, "cache-control").unwrap_or_default();
    assert!(cache.starts_with("private, max-age="), "{cache}");
    let get_length = get_body.len().to_string();
    assert_eq!(header_in(&get_head, "content-length"), Some(get_length.as_str()));
}
