//! Serving a provider: the go-plugin handshake, the listener (plain or mutual TLS) and the gRPC
//! services. A provider binary's `main` is one call to [`serve`].

pub mod convert;
pub mod grpc;
#[cfg(test)]
mod grpc_tests;
pub mod handshake;
pub mod logging;
pub mod tls;

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::proto::goplugin as gp;
use crate::proto::health as hp;
use crate::proto::tfplugin6 as pb;
use crate::provider::Provider;

/// How the binary was asked to run.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The provider's source address, e.g. `registry.terraform.io/ns/cima`; used by `-debug`.
    pub address: String,
    /// `-debug`: no handshake, plain TCP, print `TF_REATTACH_PROVIDERS` for a person to use.
    pub debug: bool,
}

impl ServeOptions {
    pub fn from_args(address: impl Into<String>, args: impl IntoIterator<Item = String>) -> Self {
        let debug = args.into_iter().skip(1).any(|a| a == "-debug" || a == "--debug");
        Self { address: address.into(), debug }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Handshake(#[from] handshake::HandshakeError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    #[error("cannot write the handshake to stdout: {0}")]
    Stdout(std::io::Error),
    #[error("gRPC server failed: {0}")]
    Server(#[from] tonic::transport::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot handle SIGINT: {0}")]
    Signal(std::io::Error),
    #[error(
        "PLUGIN_CLIENT_CERT is not set: this provider serves Terraform over mutual TLS only (Terraform always sends its certificate). To run it by hand, start it with -debug."
    )]
    NoClientCertificate,
}

/// Serves `provider` until Terraform shuts it down. Start-up does no provider work: Terraform
/// starts a provider several times per command, so anything costly belongs in `configure`.
pub fn serve<P: Provider>(provider: P, opts: ServeOptions) -> ExitCode {
    tls::install_crypto_provider();
    logging::init();
    match run(provider, &opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{e}");
            ExitCode::FAILURE
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn run<P: Provider>(provider: P, opts: &ServeOptions) -> Result<(), ServeError> {
    let mut client_cert = None;
    let mut version = handshake::PROTOCOL_VERSION;
    if !opts.debug {
        handshake::check_cookie(env(handshake::MAGIC_COOKIE_KEY).as_deref())?;
        version = handshake::negotiate(env("PLUGIN_PROTOCOL_VERSIONS").as_deref())?;
        // Without it the channel would be plain TCP that any local process could call.
        let pem = env("PLUGIN_CLIENT_CERT").filter(|s| !s.trim().is_empty()).ok_or(ServeError::NoClientCertificate)?;
        client_cert = Some(tls::parse_client_cert(&pem)?);
    }
    let range = handshake::port_range(env("PLUGIN_MIN_PORT").as_deref(), env("PLUGIN_MAX_PORT").as_deref())?;

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(ServeError::Runtime)?;
    rt.block_on(async move {
        let listener = bind(range).await?;
        let addr = listener.local_addr().map_err(ServeError::Listen)?;
        let tls = match client_cert {
            Some(client) => {
                let (cert, key) = tls::generate_server_cert()?;
                Some((tls::server_config(client, cert.clone(), key)?, cert))
            }
            None => None,
        };
        let shutdown = CancellationToken::new();
        if opts.debug {
            let s = shutdown.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                s.cancel();
            });
        } else {
            // Ctrl-C reaches every process of the terminal's group, this one too. Terraform
            // relays it with StopProvider and waits for in-flight calls to finish and be
            // recorded in state, as go-plugin's providers ignore SIGINT; dying here would lose
            // them. Once registered the handler stays for the process's life, so later
            // interrupts are ignored as well.
            let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .map_err(ServeError::Signal)?;
            tokio::spawn(async move {
                if interrupts.recv().await.is_some() {
                    tracing::info!("SIGINT ignored: Terraform stops the provider with StopProvider");
                }
            });
        }
        let line = handshake::HandshakeLine {
            protocol_version: version,
            address: addr,
            server_cert_der: tls.as_ref().map(|(_, c)| c.as_ref().to_vec()),
        };
        if opts.debug {
            announce_debug(&opts.address, addr)?;
        } else {
            // The one line stdout ever carries.
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}").and_then(|()| out.flush()).map_err(ServeError::Stdout)?;
        }
        tracing::debug!(%addr, mtls = tls.is_some(), "provider listening");

        // If a client keeps its connection open after asking us to shut down, graceful shutdown
        // would wait forever and so would Terraform, which waits for this process to exit.
        let watchdog = shutdown.clone();
        tokio::spawn(async move {
            watchdog.cancelled().await;
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            std::process::exit(0);
        });
        let stop = CancellationToken::new();
        let service = grpc::ProviderService::new(provider, stop);
        let acceptor = tls.map(|(cfg, _)| tokio_rustls::TlsAcceptor::from(cfg));
        let incoming = incoming(listener, acceptor);
        let s = shutdown.clone();
        tonic::transport::Server::builder()
            .add_service(
                pb::provider_server::ProviderServer::new(service)
                    .max_decoding_message_size(256 << 20)
                    .max_encoding_message_size(256 << 20),
            )
            .add_service(gp::grpc_controller_server::GrpcControllerServer::new(grpc::Controller {
                shutdown: shutdown.clone(),
            }))
            .add_service(gp::grpc_stdio_server::GrpcStdioServer::new(grpc::Stdio { shutdown: shutdown.clone() }))
            .add_service(hp::health_server::HealthServer::new(grpc::Health))
            .serve_with_incoming_shutdown(incoming, async move { s.cancelled().await })
            .await?;
        Ok(())
    })
}

async fn bind(range: Option<handshake::PortRange>) -> Result<TcpListener, ServeError> {
    let Some(range) = range else {
        return TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.map_err(ServeError::Listen);
    };
    let mut last = None;
    for port in range.min..=range.max {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(ServeError::Listen(last.unwrap_or_else(|| std::io::Error::other("empty port range"))))
}

fn announce_debug(address: &str, addr: SocketAddr) -> Result<(), ServeError> {
    let reattach = serde_json::json!({
        address: {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": "tcp", "String": addr.to_string() },
        }
    });
    // -debug is for a person at a terminal: this goes to stdout on purpose.
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Provider started. To attach Terraform, set this in the environment of the terraform command:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n"
    )
    .and_then(|()| out.flush())
    .map_err(ServeError::Stdout)
}

/// Accepted connections; failed TLS handshakes are logged and skipped so one bad peer cannot
/// stop the server.
fn incoming(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
) -> impl futures::Stream<Item = Result<Conn, std::io::Error>> {
    futures::stream::unfold((listener, acceptor), |(listener, acceptor)| async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => return Some((Err(e), (listener, acceptor))),
            };
            let _ = tcp.set_nodelay(true);
            let conn = match &acceptor {
                None => Conn::Plain(tcp),
                Some(a) => match a.accept(tcp).await {
                    Ok(t) => Conn::Tls(Box::new(t)),
                    Err(e) => {
                        tracing::warn!(%peer, error = %e, "rejected a TLS connection");
                        continue;
                    }
                },
            };
            return Some((Ok(conn), (listener, acceptor)));
        }
    })
}

/// One accepted connection, plain (debug mode, or Terraform without AutoMTLS) or TLS.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
