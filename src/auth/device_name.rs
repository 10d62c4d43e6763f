//! Device names in words for the session list and the audit log ("Chrome on Linux", "Safari on
//! iPhone", "homedisk app on Android"), read from the User-Agent.
//!
//! A hand matcher rather than a UA-parsing crate: the list shows a browser family and a
//! platform, which a dozen ordered substring checks decide; the crates (`woothee`,
//! `uaparser` with its regex database) add a build and a data file for detail we do not show.
//! Our own app identifies itself with a User-Agent starting `homedisk-app/VERSION`, and
//! names its platform in the usual way, e.g. `homedisk-app/1.4 (Android 14; Pixel 8)`.
//!
//! Brand names are the same in every language; the page joins them ("{browser} on {os}") in
//! its own language (`describe` with that language's `Words`), the API in English.

/// What the User-Agent says, in parts the page puts into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceName {
    pub client: Option<Client>,
    pub platform: Option<&'static str>,
}

/// The program: a browser family (a brand name), homedisk's own app, or a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    Browser(&'static str),
    HomediskApp,
}

/// Our app's User-Agent prefix.
pub const APP_PREFIX: &str = "homedisk-app/";

/// Browsers, most specific first: Edge, Opera and Samsung Internet say "Chrome" too, Chrome
/// says "Safari", and the iOS ones say "Safari" with their own token.
const BROWSERS: &[(&str, &str)] = &[
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// Command-line tools and WebDAV clients, by their prefix.
const TOOLS: &[(&str, &str)] = &[
    ("curl/", "curl"),
    ("Wget/", "Wget"),
    ("rclone/", "rclone"),
    ("Microsoft-WebDAV-MiniRedir/", "Windows Explorer"),
    ("WebDAVFS/", "Finder"),
    ("davfs2/", "davfs2"),
];

/// Platforms, most specific first (Android says "Linux", iOS says "Mac OS X").
const PLATFORMS: &[(&str, &str)] = &[
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Darwin", "macOS"),
    ("Linux", "Linux"),
];

fn first_match(ua: &str, table: &[(&str, &'static str)]) -> Option<&'static str> {
    table.iter().find(|(needle, _)| ua.contains(needle)).map(|(_, name)| *name)
}

/// Reads a User-Agent. Unknown parts are `None`.
pub fn parse(user_agent: &str) -> DeviceName {
    let ua = user_agent.trim();
    let client = if ua.starts_with(APP_PREFIX) {
        Some(Client::HomediskApp)
    } else if let Some((_, tool)) = TOOLS.iter().find(|(prefix, _)| ua.starts_with(prefix)) {
        Some(Client::Browser(tool))
    } else if ua.starts_with("Mozilla/") {
        first_match(ua, BROWSERS).map(Client::Browser)
    } else {
        None
    };
    DeviceName { client, platform: first_match(ua, PLATFORMS) }
}

/// The words a language puts around the brand names.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    /// "{browser} on {os}".
    pub on: &'a str,
    /// Our own app's name.
    pub app: &'a str,
    /// A session without a User-Agent.
    pub unknown: &'a str,
}

impl Words<'static> {
    /// The API's words (the pages take theirs from the translation table).
    pub const ENGLISH: Words<'static> =
        Words { on: "{browser} on {os}", app: "homedisk app", unknown: "Unknown device" };
}

/// A User-Agent as a device name ("Chrome on Linux"); the raw string when nothing in it is
/// recognised, so an odd client is still told apart.
pub fn describe(user_agent: Option<&str>, words: &Words) -> String {
    let name = parse(user_agent.unwrap_or(""));
    let client = name.client.map(|c| match c {
        Client::Browser(b) => b,
        Client::HomediskApp => words.app,
    });
    match (client, name.platform) {
        (Some(c), Some(p)) => words.on.replace("{browser}", c).replace("{os}", p),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => match user_agent.filter(|u| !u.trim().is_empty()) {
            Some(raw) => raw.to_owned(),
            None => words.unknown.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ua: &str) -> (Option<&'static str>, Option<&'static str>) {
        let d = parse(ua);
        let client = d.client.map(|c| match c {
            Client::Browser(b) => b,
            Client::HomediskApp => "homedisk app",
        });
        (client, d.platform)
    }

    #[test]
    fn common_browsers_and_platforms_are_named() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                ("Chrome", "Linux"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                ("Safari", "iPhone"),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                ("Safari", "macOS"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                ("Edge", "Windows"),
            ),
            (
                "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                ("Firefox", "Linux"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                ("Chrome", "Android"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                ("Samsung Internet", "Android"),
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1",
                ("Chrome", "iPad"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
                ("Opera", "Windows"),
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                ("Chrome", "ChromeOS"),
            ),
            ("homedisk-app/1.4 (Android 14; Pixel 8)", ("homedisk app", "Android")),
            ("homedisk-app/1.4 (iPhone; iOS 17.5)", ("homedisk app", "iPhone")),
        ];
        for (ua, (client, platform)) in cases {
            assert_eq!(words(ua), (Some(client), Some(platform)), "{ua}");
        }
    }

    #[test]
    fn described_in_english_whole_in_parts_or_raw() {
        let en = |ua: Option<&str>| describe(ua, &Words::ENGLISH);
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(en(Some(chrome)), "Chrome on Linux");
        assert_eq!(en(Some("homedisk-app/1.4 (Android 14; Pixel 8)")), "homedisk app on Android");
        assert_eq!(en(Some("curl/8.5.0")), "curl");
        assert_eq!(en(Some("HomediskPhone/1.0")), "HomediskPhone/1.0");
        assert_eq!(en(Some(" ")), "Unknown device");
        assert_eq!(en(None), "Unknown device");
    }

    #[test]
    fn tools_and_unknown_agents() {
        assert_eq!(words("curl/8.5.0"), (Some("curl"), None));
        assert_eq!(words("rclone/v1.60.1"), (Some("rclone"), None));
        assert_eq!(
            words("Microsoft-WebDAV-MiniRedir/10.0.19045"),
            (Some("Windows Explorer"), None)
        );
        assert_eq!(words("HomediskPhone/1.0"), (None, None));
        assert_eq!(words(""), (None, None));
        assert_eq!(words("Chrome/1 but not Mozilla"), (None, None), "browsers say Mozilla/");
    }
}
