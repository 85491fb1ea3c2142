//! The console's page server: files with the module's content types, the distribution's security
//! headers on every answer, the generated config.json, and nothing outside its directory.

use std::time::Duration;

use cima_testkit::{HttpReply, StaticSite, http_request};

const SECRET: &str = "SECRET-OUTSIDE-THE-SITE";

fn get(site: &StaticSite, target: &str) -> HttpReply {
    http_request("GET", &format!("{}{target}", site.base_url()), &[], b"", Duration::from_secs(10)).expect("answers")
}

#[test]
fn static_site_serves_the_page_with_the_distributions_headers_and_nothing_outside_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("web");
    std::fs::create_dir_all(root.join("js")).expect("mkdir");
    std::fs::write(dir.path().join("secret.txt"), SECRET).expect("write");
    std::fs::write(root.join("index.html"), "<!doctype html><title>cima</title>").expect("write");
    std::fs::write(root.join("js/app.js"), "export const x = 1;\n").expect("write");
    std::fs::write(root.join("style.css"), "body { margin: 0 }\n").expect("write");
    std::fs::write(root.join("config.json"), r#"{"from": "disk"}"#).expect("write");
    std::fs::write(root.join(".env"), SECRET).expect("write");
    std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).expect("symlink");

    let api = "http://127.0.0.1:4010";
    let cognito = "http://127.0.0.1:5000";
    let site = StaticSite::builder()
        .root(&root)
        .file("config.json", br#"{"from": "memory"}"#.to_vec())
        .connect_src([api, cognito])
        .form_action([cognito])
        .start()
        .expect("site starts");
    let csp = site.content_security_policy().to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains(&format!("connect-src 'self' {api} {cognito}")), "{csp}");
    assert!(csp.contains(&format!("form-action 'self' {cognito}")), "{csp}");
    let security = |reply: &HttpReply, what: &str| {
        assert_eq!(reply.header("content-security-policy"), Some(csp.as_str()), "{what}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{what}");
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{what}");
        assert_eq!(reply.header("referrer-policy"), Some("same-origin"), "{what}");
    };

    let index = get(&site, "/");
    assert_eq!(index.status, 200);
    assert_eq!(index.text(), "<!doctype html><title>cima</title>");
    assert_eq!(index.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(index.header("cache-control"), Some("no-cache"));
    security(&index, "/");
    assert_eq!(get(&site, "/index.html").body, index.body);

    let script = get(&site, "/js/app.js?v=2");
    assert_eq!((script.status, script.header("content-type")), (200, Some("text/javascript; charset=utf-8")));
    assert_eq!(script.header("cache-control"), Some("public, max-age=300"));
    let config = get(&site, "/config.json");
    assert_eq!(config.json().expect("json")["from"], "memory", "the generated config.json, never the file");
    assert_eq!(config.header("content-type"), Some("application/json"));

    let head = http_request("HEAD", &format!("{}/style.css", site.base_url()), &[], b"", Duration::from_secs(10))
        .expect("answers");
    assert_eq!((head.status, head.header("content-length")), (200, Some("19")));
    assert!(head.body.is_empty());
    let post = http_request("POST", &site.base_url(), &[], b"x", Duration::from_secs(10)).expect("answers");
    assert_eq!(post.status, 405);
    security(&post, "POST");

    for traversal in [
        "/../secret.txt",
        "/js/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/js/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/js/%2e/app.js",
    ] {
        let reply = get(&site, traversal);
        assert_eq!(reply.status, 400, "{traversal}: {}", reply.text());
        assert!(!reply.text().contains(SECRET), "{traversal}");
        security(&reply, traversal);
    }
    for hidden in ["/link.txt", "/.env", "/js/", "/missing.js", "/js//app.js"] {
        let reply = get(&site, hidden);
        assert_eq!(reply.status, 404, "{hidden}");
        assert!(!reply.text().contains(SECRET), "{hidden}");
        security(&reply, hidden);
    }
}

#[test]
fn static_site_serves_memory_files_alone_and_refuses_a_bad_setup() {
    let site = StaticSite::builder()
        .file("/pool/.well-known/jwks.json", br#"{"keys": []}"#.to_vec())
        .start()
        .expect("no directory needed");
    // Served from memory even under a hidden-looking name: the caller put it there.
    let reply = get(&site, "/pool/.well-known/jwks.json");
    assert_eq!(reply.json().expect("json")["keys"], serde_json::json!([]));
    let site = StaticSite::builder().file("keys.json", br#"{"keys": []}"#.to_vec()).start().expect("starts");
    assert_eq!(get(&site, "/keys.json").json().expect("json")["keys"], serde_json::json!([]));
    assert_eq!(get(&site, "/").status, 404, "no index without a root");

    let err = StaticSite::builder().file("../x", Vec::new()).start().expect_err("not a plain path");
    assert!(err.to_string().contains("not a plain path"), "{err}");
    let err = StaticSite::builder().root("/nonexistent/web").start().expect_err("no such directory");
    assert!(err.to_string().contains("/nonexistent/web"), "{err}");
}
