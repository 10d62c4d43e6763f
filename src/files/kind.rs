//! What a file is, for people: the icon that stands for it in listings, and the viewer its
//! page may show. Decided from the content type homedisk sniffed from the bytes at upload
//! (never the one a client claimed) and, for documents the sniffer files under a container
//! type (a `.docx` is a ZIP), from the name's extension.

/// The family a file belongs to; each has an icon in `static/icons/{as_str}.svg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Folder,
    Image,
    Video,
    Audio,
    Pdf,
    Text,
    Archive,
    Document,
    Spreadsheet,
    Generic,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Folder,
        Kind::Image,
        Kind::Video,
        Kind::Audio,
        Kind::Pdf,
        Kind::Text,
        Kind::Archive,
        Kind::Document,
        Kind::Spreadsheet,
        Kind::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Folder => "folder",
            Kind::Image => "image",
            Kind::Video => "video",
            Kind::Audio => "audio",
            Kind::Pdf => "pdf",
            Kind::Text => "text",
            Kind::Archive => "archive",
            Kind::Document => "document",
            Kind::Spreadsheet => "spreadsheet",
            Kind::Generic => "file",
        }
    }

    /// The kind of a file named `name` whose sniffed type is `mime`.
    pub fn of(is_folder: bool, mime: Option<&str>, name: &str) -> Kind {
        if is_folder {
            return Kind::Folder;
        }
        let ext = extension(name);
        if let Some(kind) = by_extension(&ext) {
            return kind;
        }
        let mime = mime.unwrap_or_default();
        let (top, sub) = mime.split_once('/').unwrap_or((mime, ""));
        match (top, sub) {
            ("image", _) => Kind::Image,
            ("video", _) => Kind::Video,
            ("audio", _) => Kind::Audio,
            ("application", "pdf") => Kind::Pdf,
            ("text", _) | ("application", "xml" | "json") => Kind::Text,
            (
                "application",
                "zip" | "gzip" | "x-tar" | "x-bzip2" | "x-xz" | "x-7z-compressed" | "vnd.rar"
                | "x-rar-compressed" | "zstd" | "x-zstd",
            ) => Kind::Archive,
            _ if sub.contains("spreadsheet") || sub.contains("excel") => Kind::Spreadsheet,
            _ if sub.contains("wordprocessing") || sub.contains("msword") || sub == "rtf" => {
                Kind::Document
            }
            _ if sub.contains("presentation") || sub.contains("powerpoint") => Kind::Document,
            _ => Kind::Generic,
        }
    }
}

fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// Names whose sniffed type says too little (office files are ZIPs; a CSV is plain text).
fn by_extension(ext: &str) -> Option<Kind> {
    Some(match ext {
        "xlsx" | "xls" | "ods" | "csv" | "tsv" | "numbers" => Kind::Spreadsheet,
        "docx" | "doc" | "odt" | "rtf" | "pages" | "pptx" | "ppt" | "odp" | "key" | "epub" => {
            Kind::Document
        }
        _ => return None,
    })
}

/// How a file's page shows its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// The large preview image (`preview::is_previewable`).
    Image,
    /// The browser's own PDF viewer, in a frame of the inline route.
    Pdf,
    /// The first MiB as escaped text with line numbers (`text_preview`).
    Text,
    /// `<video>` / `<audio>` on the Range-capable inline route.
    Video,
    Audio,
    /// Nothing to show: the icon and the download button.
    None,
}

/// Video types the `<video>` element gets (what browsers commonly play).
const VIDEO: &[&str] = &["video/mp4", "video/webm", "video/ogg", "video/quicktime"];
/// Audio types the `<audio>` element gets.
const AUDIO: &[&str] = &[
    "audio/mpeg",
    "audio/mp4",
    "audio/m4a",
    "audio/x-m4a",
    "audio/aac",
    "audio/ogg",
    "audio/opus",
    "audio/wav",
    "audio/x-wav",
    "audio/flac",
    "audio/x-flac",
    "audio/webm",
];

impl Viewer {
    /// The viewer for a file of sniffed type `mime`. Whatever could run script (HTML, SVG,
    /// XML) is shown as text, never rendered.
    pub fn of(mime: Option<&str>) -> Viewer {
        let mime = mime.unwrap_or_default();
        if crate::preview::is_previewable(mime) {
            Viewer::Image
        } else if mime == "application/pdf" {
            Viewer::Pdf
        } else if VIDEO.contains(&mime) {
            Viewer::Video
        } else if AUDIO.contains(&mime) {
            Viewer::Audio
        } else if mime.starts_with("text/")
            || matches!(mime, "application/xml" | "application/json" | "image/svg+xml")
        {
            Viewer::Text
        } else {
            Viewer::None
        }
    }

    /// Whether the inline route sends this file with its own type (the others get the
    /// attachment rules of downloads).
    pub fn is_inline(self) -> bool {
        matches!(self, Viewer::Pdf | Viewer::Video | Viewer::Audio)
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, Viewer};

    #[test]
    fn kinds_come_from_the_sniffed_type_and_office_extensions() {
        assert_eq!(Kind::of(true, None, "Photos"), Kind::Folder);
        assert_eq!(Kind::of(false, Some("image/svg+xml"), "a.svg"), Kind::Image);
        assert_eq!(Kind::of(false, Some("video/mp4"), "clip.mp4"), Kind::Video);
        assert_eq!(Kind::of(false, Some("audio/mpeg"), "song.mp3"), Kind::Audio);
        assert_eq!(Kind::of(false, Some("application/pdf"), "x"), Kind::Pdf);
        assert_eq!(Kind::of(false, Some("text/plain"), "main.rs"), Kind::Text);
        assert_eq!(Kind::of(false, Some("application/zip"), "a.zip"), Kind::Archive);
        assert_eq!(Kind::of(false, Some("application/zip"), "Report.DOCX"), Kind::Document);
        assert_eq!(Kind::of(false, Some("text/plain"), "sums.csv"), Kind::Spreadsheet);
        assert_eq!(Kind::of(false, Some("application/octet-stream"), "x.bin"), Kind::Generic);
        assert_eq!(Kind::of(false, None, "noext"), Kind::Generic);
    }

    #[test]
    fn active_content_is_only_ever_shown_as_text() {
        for mime in ["text/html", "image/svg+xml", "application/xml", "text/plain"] {
            assert_eq!(Viewer::of(Some(mime)), Viewer::Text, "{mime}");
            assert!(!Viewer::of(Some(mime)).is_inline(), "{mime}");
        }
        assert_eq!(Viewer::of(Some("application/pdf")), Viewer::Pdf);
        assert_eq!(Viewer::of(Some("video/mp4")), Viewer::Video);
        assert_eq!(Viewer::of(Some("audio/x-wav")), Viewer::Audio);
        assert_eq!(Viewer::of(Some("image/png")), Viewer::Image);
        assert_eq!(Viewer::of(Some("application/zip")), Viewer::None);
        assert_eq!(Viewer::of(None), Viewer::None);
    }
}
