//! JSON Web Tokens checked the way API Gateway's JWT authorizer checks them, for real: an RS256
//! signature against the issuer's key set (the key the token's `kid` names), then `iss`, `aud`
//! (or `client_id` when a token has no `aud`, as Cognito access tokens), `exp`, `nbf` and `iat`.
//! [`TestIssuer`] signs tokens with a key of its own, so tests can make the tokens an identity
//! provider never hands out (expired, not yet valid, …) and still have them verify.
//!
//! ```
//! use std::time::SystemTime;
//! use cima_testkit::{Jwks, JwtVerifier, TestIssuer};
//! # fn main() -> cima_testkit::Result<()> {
//! let issuer = TestIssuer::generate("key-1")?;
//! let now = cima_testkit::unix_now();
//! let token = issuer.sign(&serde_json::json!({
//!     "iss": "https://issuer.example", "aud": "client-1", "sub": "user-1", "exp": now + 60, "iat": now,
//! }));
//! let verifier = JwtVerifier::new("https://issuer.example", ["client-1"], Jwks::from_json(&issuer.jwks())?);
//! assert_eq!(verifier.verify(&token, SystemTime::now()).expect("valid")["sub"], "user-1");
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_lc_rs::signature::{KeyPair as _, RsaPublicKeyComponents};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::error::{Error, Result};

/// A token's claims: its payload object.
pub type Claims = serde_json::Map<String, Value>;

/// How far `exp`, `nbf` and `iat` may be off by default (clocks of issuer and API differ).
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// Bound on a token's size (API Gateway's header limit is of this order).
const MAX_TOKEN_LEN: usize = 16 << 10;

/// Why a token was refused. Each is a 401 to the caller; the text says which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    #[error("no token")]
    Missing,
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    #[error("algorithm {0:?} is not accepted (RS256 only)")]
    Algorithm(String),
    #[error("no key {0:?} in the issuer's key set")]
    UnknownKey(String),
    #[error("the signature does not verify")]
    Signature,
    #[error("issuer {0:?} is not the authorizer's")]
    Issuer(String),
    #[error("neither aud nor client_id is an accepted audience")]
    Audience,
    #[error("the token expired at {exp}")]
    Expired { exp: i64 },
    #[error("the token is not valid before {nbf}")]
    NotYetValid { nbf: i64 },
    #[error("the token was issued in the future ({iat})")]
    IssuedInFuture { iat: i64 },
    #[error("claim {0} is missing or not a number")]
    Claim(&'static str),
}

/// The RSA public keys of a JSON Web Key Set, by `kid`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jwks {
    keys: BTreeMap<String, RsaKey>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RsaKey {
    /// Big-endian, no leading zeros (what aws-lc expects).
    n: Vec<u8>,
    e: Vec<u8>,
}

impl Jwks {
    /// Reads `{"keys": [...]}`, keeping the RSA signing keys that have a `kid` (others are of no
    /// use to an RS256 check); a key set without any is an error.
    pub fn from_json(document: &Value) -> Result<Jwks> {
        let bad = |reason: String| Error::Jwks { origin: "document".into(), reason };
        let keys = document["keys"].as_array().ok_or_else(|| bad("no \"keys\" array".into()))?;
        let mut out = BTreeMap::new();
        for key in keys {
            let usable = key["kty"] == "RSA"
                && key.get("use").is_none_or(|u| u == "sig")
                && key.get("alg").is_none_or(|a| a == "RS256");
            let Some(kid) = key["kid"].as_str().filter(|_| usable) else { continue };
            let component = |name: &str| -> Result<Vec<u8>> {
                let text = key[name].as_str().ok_or_else(|| bad(format!("key {kid:?} has no {name}")))?;
                let bytes = URL_SAFE_NO_PAD
                    .decode(text)
                    .map_err(|e| bad(format!("key {kid:?}: {name} is not base64url: {e}")))?;
                let first =
                    bytes.iter().position(|b| *b != 0).ok_or_else(|| bad(format!("key {kid:?}: {name} is 0")))?;
                Ok(bytes[first..].to_vec())
            };
            out.insert(kid.to_owned(), RsaKey { n: component("n")?, e: component("e")? });
        }
        if out.is_empty() {
            return Err(bad("no RSA signing key with a kid".into()));
        }
        Ok(Jwks { keys: out })
    }

    /// GETs the key set at `url` (127.0.0.1 only), once.
    pub fn fetch(url: &str) -> Result<Jwks> {
        let reply =
            crate::http::request("GET", url, &[("Accept", "application/json")], b"", crate::http::DEFAULT_TIMEOUT)?;
        if reply.status != 200 {
            return Err(Error::Jwks {
                origin: url.to_owned(),
                reason: format!("HTTP {}: {}", reply.status, reply.text()),
            });
        }
        Jwks::from_json(&reply.json()?).map_err(|e| match e {
            Error::Jwks { reason, .. } => Error::Jwks { origin: url.to_owned(), reason },
            other => other,
        })
    }

    /// The key ids, sorted.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}

/// Checks tokens for one issuer and its accepted audiences.
#[derive(Debug, Clone)]
pub struct JwtVerifier {
    issuer: String,
    audiences: Vec<String>,
    jwks: Jwks,
    leeway: Duration,
}

impl JwtVerifier {
    /// `issuer` must equal `iss`; `aud` (or, without `aud`, `client_id`) must be one of
    /// `audiences`. Times get [`DEFAULT_LEEWAY`].
    pub fn new<A: Into<String>>(
        issuer: impl Into<String>,
        audiences: impl IntoIterator<Item = A>,
        jwks: Jwks,
    ) -> JwtVerifier {
        JwtVerifier {
            issuer: issuer.into(),
            audiences: audiences.into_iter().map(Into::into).collect(),
            jwks,
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// Another allowance for clock differences.
    pub fn with_leeway(mut self, leeway: Duration) -> JwtVerifier {
        self.leeway = leeway;
        self
    }

    /// The claims of `token` if every check passes at `now`. The signature is checked before
    /// any claim is read.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<Claims, JwtError> {
        if token.is_empty() {
            return Err(JwtError::Missing);
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(JwtError::Malformed("too long"));
        }
        let mut parts = token.split('.');
        let (Some(head), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed("not three dot-separated parts"));
        };
        let header = decode_object(head).ok_or(JwtError::Malformed("header is not base64url JSON"))?;
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default();
        if alg != "RS256" {
            return Err(JwtError::Algorithm(alg.to_owned()));
        }
        if header.contains_key("crit") {
            // No extension is understood, so none can be critical.
            return Err(JwtError::Malformed("critical header extensions"));
        }
        let kid = header.get("kid").and_then(Value::as_str).ok_or(JwtError::Malformed("no kid"))?;
        let key = self.jwks.keys.get(kid).ok_or_else(|| JwtError::UnknownKey(kid.to_owned()))?;
        let signature =
            URL_SAFE_NO_PAD.decode(signature).map_err(|_| JwtError::Malformed("signature is not base64url"))?;
        let signed = &token[..head.len() + 1 + payload.len()];
        RsaPublicKeyComponents { n: &key.n, e: &key.e }
            .verify(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, signed.as_bytes(), &signature)
            .map_err(|_| JwtError::Signature)?;

        let claims = decode_object(payload).ok_or(JwtError::Malformed("payload is not base64url JSON"))?;
        let iss = claims.get("iss").and_then(Value::as_str).unwrap_or_default();
        if iss != self.issuer {
            return Err(JwtError::Issuer(iss.to_owned()));
        }
        let accepted = |v: &Value| v.as_str().is_some_and(|a| self.audiences.iter().any(|x| x == a));
        let audience_ok = match claims.get("aud") {
            Some(Value::Array(auds)) => auds.iter().any(accepted),
            Some(aud) => accepted(aud),
            None => claims.get("client_id").is_some_and(accepted),
        };
        if !audience_ok {
            return Err(JwtError::Audience);
        }
        let now = crate::time::unix_seconds(now);
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        let exp = time_claim(&claims, "exp")?.ok_or(JwtError::Claim("exp"))?;
        if exp.saturating_add(leeway) <= now {
            return Err(JwtError::Expired { exp });
        }
        if let Some(nbf) = time_claim(&claims, "nbf")?
            && nbf > now.saturating_add(leeway)
        {
            return Err(JwtError::NotYetValid { nbf });
        }
        if let Some(iat) = time_claim(&claims, "iat")?
            && iat > now.saturating_add(leeway)
        {
            return Err(JwtError::IssuedInFuture { iat });
        }
        Ok(claims)
    }
}

/// A time claim in whole seconds; `Err` when present but not a number.
fn time_claim(claims: &Claims, name: &'static str) -> Result<Option<i64>, JwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f.floor() as i64))
            .map(Some)
            .ok_or(JwtError::Claim(name)),
    }
}

fn decode_object(segment: &str) -> Option<Claims> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The claims of a token, unverified (to read what a test was given, never to trust it).
pub fn decode_jwt_claims(token: &str) -> Option<Claims> {
    decode_object(token.split('.').nth(1)?)
}

/// `header.payload.signature`, each base64url: for tokens no issuer would sign (`alg: none`,
/// tampered payloads, forged signatures).
pub fn compose_jwt(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Seconds since the epoch now, for building claims.
pub fn unix_now() -> i64 {
    crate::time::unix_seconds(SystemTime::now())
}

/// An RSA key of its own that signs RS256 tokens, and the key set that verifies them.
pub struct TestIssuer {
    kid: String,
    key: aws_lc_rs::rsa::KeyPair,
}

impl std::fmt::Debug for TestIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestIssuer").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl TestIssuer {
    /// A fresh 2048-bit key named `kid`.
    pub fn generate(kid: &str) -> Result<TestIssuer> {
        let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| Error::Crypto { what: "generating an RSA key".into() })?;
        Ok(TestIssuer { kid: kid.to_owned(), key })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// `{"keys": [<this key as an RS256 signing JWK>]}`.
    pub fn jwks(&self) -> Value {
        let (n, e) = rsa_public_components(self.key.public_key().as_ref()).unwrap_or_default();
        let (n, e) = (URL_SAFE_NO_PAD.encode(n), URL_SAFE_NO_PAD.encode(e));
        json!({"keys": [{"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", "n": n, "e": e}]})
    }

    /// `claims` signed with the header Cognito uses: `{"kid", "alg": "RS256"}`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({"kid": self.kid, "alg": "RS256"}), claims)
    }

    /// `claims` under any `header`, signed RS256 whatever the header says.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let signed =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut signature = vec![0; self.key.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        // Signing with a valid key into a buffer of the modulus' size cannot fail.
        let _ = self.key.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, signed.as_bytes(), &mut signature);
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// `n` and `e` of a DER `RSAPublicKey` (RFC 8017: a SEQUENCE of two INTEGERs), without leading
/// zeros; aws-lc-rs exposes them only with a feature the rest of the build does not use.
fn rsa_public_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    /// One tag-length-value: the value and what follows it.
    fn tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&first, rest) = input.split_first()?;
        if first != tag {
            return None;
        }
        let (&len, rest) = rest.split_first()?;
        let (len, rest) = match len {
            0..=0x7f => (usize::from(len), rest),
            0x81..=0x82 => {
                let width = usize::from(len & 0x7f);
                let bytes = rest.get(..width)?;
                (bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)), &rest[width..])
            }
            _ => return None,
        };
        Some((rest.get(..len)?, &rest[len..]))
    }
    let trim = |v: &[u8]| v[v.iter().position(|b| *b != 0).unwrap_or(v.len())..].to_vec();
    let (sequence, _) = tlv(der, 0x30)?;
    let (n, rest) = tlv(sequence, 0x02)?;
    let (e, _) = tlv(rest, 0x02)?;
    Some((trim(n), trim(e)))
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;
    use std::time::UNIX_EPOCH;

    use super::*;

    const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test";
    const NOW: u64 = 1_800_000_000;

    fn issuer() -> &'static TestIssuer {
        static ISSUER: OnceLock<TestIssuer> = OnceLock::new();
        ISSUER.get_or_init(|| TestIssuer::generate("k1").expect("key"))
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }

    fn verifier() -> JwtVerifier {
        JwtVerifier::new(ISS, ["client-a", "client-b"], Jwks::from_json(&issuer().jwks()).expect("jwks"))
    }

    fn claims() -> Value {
        let now = NOW as i64;
        json!({"iss": ISS, "aud": "client-a", "sub": "u-1", "token_use": "id", "iat": now - 10, "exp": now + 3600})
    }

    fn with(patch: Value) -> Value {
        let mut c = claims();
        for (k, v) in patch.as_object().expect("object") {
            if v.is_null() {
                c.as_object_mut().expect("object").remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    }

    fn check(claims: &Value) -> Result<Claims, JwtError> {
        verifier().verify(&issuer().sign(claims), now())
    }

    #[test]
    fn a_valid_token_gives_its_claims() {
        let got = check(&claims()).expect("valid");
        assert_eq!(got["sub"], "u-1");
        // An access token has client_id and no aud.
        let access = with(json!({"aud": null, "client_id": "client-b", "token_use": "access"}));
        assert_eq!(check(&access).expect("valid")["client_id"], "client-b");
        assert!(check(&with(json!({"aud": ["other", "client-a"]}))).is_ok(), "an array aud");
    }

    #[test]
    fn claim_checks() {
        let t = NOW as i64;
        assert_eq!(check(&with(json!({"iss": "https://other"}))), Err(JwtError::Issuer("https://other".into())));
        assert_eq!(check(&with(json!({"iss": null}))), Err(JwtError::Issuer(String::new())));
        assert_eq!(check(&with(json!({"aud": "client-c"}))), Err(JwtError::Audience));
        // With aud present, client_id is not looked at (as API Gateway does).
        assert_eq!(check(&with(json!({"aud": "client-c", "client_id": "client-a"}))), Err(JwtError::Audience));
        assert_eq!(check(&with(json!({"aud": null}))), Err(JwtError::Audience));
        assert_eq!(check(&with(json!({"exp": t - 3600}))), Err(JwtError::Expired { exp: t - 3600 }));
        assert!(check(&with(json!({"exp": t - 5}))).is_ok(), "within the leeway");
        assert_eq!(check(&with(json!({"exp": null}))), Err(JwtError::Claim("exp")));
        assert_eq!(check(&with(json!({"exp": "soon"}))), Err(JwtError::Claim("exp")));
        assert_eq!(check(&with(json!({"nbf": t + 600}))), Err(JwtError::NotYetValid { nbf: t + 600 }));
        assert!(check(&with(json!({"nbf": t - 1}))).is_ok());
        assert_eq!(check(&with(json!({"iat": t + 600}))), Err(JwtError::IssuedInFuture { iat: t + 600 }));
        let strict = verifier().with_leeway(Duration::ZERO);
        assert!(strict.verify(&issuer().sign(&with(json!({"exp": t - 5}))), now()).is_err());
    }

    #[test]
    fn signature_and_header_checks() {
        let token = issuer().sign(&claims());
        let (signed, signature) = token.rsplit_once('.').expect("parts");
        let mut bytes = URL_SAFE_NO_PAD.decode(signature).expect("b64");
        bytes[10] ^= 1;
        let flipped = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(&bytes));
        assert_eq!(verifier().verify(&flipped, now()), Err(JwtError::Signature));

        // The payload changed under the same signature.
        let (head, _) = signed.split_once('.').expect("parts");
        let tampered =
            format!("{head}.{}.{signature}", URL_SAFE_NO_PAD.encode(with(json!({"sub": "admin"})).to_string()));
        assert_eq!(verifier().verify(&tampered, now()), Err(JwtError::Signature));

        let none = compose_jwt(&json!({"alg": "none", "kid": "k1"}), &claims(), b"");
        assert_eq!(verifier().verify(&none, now()), Err(JwtError::Algorithm("none".into())));
        let hs = compose_jwt(&json!({"alg": "HS256", "kid": "k1"}), &claims(), b"mac");
        assert_eq!(verifier().verify(&hs, now()), Err(JwtError::Algorithm("HS256".into())));
        // RS256 in the header yet signed by someone else's key.
        let other = TestIssuer::generate("k1").expect("key");
        assert_eq!(verifier().verify(&other.sign(&claims()), now()), Err(JwtError::Signature));
        let unknown = issuer().sign_with_header(&json!({"alg": "RS256", "kid": "k2"}), &claims());
        assert_eq!(verifier().verify(&unknown, now()), Err(JwtError::UnknownKey("k2".into())));
        let no_kid = issuer().sign_with_header(&json!({"alg": "RS256"}), &claims());
        assert_eq!(verifier().verify(&no_kid, now()), Err(JwtError::Malformed("no kid")));
        let crit = issuer().sign_with_header(&json!({"alg": "RS256", "kid": "k1", "crit": ["x"]}), &claims());
        assert!(matches!(verifier().verify(&crit, now()), Err(JwtError::Malformed(_))));
    }

    #[test]
    fn malformed_tokens() {
        let v = verifier();
        assert_eq!(v.verify("", now()), Err(JwtError::Missing));
        let head = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "kid": "k1"}).to_string());
        for token in ["abc", "a.b", "a.b.c.d", "!!.e30.e30", &format!("{head}.e30.%%")] {
            assert!(matches!(v.verify(token, now()), Err(JwtError::Malformed(_))), "{token}");
        }
        assert_eq!(v.verify("e30.e30.e30", now()), Err(JwtError::Algorithm(String::new())), "no alg");
        // A header that is JSON but not an object.
        let array = format!("{}.e30.e30", URL_SAFE_NO_PAD.encode("[1]"));
        assert!(matches!(v.verify(&array, now()), Err(JwtError::Malformed(_))));
        assert!(matches!(v.verify(&"a".repeat(MAX_TOKEN_LEN + 1), now()), Err(JwtError::Malformed("too long"))));
    }

    #[test]
    fn key_sets() {
        let mut doc = issuer().jwks();
        // A leading zero byte in n is tolerated; other key types and uses are skipped.
        let n = URL_SAFE_NO_PAD.decode(doc["keys"][0]["n"].as_str().expect("n")).expect("b64");
        doc["keys"][0]["n"] = URL_SAFE_NO_PAD.encode([&[0u8][..], &n].concat()).into();
        doc["keys"].as_array_mut().expect("keys").extend([
            json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}),
            json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"}),
        ]);
        let jwks = Jwks::from_json(&doc).expect("usable");
        assert_eq!(jwks.kids().collect::<Vec<_>>(), ["k1"]);
        let v = JwtVerifier::new(ISS, ["client-a"], jwks);
        assert!(v.verify(&issuer().sign(&claims()), now()).is_ok());

        for bad in
            [json!({}), json!({"keys": []}), json!({"keys": [{"kty": "RSA", "kid": "x", "n": "**", "e": "AQAB"}]})]
        {
            assert!(matches!(Jwks::from_json(&bad), Err(Error::Jwks { .. })), "{bad}");
        }
    }

    #[test]
    fn reads_der_public_keys() {
        // SEQUENCE { INTEGER 0x00c1 (a leading zero keeps it positive), INTEGER 3 }
        let der = [0x30, 0x07, 0x02, 0x02, 0x00, 0xc1, 0x02, 0x01, 0x03];
        assert_eq!(rsa_public_components(&der), Some((vec![0xc1], vec![3])));
        assert_eq!(rsa_public_components(&der[..6]), None, "truncated");
        let jwks = issuer().jwks();
        let n = URL_SAFE_NO_PAD.decode(jwks["keys"][0]["n"].as_str().expect("n")).expect("b64");
        assert_eq!(n.len(), 256, "a 2048-bit modulus");
        assert_eq!(jwks["keys"][0]["e"], "AQAB");
    }

    #[test]
    fn unverified_claims_for_tests() {
        let token = issuer().sign(&claims());
        assert_eq!(decode_jwt_claims(&token).expect("claims")["sub"], "u-1");
        assert_eq!(decode_jwt_claims("garbage"), None);
    }
}
