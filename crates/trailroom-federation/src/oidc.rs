//! OpenID Connect ID tokens as `AssumeRoleWithWebIdentity` reads them.
//!
//! A token is accepted when a key trusted for its issuer (`iss`) verifies its signature (RS256,
//! RS384, RS512, ES256 or ES384, as STS accepts), it names a subject, and the current time is
//! before its `exp` and not before its `nbf`. Which audiences a provider accepts, and the trust
//! policy's conditions, are the caller's business: this module reports what the token says.
//!
//! Times are checked against the caller's clock, never the system's, so tests can move time.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::SessionAttributes;

/// The claim holding AWS session tags: `{"principal_tags": {"Key": ["value"]},
/// "transitive_tag_keys": ["Key"]}`.
pub const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
/// The claim holding the session's source identity.
pub const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";

/// Signature algorithms STS accepts for ID tokens (of those the JWT library implements).
const ALGORITHMS: [Algorithm; 5] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// What a token says, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentityToken {
    /// `iss`, as written (`https://token.actions.githubusercontent.com`).
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `aud` (one or several).
    pub audiences: Vec<String>,
    /// `azp`, when present: then it, not `aud`, is the audience STS matches.
    pub authorized_party: Option<String>,
    /// `amr`: authentication methods (Cognito writes `authenticated`/`unauthenticated`).
    pub amr: Vec<String>,
    /// `exp`, seconds since the epoch.
    pub expires_s: Option<i64>,
    /// `nbf`, seconds since the epoch.
    pub not_before_s: Option<i64>,
    /// Session tags and source identity from AWS's claims.
    pub session: SessionAttributes,
}

impl WebIdentityToken {
    /// The issuer without its scheme: what an IAM OIDC provider is named by
    /// (`token.actions.githubusercontent.com`), and the prefix of the trust policy's keys
    /// (`token.actions.githubusercontent.com:sub`).
    pub fn provider_url(&self) -> &str {
        provider_url(&self.issuer)
    }

    /// The audience STS matches against the provider's client ids: `azp` when present, else the
    /// first `aud`.
    pub fn audience(&self) -> &str {
        self.authorized_party
            .as_deref()
            .or(self.audiences.first().map(String::as_str))
            .unwrap_or_default()
    }
}

/// `https://host/path` → `host/path` (trailing slash dropped), as IAM names OIDC providers.
pub fn provider_url(issuer: &str) -> &str {
    let url = issuer.strip_prefix("https://").unwrap_or(issuer);
    url.strip_suffix('/').unwrap_or(url)
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url parts with JSON header and claims.
    #[error("the token is not a well-formed JWT")]
    Malformed,
    /// A claim STS needs is missing or of the wrong type.
    #[error("the token has no valid {0} claim")]
    MissingClaim(&'static str),
    /// An algorithm STS does not accept (`none`, HMAC, …).
    #[error("the token's signature algorithm is not accepted")]
    Algorithm,
    /// No trusted key of the issuer verifies the signature.
    #[error("the token's signature could not be verified")]
    Signature,
    /// `exp` is not after now.
    #[error(
        "Token expired: current date/time {now_s} must be before the expiration date/time{expires_s}"
    )]
    Expired {
        /// Now, seconds since the epoch.
        now_s: i64,
        /// The token's `exp`.
        expires_s: i64,
    },
    /// `nbf` is after now.
    #[error("the token is not valid yet")]
    NotYetValid,
}

/// A key that may verify tokens: of one issuer, or of any (the test identity provider).
#[derive(Clone)]
pub struct TrustedKey {
    /// `iss` the key verifies tokens of; `None`: any issuer.
    pub issuer: Option<String>,
    /// `kid` of the key, matched against the token header's when both have one.
    pub key_id: Option<String>,
    /// The public key.
    pub key: DecodingKey,
}

impl std::fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedKey")
            .field("issuer", &self.issuer)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// The keys of a JSON Web Key Set (`{"keys": [...]}`) as trusted keys of `issuer`.
pub fn keys_from_jwks(issuer: &str, jwks: &str) -> Result<Vec<TrustedKey>, String> {
    let set: JwkSet = serde_json::from_str(jwks).map_err(|e| format!("not a JWKS: {e}"))?;
    set.keys
        .iter()
        .map(|jwk| {
            let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable key: {e}"))?;
            Ok(TrustedKey {
                issuer: Some(issuer.to_owned()),
                key_id: jwk.common.key_id.clone(),
                key,
            })
        })
        .collect()
}

/// Reads a token's claims without checking its signature or times: for recording who a refused
/// caller claimed to be, never for deciding.
pub fn read_unverified(token: &str) -> Result<WebIdentityToken, TokenError> {
    let mut parts = token.split('.');
    let (Some(_header), Some(claims), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(claims.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed)?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)?;
    parse_claims(&claims)
}

/// Verifies `token` with the keys trusted for its issuer and reads it; `now_ms` decides `exp`
/// and `nbf`.
pub fn verify(
    token: &str,
    keys: &[TrustedKey],
    now_ms: i64,
) -> Result<WebIdentityToken, TokenError> {
    let claimed = read_unverified(token)?;
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err(TokenError::Algorithm);
    }
    // One algorithm: the header's (the library refuses a list that mixes key families).
    let mut validation = Validation::new(header.alg);
    // Times and audiences are checked here, against the server's clock and the provider.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let verified = keys
        .iter()
        .filter(|k| k.issuer.as_deref().is_none_or(|i| i == claimed.issuer))
        .filter(|k| match (&k.key_id, &header.kid) {
            (Some(key), Some(wanted)) => key == wanted,
            _ => true,
        })
        .find_map(|k| jsonwebtoken::decode::<Map<String, Value>>(token, &k.key, &validation).ok())
        .ok_or(TokenError::Signature)?;
    let token = parse_claims(&verified.claims)?;
    let now_s = now_ms.div_euclid(1000);
    let expires_s = token.expires_s.ok_or(TokenError::MissingClaim("exp"))?;
    if now_s >= expires_s {
        return Err(TokenError::Expired { now_s, expires_s });
    }
    if token.not_before_s.is_some_and(|nbf| nbf > now_s) {
        return Err(TokenError::NotYetValid);
    }
    Ok(token)
}

fn parse_claims(claims: &Map<String, Value>) -> Result<WebIdentityToken, TokenError> {
    let text = |name: &'static str| -> Result<String, TokenError> {
        claims
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or(TokenError::MissingClaim(name))
    };
    let strings = |value: Option<&Value>| -> Vec<String> {
        match value {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let audiences = strings(claims.get("aud"));
    if audiences.is_empty() {
        return Err(TokenError::MissingClaim("aud"));
    }
    Ok(WebIdentityToken {
        issuer: text("iss")?,
        subject: text("sub")?,
        audiences,
        authorized_party: claims.get("azp").and_then(Value::as_str).map(str::to_owned),
        amr: strings(claims.get("amr")),
        expires_s: claims.get("exp").and_then(Value::as_i64),
        not_before_s: claims.get("nbf").and_then(Value::as_i64),
        session: session_attributes(claims),
    })
}

/// AWS's session claims: tags (each a one-element list), transitive keys, source identity.
fn session_attributes(claims: &Map<String, Value>) -> SessionAttributes {
    let tags_claim = claims.get(TAGS_CLAIM);
    let tags: BTreeMap<String, String> = tags_claim
        .and_then(|t| t.get("principal_tags"))
        .and_then(Value::as_object)
        .map(|tags| {
            tags.iter()
                .filter_map(|(key, value)| {
                    let value = match value {
                        Value::Array(items) => items.first()?.as_str()?,
                        Value::String(s) => s,
                        _ => return None,
                    };
                    Some((key.clone(), value.to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let transitive_tag_keys = tags_claim
        .and_then(|t| t.get("transitive_tag_keys"))
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    SessionAttributes {
        tags,
        transitive_tag_keys,
        source_identity: claims
            .get(SOURCE_IDENTITY_CLAIM)
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::test_idp::TestIdp;

    const NOW_MS: i64 = 1_800_000_000_000;

    fn claims(extra: Value) -> Map<String, Value> {
        let mut claims = json!({
            "iss": "https://token.actions.githubusercontent.com",
            "sub": "repo:octo-org/octo-repo:ref:refs/heads/main",
            "aud": "sts.amazonaws.com",
            "iat": NOW_MS / 1000 - 10,
            "exp": NOW_MS / 1000 + 300,
        });
        for (k, v) in extra.as_object().cloned().unwrap_or_default() {
            claims[k] = v;
        }
        claims.as_object().cloned().unwrap()
    }

    fn idp() -> TestIdp {
        TestIdp::generate(NOW_MS).unwrap()
    }

    #[test]
    fn a_minted_token_verifies_and_reads_back() {
        let idp = idp();
        let token = idp
            .mint_token(&claims(json!({
                TAGS_CLAIM: {"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": ["team"]},
                SOURCE_IDENTITY_CLAIM: "alice",
            })))
            .unwrap();
        let read = verify(&token, &[idp.trusted_key()], NOW_MS).unwrap();
        assert_eq!(read.provider_url(), "token.actions.githubusercontent.com");
        assert_eq!(read.subject, "repo:octo-org/octo-repo:ref:refs/heads/main");
        assert_eq!(read.audience(), "sts.amazonaws.com");
        assert_eq!(read.session.tags["team"], "blue");
        assert_eq!(read.session.transitive_tag_keys, ["team"]);
        assert_eq!(read.session.source_identity.as_deref(), Some("alice"));
    }

    #[test]
    fn another_key_or_a_changed_claim_fails_the_signature() {
        let (signer, other) = (idp(), idp());
        let token = signer.mint_token(&claims(json!({}))).unwrap();
        assert_eq!(
            verify(&token, &[other.trusted_key()], NOW_MS),
            Err(TokenError::Signature)
        );
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let forged = claims(json!({"sub": "repo:attacker/repo:ref:refs/heads/main"}));
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(
            verify(&parts.join("."), &[signer.trusted_key()], NOW_MS),
            Err(TokenError::Signature)
        );
    }

    #[test]
    fn a_key_of_another_issuer_is_not_tried() {
        let idp = idp();
        let token = idp.mint_token(&claims(json!({}))).unwrap();
        let mut key = idp.trusted_key();
        key.issuer = Some("https://accounts.google.com".into());
        assert_eq!(verify(&token, &[key], NOW_MS), Err(TokenError::Signature));
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(json!({}))).unwrap());
        let token = format!("{header}.{body}.");
        assert_eq!(
            verify(&token, &[idp().trusted_key()], NOW_MS),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn lifetime_is_checked_against_the_given_clock() {
        let idp = idp();
        let token = idp.mint_token(&claims(json!({}))).unwrap();
        let later = NOW_MS + 301_000;
        let err = verify(&token, &[idp.trusted_key()], later).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Token expired: current date/time {} must be before the expiration date/time{}",
                later / 1000,
                NOW_MS / 1000 + 300
            )
        );
        let early = idp
            .mint_token(&claims(json!({"nbf": NOW_MS / 1000 + 60})))
            .unwrap();
        assert_eq!(
            verify(&early, &[idp.trusted_key()], NOW_MS),
            Err(TokenError::NotYetValid)
        );
        let forever = idp.mint_token(&claims(json!({"exp": null}))).unwrap();
        assert_eq!(
            verify(&forever, &[idp.trusted_key()], NOW_MS),
            Err(TokenError::MissingClaim("exp"))
        );
    }

    #[test]
    fn azp_is_the_audience_when_present() {
        let token = read_unverified(
            &idp()
                .mint_token(&claims(
                    json!({"aud": ["a", "b"], "azp": "client-1", "amr": ["authenticated"]}),
                ))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(token.audience(), "client-1");
        assert_eq!(token.audiences, ["a", "b"]);
        assert_eq!(token.amr, ["authenticated"]);
    }

    #[test]
    fn jwks_keys_verify_their_issuer() {
        let idp = idp();
        let keys = keys_from_jwks(
            "https://token.actions.githubusercontent.com",
            &idp.jwks().to_string(),
        )
        .unwrap();
        let token = idp.mint_token(&claims(json!({}))).unwrap();
        assert!(verify(&token, &keys, NOW_MS).is_ok());
        assert!(keys_from_jwks("x", "{}").is_err());
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        for token in ["", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.e30"] {
            assert!(verify(token, &[idp().trusted_key()], NOW_MS).is_err());
        }
    }
}
