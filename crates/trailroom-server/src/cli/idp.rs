//! `trailroom idp …`: the data directory's test identity provider at a shell. It mints OpenID
//! Connect ID tokens (for `aws sts assume-role-with-web-identity`, under any issuer) and signed
//! SAML responses (for `aws sts assume-role-with-saml`), and prints the JWKS and the SAML
//! metadata to register it with. The key is made on first use and kept in the data directory,
//! so a running server trusts what these commands sign.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};
use trailroom_federation::SessionAttributes;
use trailroom_federation::saml::ResponseSpec;
use trailroom_federation::test_idp::TestIdp;

use crate::cli::admin::open;

/// The test identity provider's commands.
#[derive(Debug, Subcommand)]
pub enum IdpCommand {
    /// Prints an OIDC ID token (a JWT) signed by the test identity provider.
    Token(TokenArgs),
    /// Prints the JSON Web Key Set that verifies its tokens.
    Jwks(DataDir),
    /// Prints SAML metadata naming it, for `aws iam create-saml-provider`.
    SamlMetadata {
        /// `entityID`: the issuer its SAML responses name.
        #[arg(long)]
        entity_id: String,
        #[command(flatten)]
        data_dir: DataDir,
    },
    /// Prints a signed SAML response (base64), for `aws sts assume-role-with-saml`.
    SamlResponse(SamlArgs),
}

/// Where the key lives.
#[derive(Debug, Args)]
pub struct DataDir {
    /// Data directory of the server.
    #[arg(long, env = "TRAILROOM_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

/// Session tags and source identity, as both token kinds carry them.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// A session tag `KEY=VALUE` (repeat for several).
    #[arg(long = "tag", value_parser = key_value)]
    pub tags: Vec<(String, String)>,
    /// A tag key chained role sessions inherit (repeat for several).
    #[arg(long = "transitive-tag-key")]
    pub transitive_tag_keys: Vec<String>,
    /// The session's source identity.
    #[arg(long)]
    pub source_identity: Option<String>,
}

impl SessionArgs {
    fn attributes(&self) -> SessionAttributes {
        SessionAttributes {
            tags: self.tags.iter().cloned().collect(),
            transitive_tag_keys: self.transitive_tag_keys.clone(),
            source_identity: self.source_identity.clone(),
        }
    }
}

/// What an ID token says.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// `iss`, e.g. `https://token.actions.githubusercontent.com`.
    #[arg(long)]
    pub issuer: String,
    /// `sub`, e.g. `repo:octo-org/octo-repo:ref:refs/heads/main`.
    #[arg(long)]
    pub subject: String,
    /// `aud`, e.g. `sts.amazonaws.com`.
    #[arg(long)]
    pub audience: String,
    /// A further claim `NAME=JSON` (or `NAME=text`), repeat for several.
    #[arg(long = "claim", value_parser = key_value)]
    pub claims: Vec<(String, String)>,
    /// How long the token is valid, e.g. `5m`, `1h`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub lifetime: std::time::Duration,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub data_dir: DataDir,
}

/// What a SAML response says.
#[derive(Debug, Args)]
pub struct SamlArgs {
    /// `Issuer`: the `entityID` of the metadata the SAML provider was created with.
    #[arg(long)]
    pub entity_id: String,
    /// The subject's `NameID`.
    #[arg(long)]
    pub subject: String,
    /// `ROLE_ARN,PROVIDER_ARN` the user may assume (repeat for several).
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// RoleSessionName (default: the subject).
    #[arg(long)]
    pub session_name: Option<String>,
    /// SessionDuration in seconds.
    #[arg(long)]
    pub session_duration: Option<i64>,
    /// A further attribute `NAME=VALUE` (repeat for several).
    #[arg(long = "attribute", value_parser = key_value)]
    pub attributes: Vec<(String, String)>,
    /// How long the assertion may be redeemed, e.g. `5m`.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    pub lifetime: std::time::Duration,
    #[command(flatten)]
    pub session: SessionArgs,
    #[command(flatten)]
    pub data_dir: DataDir,
}

fn key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))
}

/// Runs one command; prints its result.
pub async fn run(
    command: IdpCommand,
    now_ms: i64,
    out: &mut impl std::io::Write,
) -> anyhow::Result<()> {
    let data_dir = match &command {
        IdpCommand::Token(args) => &args.data_dir,
        IdpCommand::Jwks(dir) => dir,
        IdpCommand::SamlMetadata { data_dir, .. } => data_dir,
        IdpCommand::SamlResponse(args) => &args.data_dir,
    };
    let store = open(&data_dir.data_dir)?;
    let idp = TestIdp::ensure(store.as_ref(), now_ms).await;
    store.shutdown();
    let idp = idp.context("cannot load the test identity provider's key")?;
    let text = match command {
        IdpCommand::Token(args) => token(&idp, &args, now_ms)?,
        IdpCommand::Jwks(_) => serde_json::to_string_pretty(&idp.jwks())?,
        IdpCommand::SamlMetadata { entity_id, .. } => idp.saml_metadata(&entity_id),
        IdpCommand::SamlResponse(args) => saml_response(&idp, &args, now_ms)?,
    };
    writeln!(out, "{}", text.trim_end())?;
    Ok(())
}

fn token(idp: &TestIdp, args: &TokenArgs, now_ms: i64) -> anyhow::Result<String> {
    let now_s = now_ms / 1000;
    let lifetime = i64::try_from(args.lifetime.as_secs()).context("lifetime too long")?;
    let mut claims: Map<String, Value> = json!({
        "iss": args.issuer,
        "sub": args.subject,
        "aud": args.audience,
        "iat": now_s,
        "nbf": now_s,
        "exp": now_s + lifetime,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    for (name, value) in &args.claims {
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.clone()));
        claims.insert(name.clone(), value);
    }
    let session = args.session.attributes();
    if !session.tags.is_empty() {
        let tags: BTreeMap<&String, [&String; 1]> =
            session.tags.iter().map(|(k, v)| (k, [v])).collect();
        claims.insert(
            trailroom_federation::oidc::TAGS_CLAIM.into(),
            json!({ "principal_tags": tags, "transitive_tag_keys": session.transitive_tag_keys }),
        );
    }
    if let Some(source) = session.source_identity {
        claims.insert(
            trailroom_federation::oidc::SOURCE_IDENTITY_CLAIM.into(),
            source.into(),
        );
    }
    Ok(idp.mint_token(&claims)?)
}

fn saml_response(idp: &TestIdp, args: &SamlArgs, now_ms: i64) -> anyhow::Result<String> {
    let mut roles = Vec::new();
    for pair in &args.roles {
        let Some((role, provider)) = pair.split_once(',') else {
            bail!("--role {pair:?} is not ROLE_ARN,PROVIDER_ARN");
        };
        roles.push((role.trim().to_owned(), provider.trim().to_owned()));
    }
    let mut extra_attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &args.attributes {
        extra_attributes
            .entry(name.clone())
            .or_default()
            .push(value.clone());
    }
    let spec = ResponseSpec {
        issuer: args.entity_id.clone(),
        subject: args.subject.clone(),
        subject_format: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into(),
        roles,
        session_name: args
            .session_name
            .clone()
            .unwrap_or_else(|| args.subject.clone()),
        session_duration_s: args.session_duration,
        session: args.session.attributes(),
        extra_attributes,
        lifetime_s: i64::try_from(args.lifetime.as_secs()).context("lifetime too long")?,
    };
    Ok(idp.sign_saml_response(&spec, now_ms)?)
}
