//! The console's page as CloudFront serves it, on 127.0.0.1: the files of a directory (the
//! repository's `web/`) plus generated ones held in memory (`config.json`), with the content
//! types, cache headers and security headers `modules/console` gives them, so a browser test
//! meets the same Content-Security-Policy as production.
//!
//! As the module uploads them: hidden files on disk are not served, and a `config.json` on disk
//! never is (the generated one replaces it); files given in memory are served whatever their names. `/` is `index.html` (the distribution's default root object);
//! other directories have no index. Paths with `.` or `..` segments, raw or percent-encoded, or
//! with backslashes are refused (400), and nothing outside the directory is served, symbolic
//! links included.
//!
//! Local differences: plain HTTP on loopback, so no `Strict-Transport-Security` and no
//! `upgrade-insecure-requests`; a missing file is a 404 (S3 behind CloudFront answers 403).
//!
//! ```no_run
//! use cima_testkit::StaticSite;
//! # fn main() -> cima_testkit::Result<()> {
//! let site = StaticSite::builder()
//!     .root(cima_testkit::repo_root().join("web"))
//!     .file("config.json", br#"{"api_base_url": "http://127.0.0.1:4010"}"#.to_vec())
//!     .connect_src(["http://127.0.0.1:4010", "http://127.0.0.1:5000"])
//!     .form_action(["http://127.0.0.1:5000"])
//!     .start()?;
//! let _open_in_a_browser = site.base_url();
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result, io};
use crate::server::{Handler, Limits, Request, Response, Server, percent_decode};

/// Files larger than this are not served (the page's files are a few kilobytes).
const MAX_FILE: u64 = 32 << 20;

/// The console module's extension → content type table.
const CONTENT_TYPES: &[(&str, &str)] = &[
    ("html", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    ("js", "text/javascript; charset=utf-8"),
    ("mjs", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("map", "application/json"),
    ("webmanifest", "application/manifest+json"),
    ("txt", "text/plain; charset=utf-8"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("ico", "image/x-icon"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
];

/// The Content-Security-Policy of the console's distribution, with `connect_src` (the API and
/// the Cognito domain) and `form_action` (the Cognito domain) after `'self'`.
pub fn content_security_policy<S: AsRef<str>>(connect_src: &[S], form_action: &[S]) -> String {
    let with_self =
        |extra: &[S]| std::iter::once("'self'").chain(extra.iter().map(AsRef::as_ref)).collect::<Vec<_>>().join(" ");
    [
        "default-src 'none'".to_owned(),
        "script-src 'self'".to_owned(),
        "style-src 'self'".to_owned(),
        "img-src 'self' data:".to_owned(),
        "font-src 'self'".to_owned(),
        "manifest-src 'self'".to_owned(),
        format!("connect-src {}", with_self(connect_src)),
        format!("form-action {}", with_self(form_action)),
        "frame-ancestors 'none'".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'self'".to_owned(),
    ]
    .join("; ")
}

/// How a [`StaticSite`] is built; see [`StaticSite::builder`].
#[derive(Debug, Clone, Default)]
pub struct StaticSiteBuilder {
    root: Option<PathBuf>,
    files: BTreeMap<String, Vec<u8>>,
    connect_src: Vec<String>,
    form_action: Vec<String>,
    port: u16,
}

/// A running site; dropping it stops the server.
#[derive(Debug)]
pub struct StaticSite {
    server: Server,
    csp: String,
}

struct Site {
    /// Canonical, so a resolved file can be checked to lie under it.
    root: Option<PathBuf>,
    files: BTreeMap<String, Vec<u8>>,
    security_headers: Vec<(String, String)>,
}

impl StaticSite {
    /// A site with no files yet, on any free port.
    pub fn builder() -> StaticSiteBuilder {
        StaticSiteBuilder::default()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// The browser origin of the page, e.g. for the API's CORS origins (the same as
    /// [`StaticSite::base_url`]).
    pub fn origin(&self) -> String {
        self.base_url()
    }

    /// The Content-Security-Policy every answer carries.
    pub fn content_security_policy(&self) -> &str {
        &self.csp
    }
}

impl StaticSiteBuilder {
    /// Serves the files under `dir`.
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root = Some(dir.into());
        self
    }

    /// Serves `bytes` at `/<path>` (e.g. `config.json`, `js/extra.js`), before any file on disk.
    pub fn file(mut self, path: &str, bytes: Vec<u8>) -> Self {
        self.files.insert(path.trim_start_matches('/').to_owned(), bytes);
        self
    }

    /// Origins the page may fetch from besides itself (the API, the Cognito domain).
    pub fn connect_src<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.connect_src.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Where the page's forms may post besides itself (the Cognito domain).
    pub fn form_action<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.form_action.extend(origins.into_iter().map(Into::into));
        self
    }

    /// A fixed port (e.g. one a Cognito callback URL names); 0 picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    pub fn start(self) -> Result<StaticSite> {
        let root = match &self.root {
            None => None,
            Some(dir) => Some(dir.canonicalize().map_err(io(format!("static site root {}", dir.display())))?),
        };
        if let Some(dir) = root.as_ref().filter(|d| !d.is_dir()) {
            return Err(Error::Config {
                what: format!("static site root {}", dir.display()),
                reason: "not a directory".into(),
            });
        }
        for path in self.files.keys() {
            if clean_key(path).is_none() {
                return Err(Error::Config {
                    what: format!("static site file {path:?}"),
                    reason: "not a plain path".into(),
                });
            }
        }
        let csp = content_security_policy(&self.connect_src, &self.form_action);
        let security_headers = [
            ("content-security-policy", csp.as_str()),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "same-origin"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
            ("cross-origin-opener-policy", "same-origin"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec();
        let site = Arc::new(Site { root, files: self.files, security_headers });
        let handler: Handler = Arc::new(move |request: &Request| site.handle(request));
        let server = Server::start(self.port, "static-site", Limits::default(), handler)?;
        Ok(StaticSite { server, csp })
    }
}

impl Site {
    fn handle(&self, request: &Request) -> Response {
        let mut response = self.answer(request);
        response.headers.extend(self.security_headers.iter().cloned());
        response
    }

    fn answer(&self, request: &Request) -> Response {
        if request.method != "GET" && request.method != "HEAD" {
            return text(405, "Method Not Allowed").header("allow", "GET, HEAD");
        }
        let (raw_path, _) = request.path_and_query();
        let Some(decoded) = percent_decode(raw_path, false) else { return text(400, "Bad Request") };
        let key = if decoded == "/" { "index.html".to_owned() } else { decoded[1..].to_owned() };
        let Some(key) = clean_key(&key) else { return text(400, "Bad Request") };
        let bytes = match self.files.get(&key) {
            // The caller's own files, whatever their names.
            Some(bytes) => bytes.clone(),
            None => {
                // The module uploads neither hidden files nor the config.json on disk, and an
                // empty segment names no object.
                let hidden = key.split('/').any(|s| s.starts_with('.') || s.is_empty());
                if hidden || key == "config.json" {
                    return text(404, "Not Found");
                }
                match self.read_disk(&key) {
                    Some(bytes) => bytes,
                    None => return text(404, "Not Found"),
                }
            }
        };
        let cache = if key.ends_with(".html") || key == "config.json" { "no-cache" } else { "public, max-age=300" };
        Response::new(200).header("content-type", content_type(&key)).header("cache-control", cache).body(bytes)
    }

    /// The file under the root, if it is a regular file there once links are resolved.
    fn read_disk(&self, key: &str) -> Option<Vec<u8>> {
        let root = self.root.as_ref()?;
        let path = root.join(key).canonicalize().ok()?;
        if !path.starts_with(root) || !path.is_file() {
            return None;
        }
        let mut bytes = Vec::new();
        std::fs::File::open(&path).ok()?.take(MAX_FILE).read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }
}

/// `key` if it is a plain relative path: no `.` or `..` segment, no backslash or NUL, not absolute.
fn clean_key(key: &str) -> Option<String> {
    let plain = !key.starts_with('/')
        && !key.contains(['\\', '\0'])
        && key.split('/').all(|s| s != "." && s != "..")
        && Path::new(key).components().all(|c| matches!(c, std::path::Component::Normal(_)));
    plain.then(|| key.to_owned())
}

fn content_type(key: &str) -> &'static str {
    let extension = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    CONTENT_TYPES.iter().find(|(e, _)| *e == extension).map_or("application/octet-stream", |(_, t)| t)
}

fn text(status: u16, message: &str) -> Response {
    Response::new(status).header("content-type", "text/plain; charset=utf-8").body(message.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_plain_relative_paths() {
        for good in ["index.html", "js/app.js", "a/b/c.css", "js//x.js"] {
            assert!(clean_key(good).is_some(), "{good}");
        }
        for bad in ["../x", "js/../../x", "./x", "/etc/passwd", "a\\..\\b", "a\0b", ".."] {
            assert_eq!(clean_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_types_follow_the_module() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("js/app.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn the_policy_names_the_given_origins() {
        let csp = content_security_policy(&["http://127.0.0.1:1", "http://127.0.0.1:2"], &["http://127.0.0.1:2"]);
        assert!(csp.starts_with("default-src 'none'; script-src 'self'; "), "{csp}");
        assert!(csp.contains("; connect-src 'self' http://127.0.0.1:1 http://127.0.0.1:2; "), "{csp}");
        assert!(csp.contains("; form-action 'self' http://127.0.0.1:2; "), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        let none: [&str; 0] = [];
        assert!(content_security_policy(&none, &none).contains("connect-src 'self'; "));
    }
}
