//! A minimal Terraform-side client: launches a provider binary the way Terraform does (magic
//! cookie, protocol versions, a P-521 client certificate), completes the handshake over mutual
//! TLS, asks for the schema and shuts the provider down. Benchmarks and protocol tests use it;
//! it exposes only this crate's own types.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::AsyncBufReadExt as _;

use crate::proto::goplugin as gp;
use crate::proto::tfplugin6 as pb;
use crate::server::handshake::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot start {0}: {1}")]
    Spawn(String, std::io::Error),
    #[error("the provider printed no handshake line{0}")]
    NoHandshake(String),
    #[error("malformed handshake line {0:?}")]
    BadHandshake(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("gRPC: {0}")]
    Grpc(String),
    #[error("the provider did not exit within {0:?} of Shutdown")]
    NoExit(Duration),
}

/// What one launch measured.
#[derive(Clone, Debug)]
pub struct Probe {
    /// Spawn → handshake line read.
    pub handshake: Duration,
    /// Spawn → GetProviderSchema answered (over a fresh mutual-TLS connection).
    pub schema_served: Duration,
    /// Peak resident set of the provider (VmHWM) after serving the schema, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// Encoded size of the schema response.
    pub schema_bytes: usize,
    /// Data source type names in the schema, sorted.
    pub data_sources: Vec<String>,
    /// Shutdown requested → process exited.
    pub exit_after_shutdown: Duration,
}

/// Launches `binary`, serves one schema request, shuts it down; bounded by `timeout` per step.
pub async fn probe(binary: &Path, timeout: Duration) -> Result<Probe, ClientError> {
    crate::server::tls::install_crypto_provider();
    let (client_cert, client_key, client_pem) = client_identity()?;
    let start = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_CLIENT_CERT", &client_pem)
        .env_remove("PLUGIN_MIN_PORT")
        .env_remove("PLUGIN_MAX_PORT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| ClientError::Spawn(binary.display().to_string(), e))?;
    let stdout = child.stdout.take().ok_or_else(|| ClientError::NoHandshake(String::new()))?;
    let mut line = String::new();
    let mut reader = tokio::io::BufReader::new(stdout);
    tokio::time::timeout(timeout, reader.read_line(&mut line))
        .await
        .map_err(|_| ClientError::NoHandshake(format!(" within {timeout:?}")))?
        .map_err(|e| ClientError::NoHandshake(format!(": {e}")))?;
    let handshake = start.elapsed();
    let (addr, server_der) = parse_line(line.trim_end())?;

    let channel = connect(addr, server_der, client_cert, client_key, timeout).await?;
    let mut provider = pb::provider_client::ProviderClient::new(channel.clone()).max_decoding_message_size(256 << 20);
    let schema = tokio::time::timeout(timeout, provider.get_provider_schema(pb::get_provider_schema::Request {}))
        .await
        .map_err(|_| ClientError::Grpc(format!("no schema within {timeout:?}")))?
        .map_err(|s| ClientError::Grpc(s.to_string()))?
        .into_inner();
    let schema_served = start.elapsed();
    let peak_rss_kib = child.id().and_then(peak_rss_kib);
    let schema_bytes = prost::Message::encoded_len(&schema);
    let mut data_sources: Vec<String> = schema.data_source_schemas.keys().cloned().collect();
    data_sources.sort();

    let mut controller = gp::grpc_controller_client::GrpcControllerClient::new(channel);
    let asked = Instant::now();
    controller.shutdown(gp::Empty {}).await.map_err(|s| ClientError::Grpc(s.to_string()))?;
    tokio::time::timeout(timeout, child.wait()).await.map_err(|_| ClientError::NoExit(timeout))?.ok();
    Ok(Probe {
        handshake,
        schema_served,
        peak_rss_kib,
        schema_bytes,
        data_sources,
        exit_after_shutdown: asked.elapsed(),
    })
}

fn parse_line(line: &str) -> Result<(std::net::SocketAddr, Vec<u8>), ClientError> {
    let bad = || ClientError::BadHandshake(line.to_owned());
    let parts: Vec<&str> = line.split('|').collect();
    let [core, version, network, addr, protocol, cert] = parts.as_slice() else { return Err(bad()) };
    if *core != "1" || *version != "6" || *network != "tcp" || *protocol != "grpc" || cert.is_empty() {
        return Err(bad());
    }
    let addr = addr.parse().map_err(|_| bad())?;
    let der = base64::engine::general_purpose::STANDARD_NO_PAD.decode(cert).map_err(|_| bad())?;
    Ok((addr, der))
}

/// A certificate like the one Terraform makes per run: self-signed CA, P-521 key.
fn client_identity() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>, String), ClientError> {
    let tls = |e: rcgen::Error| ClientError::Tls(e.to_string());
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).map_err(tls)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).map_err(tls)?;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).map_err(tls)?;
    let pem = cert.pem();
    Ok((cert.der().clone(), PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())), pem))
}

async fn connect(
    addr: std::net::SocketAddr,
    server_der: Vec<u8>,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    timeout: Duration,
) -> Result<tonic::transport::Channel, ClientError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServer { der: server_der, algorithms: provider.signature_verification_algorithms });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(vec![cert], key)
        .map_err(|e| ClientError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let endpoint = tonic::transport::Endpoint::from_static("http://localhost").connect_timeout(timeout);
    endpoint
        .connect_with_connector(tower::service_fn(move |_uri| {
            let connector = connector.clone();
            async move {
                let tcp = tokio::net::TcpStream::connect(addr).await?;
                // As Go's net package does for Terraform; otherwise Nagle and delayed ACKs add ~40 ms.
                tcp.set_nodelay(true)?;
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                let tls = connector.connect(name, tcp).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        }))
        .await
        .map_err(|e| ClientError::Grpc(format!("connect: {e}")))
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Trusts exactly the certificate the handshake announced, as go-plugin does.
#[derive(Debug)]
struct PinnedServer {
    der: Vec<u8>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::ApplicationVerificationFailure))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_lines_are_parsed_strictly() {
        let (addr, der) = parse_line("1|6|tcp|127.0.0.1:1234|grpc|+/8").unwrap();
        assert_eq!(addr.port(), 1234);
        assert_eq!(der, vec![0xfb, 0xff]);
        assert!(parse_line("1|5|tcp|127.0.0.1:1234|grpc|+/8").is_err());
        assert!(parse_line("1|6|tcp|127.0.0.1:1234|grpc|").is_err(), "mutual TLS was asked for");
        assert!(parse_line("garbage").is_err());
    }
}
