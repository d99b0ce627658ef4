//! Identity providers: OpenID Connect providers (the issuers whose ID tokens
//! `AssumeRoleWithWebIdentity` accepts, with their client ids) and SAML providers (the metadata
//! whose certificates `AssumeRoleWithSAML` checks assertions with).

use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_federation::oidc::provider_url;
use trailroom_federation::saml;
use trailroom_identity::{OidcProviderRecord, SamlProviderRecord, kinds};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_store::ReadTxn;

use super::tagging::{tags_param, write_tags};
use super::{conflict, list_all, load, no_such_entity, put, store, validation};
use crate::output::{QueryOutput, iso_time};

/// Most client ids and thumbprints on one OIDC provider.
const MAX_CLIENT_IDS: usize = 100;
const MAX_THUMBPRINTS: usize = 5;

fn members(p: &QueryParams, name: &str) -> Vec<String> {
    (1..)
        .map_while(|n| p.get(&format!("{name}.member.{n}")).map(str::to_owned))
        .collect()
}

fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidInput", message)
}

fn check_thumbprints(thumbprints: &[String]) -> Result<(), ApiError> {
    if thumbprints.len() > MAX_THUMBPRINTS {
        return Err(ApiError::client(
            "LimitExceeded",
            format!("Thumbprint list must contain fewer than {MAX_THUMBPRINTS} entries."),
        ));
    }
    match thumbprints
        .iter()
        .all(|t| t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        true => Ok(()),
        false => Err(validation(format!(
            "1 validation error detected: Value '{thumbprints:?}' at 'thumbprintList' failed to \
             satisfy constraint: Member must satisfy constraint: [Member must have length less \
             than or equal to 40, Member must have length greater than or equal to 40]"
        ))),
    }
}

fn check_client_id(id: &str) -> Result<(), ApiError> {
    match (1..=255).contains(&id.chars().count()) {
        true => Ok(()),
        false => Err(validation(format!(
            "1 validation error detected: Value '{id}' at 'clientID' failed to satisfy \
             constraint: Member must have length less than or equal to 255"
        ))),
    }
}

// ---- OpenID Connect -------------------------------------------------------------------------

/// The provider a call's `OpenIDConnectProviderArn` names, in the caller's account.
fn load_oidc(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<OidcProviderRecord, ApiError> {
    let missing = || no_such_entity(format!("OpenIDConnect Provider not found for arn {arn}"));
    let url = arn
        .strip_prefix(&format!("arn:aws:iam::{account}:oidc-provider/"))
        .ok_or_else(missing)?;
    load(txn, account, kinds::OIDC_PROVIDER, url)?.ok_or_else(missing)
}

/// The OIDC provider of `account` for tokens of `issuer`, if one exists.
pub(crate) fn oidc_provider_for(
    txn: &dyn ReadTxn,
    account: &str,
    issuer: &str,
) -> Result<Option<OidcProviderRecord>, ApiError> {
    load(txn, account, kinds::OIDC_PROVIDER, provider_url(issuer))
}

pub(super) async fn create_oidc_provider(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let url_param = p.require("Url")?;
    if !url_param.starts_with("https://") || url_param.len() > 255 || url_param.len() < 9 {
        return Err(invalid_input(format!(
            "Invalid URL: {url_param}. The URL must begin with https://"
        )));
    }
    let client_ids = members(p, "ClientIDList");
    client_ids.iter().try_for_each(|c| check_client_id(c))?;
    if client_ids.len() > MAX_CLIENT_IDS {
        return Err(ApiError::client(
            "LimitExceeded",
            format!("Client ID list must contain fewer than {MAX_CLIENT_IDS} entries."),
        ));
    }
    let thumbprints: Vec<String> = members(p, "ThumbprintList")
        .into_iter()
        .map(|t| t.to_lowercase())
        .collect();
    check_thumbprints(&thumbprints)?;
    let record = OidcProviderRecord {
        account_id: ctx.account_id().to_owned(),
        url: provider_url(url_param).to_owned(),
        client_ids,
        thumbprints,
        created_ms: ctx.now_ms(),
        tags: tags_param(p)?,
    };
    let url_param = url_param.to_owned();
    ctx.write(move |tx| {
        if load::<OidcProviderRecord>(&*tx, &record.account_id, kinds::OIDC_PROVIDER, &record.url)?
            .is_some()
        {
            return Err(conflict(
                "EntityAlreadyExists",
                format!("Provider with url {url_param} already exists."),
            ));
        }
        put(
            tx,
            &record.account_id,
            kinds::OIDC_PROVIDER,
            &record.url,
            &record,
            None,
        )?;
        let arn = record.arn();
        let tags = record.tags.clone();
        Ok(QueryOutput::new(
            json!({ "openIDConnectProviderArn": arn }),
            |x| {
                x.element("OpenIDConnectProviderArn", &arn);
                if !tags.is_empty() {
                    write_tags(x, &tags);
                }
            },
        ))
    })
    .await
}

pub(super) fn get_oidc_provider(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("OpenIDConnectProviderArn")?;
    let provider = ctx.read(|txn| load_oidc(txn, ctx.account_id(), arn))?;
    ctx.add_resource("AWS::IAM::OIDCProvider", provider.arn());
    Ok(QueryOutput::new(Value::Null, move |x| {
        x.element("Url", &provider.url);
        write_list(x, "ClientIDList", &provider.client_ids);
        write_list(x, "ThumbprintList", &provider.thumbprints);
        x.element("CreateDate", &iso_time(provider.created_ms));
        write_tags(x, &provider.tags);
    }))
}

pub(super) fn list_oidc_providers(ctx: &CallContext) -> Result<QueryOutput, ApiError> {
    let providers: Vec<OidcProviderRecord> = list_all(ctx, kinds::OIDC_PROVIDER)?;
    Ok(QueryOutput::new(Value::Null, move |x| {
        x.nest("OpenIDConnectProviderList", |l| {
            for provider in &providers {
                l.nest("member", |m| {
                    m.element("Arn", &provider.arn());
                });
            }
        });
    }))
}

pub(super) async fn delete_oidc_provider(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("OpenIDConnectProviderArn")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let provider = load_oidc(&*tx, &account, &arn)?;
        store(tx.delete(&account, kinds::OIDC_PROVIDER, &provider.url))?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

/// One change to a stored OIDC provider.
enum OidcChange {
    AddClientId(String),
    RemoveClientId(String),
    Thumbprints(Vec<String>),
}

impl OidcChange {
    fn of(p: &QueryParams, action: &str) -> Result<Self, ApiError> {
        Ok(match action {
            "AddClientIDToOpenIDConnectProvider" => {
                let id = p.require("ClientID")?.to_owned();
                check_client_id(&id)?;
                Self::AddClientId(id)
            }
            "RemoveClientIDFromOpenIDConnectProvider" => {
                Self::RemoveClientId(p.require("ClientID")?.to_owned())
            }
            _ => {
                let thumbprints: Vec<String> = members(p, "ThumbprintList")
                    .into_iter()
                    .map(|t| t.to_lowercase())
                    .collect();
                check_thumbprints(&thumbprints)?;
                Self::Thumbprints(thumbprints)
            }
        })
    }

    fn apply(self, provider: &mut OidcProviderRecord) -> Result<(), ApiError> {
        match self {
            Self::AddClientId(id) => {
                if !provider.client_ids.contains(&id) {
                    provider.client_ids.push(id);
                }
                if provider.client_ids.len() > MAX_CLIENT_IDS {
                    return Err(ApiError::client(
                        "LimitExceeded",
                        "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100",
                    ));
                }
            }
            Self::RemoveClientId(id) => provider.client_ids.retain(|c| *c != id),
            Self::Thumbprints(thumbprints) => provider.thumbprints = thumbprints,
        }
        Ok(())
    }
}

/// AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider and
/// UpdateOpenIDConnectProviderThumbprint.
pub(super) async fn change_oidc_provider(
    ctx: &CallContext,
    p: &QueryParams,
    action: &str,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("OpenIDConnectProviderArn")?.to_owned();
    let change = OidcChange::of(p, action)?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let mut provider = load_oidc(&*tx, &account, &arn)?;
        change.apply(&mut provider)?;
        put(
            tx,
            &account,
            kinds::OIDC_PROVIDER,
            &provider.url,
            &provider,
            None,
        )?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

fn write_list(x: &mut XmlWriter, tag: &str, items: &[String]) {
    x.nest(tag, |l| {
        for item in items {
            l.element("member", item);
        }
    });
}

// ---- SAML -----------------------------------------------------------------------------------

fn load_saml(txn: &dyn ReadTxn, account: &str, arn: &str) -> Result<SamlProviderRecord, ApiError> {
    let missing = || no_such_entity(format!("SAMLProvider not found for arn {arn}"));
    let name = arn
        .strip_prefix(&format!("arn:aws:iam::{account}:saml-provider/"))
        .ok_or_else(missing)?;
    load(txn, account, kinds::SAML_PROVIDER, name)?.ok_or_else(missing)
}

/// The SAML provider an ARN names, in whatever account it is; `None` if it does not exist.
pub(crate) fn saml_provider(
    txn: &dyn ReadTxn,
    arn: &str,
) -> Result<Option<SamlProviderRecord>, ApiError> {
    let Some((account, name)) = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":saml-provider/"))
    else {
        return Ok(None);
    };
    load(txn, account, kinds::SAML_PROVIDER, name)
}

fn check_metadata(document: &str) -> Result<saml::ProviderMetadata, ApiError> {
    if document.len() < 1000 || document.len() > 10_000_000 {
        return Err(validation(
            "1 validation error detected: Value at 'sAMLMetadataDocument' failed to satisfy \
             constraint: Member must have length greater than or equal to 1000",
        ));
    }
    saml::read_metadata(document).map_err(|e| invalid_input(e.to_string()))
}

pub(super) async fn create_saml_provider(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let name = p.require("Name")?.to_owned();
    let valid_name = (1..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !valid_name {
        return Err(validation(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\w._-]+"
        )));
    }
    let document = p.require("SAMLMetadataDocument")?.to_owned();
    let metadata = check_metadata(&document)?;
    let record = SamlProviderRecord {
        account_id: ctx.account_id().to_owned(),
        name,
        metadata_document: document,
        uuid: uuid::Uuid::new_v4().to_string(),
        created_ms: ctx.now_ms(),
        valid_until: metadata.valid_until,
        tags: tags_param(p)?,
    };
    ctx.write(move |tx| {
        let account = record.account_id.clone();
        if load::<SamlProviderRecord>(&*tx, &account, kinds::SAML_PROVIDER, &record.name)?.is_some()
        {
            return Err(conflict(
                "EntityAlreadyExists",
                format!("SAMLProvider {} already exists.", record.name),
            ));
        }
        put(
            tx,
            &account,
            kinds::SAML_PROVIDER,
            &record.name,
            &record,
            None,
        )?;
        let arn = record.arn();
        let tags = record.tags.clone();
        Ok(QueryOutput::new(json!({ "sAMLProviderArn": arn }), |x| {
            x.element("SAMLProviderArn", &arn);
            if !tags.is_empty() {
                write_tags(x, &tags);
            }
        }))
    })
    .await
}

pub(super) fn get_saml_provider(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("SAMLProviderArn")?;
    let provider = ctx.read(|txn| load_saml(txn, ctx.account_id(), arn))?;
    Ok(QueryOutput::new(Value::Null, move |x| {
        x.element("SAMLProviderUUID", &provider.uuid);
        x.element("SAMLMetadataDocument", &provider.metadata_document);
        x.element("CreateDate", &iso_time(provider.created_ms));
        if let Some(until) = &provider.valid_until {
            x.element("ValidUntil", until);
        }
        write_tags(x, &provider.tags);
    }))
}

pub(super) fn list_saml_providers(ctx: &CallContext) -> Result<QueryOutput, ApiError> {
    let providers: Vec<SamlProviderRecord> = list_all(ctx, kinds::SAML_PROVIDER)?;
    Ok(QueryOutput::new(Value::Null, move |x| {
        x.nest("SAMLProviderList", |l| {
            for provider in &providers {
                l.nest("member", |m| {
                    m.element("Arn", &provider.arn());
                    if let Some(until) = &provider.valid_until {
                        m.element("ValidUntil", until);
                    }
                    m.element("CreateDate", &iso_time(provider.created_ms));
                });
            }
        });
    }))
}

pub(super) async fn update_saml_provider(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("SAMLProviderArn")?.to_owned();
    let document = p.require("SAMLMetadataDocument")?.to_owned();
    let metadata = check_metadata(&document)?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let mut provider = load_saml(&*tx, &account, &arn)?;
        provider.metadata_document = document;
        provider.valid_until = metadata.valid_until;
        put(
            tx,
            &account,
            kinds::SAML_PROVIDER,
            &provider.name,
            &provider,
            None,
        )?;
        let arn = provider.arn();
        Ok(QueryOutput::new(json!({ "sAMLProviderArn": arn }), |x| {
            x.element("SAMLProviderArn", &arn);
        }))
    })
    .await
}

pub(super) async fn delete_saml_provider(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let arn = p.require("SAMLProviderArn")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let provider = load_saml(&*tx, &account, &arn)?;
        store(tx.delete(&account, kinds::SAML_PROVIDER, &provider.name))?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}
