//! go-plugin's start-up contract: the magic cookie, protocol version negotiation, the port range
//! and the one handshake line on stdout.

use std::fmt;

/// go-plugin's cookie for Terraform providers; only Terraform sets it.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The plugin protocol major version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 6;
/// go-plugin's own (core) protocol version.
pub const CORE_PROTOCOL_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    #[error(
        "This binary is a plugin. These are not meant to be executed directly. Please execute the program that consumes these plugins (terraform), which will load any plugins automatically."
    )]
    NotLaunchedByTerraform,
    #[error(
        "Terraform offers plugin protocol versions {offered:?}; this provider speaks only version {PROTOCOL_VERSION}. Use Terraform 1.0 or newer."
    )]
    UnsupportedProtocol { offered: String },
    #[error("invalid {name} {value:?}: {reason}")]
    BadPortRange { name: &'static str, value: String, reason: String },
}

pub fn check_cookie(value: Option<&str>) -> Result<(), HandshakeError> {
    match value {
        Some(v) if v == MAGIC_COOKIE_VALUE => Ok(()),
        _ => Err(HandshakeError::NotLaunchedByTerraform),
    }
}

/// `PLUGIN_PROTOCOL_VERSIONS` is a comma-separated list of the versions Terraform can speak; an
/// absent list means the client predates negotiation, which for protocol 6 cannot happen.
pub fn negotiate(offered: Option<&str>) -> Result<u32, HandshakeError> {
    let offered = offered.unwrap_or("");
    let speaks_ours = offered.split(',').filter_map(|v| v.trim().parse::<u32>().ok()).any(|v| v == PROTOCOL_VERSION);
    if speaks_ours {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(HandshakeError::UnsupportedProtocol { offered: offered.to_owned() })
    }
}

/// The inclusive port range to listen in; `None` bounds mean "let the kernel choose".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortRange {
    pub min: u16,
    pub max: u16,
}

pub fn port_range(min: Option<&str>, max: Option<&str>) -> Result<Option<PortRange>, HandshakeError> {
    fn parse(name: &'static str, v: &str) -> Result<u16, HandshakeError> {
        v.trim().parse::<u16>().map_err(|e| HandshakeError::BadPortRange {
            name,
            value: v.to_owned(),
            reason: e.to_string(),
        })
    }
    match (min.filter(|s| !s.is_empty()), max.filter(|s| !s.is_empty())) {
        (None, None) => Ok(None),
        (min, max) => {
            let lo = min.map(|v| parse("PLUGIN_MIN_PORT", v)).transpose()?.unwrap_or(1024);
            let hi = max.map(|v| parse("PLUGIN_MAX_PORT", v)).transpose()?.unwrap_or(u16::MAX);
            if lo > hi {
                return Err(HandshakeError::BadPortRange {
                    name: "PLUGIN_MIN_PORT",
                    value: lo.to_string(),
                    reason: format!("greater than PLUGIN_MAX_PORT {hi}"),
                });
            }
            Ok(Some(PortRange { min: lo, max: hi }))
        }
    }
}

/// The single line go-plugin reads from the plugin's stdout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeLine {
    pub protocol_version: u32,
    pub address: std::net::SocketAddr,
    /// DER of the server certificate when mutual TLS is on.
    pub server_cert_der: Option<Vec<u8>>,
}

impl fmt::Display for HandshakeLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use base64::Engine as _;
        let cert = self
            .server_cert_der
            .as_deref()
            .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
            .unwrap_or_default();
        write!(f, "{CORE_PROTOCOL_VERSION}|{}|tcp|{}|grpc|{cert}", self.protocol_version, self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert_eq!(check_cookie(Some(MAGIC_COOKIE_VALUE)), Ok(()));
        assert_eq!(check_cookie(None), Err(HandshakeError::NotLaunchedByTerraform));
        assert_eq!(check_cookie(Some("nope")), Err(HandshakeError::NotLaunchedByTerraform));
        // The message a person sees when running the binary by hand is one line.
        assert!(!HandshakeError::NotLaunchedByTerraform.to_string().contains('\n'));
    }

    #[test]
    fn negotiation_picks_six_or_fails() {
        assert_eq!(negotiate(Some("5,6")), Ok(6));
        assert_eq!(negotiate(Some("6")), Ok(6));
        assert!(matches!(negotiate(Some("5")), Err(HandshakeError::UnsupportedProtocol { .. })));
        assert!(negotiate(None).is_err());
    }

    #[test]
    fn port_range_parsing() {
        assert_eq!(port_range(None, None), Ok(None));
        assert_eq!(port_range(Some("10000"), Some("10010")), Ok(Some(PortRange { min: 10000, max: 10010 })));
        assert_eq!(port_range(Some("10000"), None), Ok(Some(PortRange { min: 10000, max: u16::MAX })));
        assert!(port_range(Some("10"), Some("5")).is_err());
        assert!(port_range(Some("x"), None).is_err());
    }

    #[test]
    fn handshake_line_format() {
        let line = HandshakeLine {
            protocol_version: 6,
            address: "127.0.0.1:4242".parse().unwrap(),
            server_cert_der: Some(vec![0xfb, 0xff]),
        };
        // "+/8" would be "+/8=" with padding: go-plugin decodes with RawStdEncoding.
        assert_eq!(line.to_string(), "1|6|tcp|127.0.0.1:4242|grpc|+/8");
        let plain = HandshakeLine { server_cert_der: None, ..line };
        assert_eq!(plain.to_string(), "1|6|tcp|127.0.0.1:4242|grpc|");
    }
}
