//! The go-plugin contract on the real binary: the one-line refusal when run by hand, the
//! handshake line, the port range, and mutual TLS that admits only Terraform's certificate.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::harness::provider_binary;

const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

#[test]
fn run_by_hand_it_explains_itself_in_one_line() {
    let out = Command::new(provider_binary()).env_remove("TF_PLUGIN_MAGIC_COOKIE").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "stdout belongs to the handshake");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("plugin") && err.contains("terraform"), "{err}");
}

#[test]
fn refuses_a_terraform_without_protocol_6() {
    let out = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("version 6"));
}

/// A certificate shaped like Terraform's: self-signed CA, P-521 key.
fn terraform_like_cert() -> (CertificateDer<'static>, PrivateKeyDer<'static>, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.extended_key_usages =
        vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth, rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key).unwrap();
    let pem = cert.pem();
    (cert.der().clone(), PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())), pem)
}

struct Plugin {
    child: Child,
    line: String,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(client_pem: Option<&str>, ports: Option<(u16, u16)>) -> Plugin {
    let mut cmd = Command::new(provider_binary());
    cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(pem) = client_pem {
        cmd.env("PLUGIN_CLIENT_CERT", pem);
    }
    if let Some((lo, hi)) = ports {
        cmd.env("PLUGIN_MIN_PORT", lo.to_string()).env("PLUGIN_MAX_PORT", hi.to_string());
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    Plugin { child, line: line.trim_end().to_owned() }
}

#[test]
fn handshake_line_names_a_loopback_port_in_range_and_a_certificate() {
    let (_, _, pem) = terraform_like_cert();
    // A range unlikely to be busy; the provider walks it until a bind succeeds.
    let p = start(Some(&pem), Some((42100, 42199)));
    let parts: Vec<&str> = p.line.split('|').collect();
    assert_eq!(parts.len(), 6, "{}", p.line);
    assert_eq!(&parts[..3], ["1", "6", "tcp"]);
    assert_eq!(parts[4], "grpc");
    assert!(!parts[5].is_empty(), "the server's certificate is announced: {}", p.line);
    let addr: std::net::SocketAddr = parts[3].parse().unwrap();
    assert!(addr.ip().is_loopback());
    assert!((42100..=42199).contains(&addr.port()), "{addr}");
}

/// Terraform always sends its certificate; without one the channel would be plain TCP any local
/// process could call, so the provider refuses to serve and says how to run it by hand.
#[test]
fn without_a_client_certificate_the_provider_refuses_to_serve() {
    let out = Command::new(provider_binary())
        .env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no handshake line: {}", String::from_utf8_lossy(&out.stdout));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("PLUGIN_CLIENT_CERT") && stderr.contains("-debug"), "{stderr}");
}

/// Accepts exactly the certificate the handshake line announced, as go-plugin does.
#[derive(Debug)]
struct PinnedServer(Vec<u8>, rustls::crypto::WebPkiSupportedAlgorithms);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("not the announced certificate".into()))
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.1)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.1)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.1.supported_schemes()
    }
}

/// Connects as a TLS client, sends the HTTP/2 preface and returns how many bytes the server
/// answered with (its SETTINGS frame), or the error that ended the exchange.
fn talk(p: &Plugin, client: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>) -> Result<usize, String> {
    let parts: Vec<&str> = p.line.split('|').collect();
    let server_der = base64::engine::general_purpose::STANDARD_NO_PAD.decode(parts[5]).expect("unpadded base64 DER");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServer(server_der, provider.signature_verification_algorithms));
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match client {
        Some((cert, key)) => builder.with_client_auth_cert(vec![cert], key).unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let mut conn = rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap()).unwrap();
    let mut sock = TcpStream::connect(parts[3]).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    tls.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").map_err(|e| e.to_string())?;
    tls.flush().map_err(|e| e.to_string())?;
    let mut buf = [0u8; 64];
    let n = tls.read(&mut buf).map_err(|e| e.to_string())?;
    assert_eq!(tls.conn.alpn_protocol(), Some(&b"h2"[..]), "grpc-go requires ALPN h2");
    Ok(n)
}

#[test]
fn mutual_tls_admits_only_the_pinned_p521_client_certificate() {
    let (cert, key, pem) = terraform_like_cert();
    let p = start(Some(&pem), None);
    assert!(!p.line.ends_with('|'), "a certificate is announced: {}", p.line);
    assert!(!p.line.ends_with('='), "base64 without padding: {}", p.line);

    let answered = talk(&p, Some((cert.clone(), key.clone_key()))).expect("Terraform's certificate is accepted");
    assert!(answered > 0);

    let (other_cert, other_key, _) = terraform_like_cert();
    match talk(&p, Some((other_cert, other_key))) {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("a stranger's certificate got {n} bytes of answer"),
    }
    match talk(&p, None) {
        Ok(0) | Err(_) => {}
        Ok(n) => panic!("a client without certificate got {n} bytes of answer"),
    }
    // Refusing strangers does not stop the server for the rightful client.
    assert!(talk(&p, Some((cert, key))).expect("still served") > 0);
}

/// Ctrl-C in a terminal interrupts Terraform's whole process group. The provider must outlive
/// it (Terraform relays it as StopProvider and records what finished), as go-plugin's do.
#[test]
fn an_interrupt_does_not_end_the_provider() {
    let (cert, key, pem) = terraform_like_cert();
    let mut p = start(Some(&pem), None);
    for _ in 0..2 {
        let sent = Command::new("kill").args(["-INT", &p.child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        // Answering takes the server's own code to run, after the signal was delivered: with
        // SIGINT's default action the process would be gone and the connection refused.
        assert!(talk(&p, Some((cert.clone(), key.clone_key()))).expect("still serving after SIGINT") > 0);
    }
    assert!(p.child.try_wait().unwrap().is_none(), "the provider exited");
}

#[test]
fn debug_mode_prints_reattach_settings_for_a_person() {
    let mut child = Command::new(provider_binary())
        .arg("-debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        // -debug needs no certificate: no Terraform is there to send one.
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut reattach = None;
    // Bounded: the banner is a handful of lines.
    for _ in 0..10 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(rest.trim_end_matches('\'').to_owned());
            break;
        }
    }
    let pid = child.id();
    let reattach = reattach.expect("a TF_REATTACH_PROVIDERS line");
    let v: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let (address, entry) = v.as_object().unwrap().iter().next().unwrap();
    assert_eq!(address, &cima_testkit::provider_source().unwrap());
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], pid);
    let addr = entry["Addr"]["String"].as_str().unwrap();
    assert!(addr.starts_with("127.0.0.1:"));
    // It is listening there (plain TCP in debug mode).
    assert!(TcpStream::connect(addr).is_ok());
    let _ = child.kill();
    let _ = child.wait();
}
