//! Conferencing: the meeting services rooms can join (conference providers, unique by name) and
//! the account's default provider, the conference preference (a4b.md §2.4, §7.3).

use serde::{Deserialize, Serialize};
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn};

use crate::arn::{Arn, ResourceType, new_arn};
use crate::support::errors::{invalid, limit_exceeded, not_found, required};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self, Keys};
use crate::support::search::{binding, page};
use crate::support::tags;

const TYPE: ResourceType = ResourceType::ConferenceProvider;
/// Conference providers per account (no published quota; a4b.md §5.1).
const MAX_PROVIDERS: usize = 100;
/// Document kind and id of the account's conference preference.
const PREFERENCE_KIND: &str = "a4b_conference_preference";
const PREFERENCE_ID: &str = "default";

/// A stored provider: the model's `ConferenceProvider` plus its creation time, which orders
/// ListConferenceProviders. Stored under its ARN, named by `Name` (unique).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ProviderRecord {
    #[serde(flatten)]
    provider: ConferenceProvider,
    #[serde(rename = "CreatedTime", default)]
    created_ms: i64,
}

impl ProviderRecord {
    fn arn(&self) -> String {
        self.provider.arn.clone().unwrap_or_default()
    }
}

/// A CUSTOM provider has no built-in dial-in, so it needs SIP/H.323 or PSTN settings; the
/// predefined types need nothing extra (a4b.md §7.3).
fn check_dial_in(
    provider_type: &str,
    ip: Option<&IPDialIn>,
    pstn: Option<&PSTNDialIn>,
) -> Result<(), ApiError> {
    if provider_type == "CUSTOM" && ip.is_none() && pstn.is_none() {
        return Err(invalid(
            "A CUSTOM conference provider needs IPDialIn or PSTNDialIn.",
        ));
    }
    Ok(())
}

pub(crate) async fn create_conference_provider(
    ctx: &CallContext,
    input: CreateConferenceProviderRequest,
) -> Result<CreateConferenceProviderResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let provider_type = required(
        input.conference_provider_type.clone(),
        "conferenceProviderType",
    )?;
    check_dial_in(
        &provider_type,
        input.ip_dial_in.as_ref(),
        input.pstn_dial_in.as_ref(),
    )?;
    let arn = new_arn(TYPE, &account, ctx.region());
    let now = ctx.now_ms();
    ctx.write(move |tx| {
        let token = Token::of(
            "CreateConferenceProvider",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            if tx.list(&account, TYPE.kind()).map_err(store_failure)?.len() >= MAX_PROVIDERS {
                return Err(limit_exceeded("conference providers", MAX_PROVIDERS));
            }
            let record = ProviderRecord {
                provider: ConferenceProvider {
                    arn: Some(arn.clone()),
                    name: input.conference_provider_name.clone(),
                    type_: Some(provider_type),
                    ip_dial_in: input.ip_dial_in.clone(),
                    pstn_dial_in: input.pstn_dial_in.clone(),
                    meeting_setting: input.meeting_setting.clone(),
                },
                created_ms: records::next_created_time(tx, &account, TYPE, now)?,
            };
            record.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateConferenceProviderResponse {
                conference_provider_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

pub(crate) async fn get_conference_provider(
    ctx: &CallContext,
    input: GetConferenceProviderRequest,
) -> Result<GetConferenceProviderResponse, ApiError> {
    let record = ctx.read(|txn| {
        ProviderRecord::require_member(
            txn,
            ctx.account_id(),
            input.conference_provider_arn.as_deref(),
        )
    })?;
    Ok(GetConferenceProviderResponse {
        conference_provider: Some(record.provider),
    })
}

/// UpdateConferenceProvider replaces the settings: Type and MeetingSetting are required, and
/// dial-in blocks left out are cleared (a4b.md §7.3). The name cannot change.
pub(crate) async fn update_conference_provider(
    ctx: &CallContext,
    input: UpdateConferenceProviderRequest,
) -> Result<UpdateConferenceProviderResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let provider_type = required(
        input.conference_provider_type.clone(),
        "conferenceProviderType",
    )?;
    let meeting_setting = required(input.meeting_setting.clone(), "meetingSetting")?;
    check_dial_in(
        &provider_type,
        input.ip_dial_in.as_ref(),
        input.pstn_dial_in.as_ref(),
    )?;
    ctx.write(move |tx| {
        let mut record =
            ProviderRecord::require_member(tx, &account, input.conference_provider_arn.as_deref())?;
        let provider = &mut record.provider;
        provider.type_ = Some(provider_type);
        provider.meeting_setting = Some(meeting_setting);
        provider.ip_dial_in = input.ip_dial_in.clone();
        provider.pstn_dial_in = input.pstn_dial_in.clone();
        record.save(tx, &account)?;
        Ok(UpdateConferenceProviderResponse {})
    })
    .await
}

pub(crate) async fn delete_conference_provider(
    ctx: &CallContext,
    input: DeleteConferenceProviderRequest,
) -> Result<DeleteConferenceProviderResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        let arn =
            ProviderRecord::require_member(tx, &account, input.conference_provider_arn.as_deref())?
                .arn();
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        // Deleting the default provider is allowed and leaves the account without a default.
        if load_preference(tx, &account)?
            .and_then(|p| p.default_conference_provider_arn)
            .as_deref()
            == Some(&arn)
        {
            tx.delete(&account, PREFERENCE_KIND, PREFERENCE_ID)
                .map_err(store_failure)?;
        }
        Ok(DeleteConferenceProviderResponse {})
    })
    .await
}

/// Every provider of `account`, oldest first.
fn providers_in_order(
    txn: &dyn ReadTxn,
    account: &str,
) -> Result<Vec<ConferenceProvider>, ApiError> {
    let mut records: Vec<ProviderRecord> = records::list(txn, account, TYPE)?;
    records.sort_by_key(|r| (r.created_ms, r.arn()));
    Ok(records.into_iter().map(|r| r.provider).collect())
}

pub(crate) async fn list_conference_providers(
    ctx: &CallContext,
    input: ListConferenceProvidersRequest,
) -> Result<ListConferenceProvidersResponse, ApiError> {
    let providers = ctx.read(|txn| providers_in_order(txn, ctx.account_id()))?;
    let (items, next_token) = page(
        providers,
        input.max_results,
        50,
        input.next_token.as_deref(),
        &binding(&"ListConferenceProviders"),
    )?;
    Ok(ListConferenceProvidersResponse {
        conference_providers: Some(items),
        next_token,
    })
}

fn load_preference(
    txn: &dyn ReadTxn,
    account: &str,
) -> Result<Option<ConferencePreference>, ApiError> {
    let doc = txn
        .get(account, PREFERENCE_KIND, PREFERENCE_ID)
        .map_err(store_failure)?;
    doc.map(|d| d.decode().map_err(store_failure)).transpose()
}

pub(crate) async fn put_conference_preference(
    ctx: &CallContext,
    input: PutConferencePreferenceRequest,
) -> Result<PutConferencePreferenceResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let preference = required(input.conference_preference, "conferencePreference")?;
    let arn = required(
        preference.default_conference_provider_arn.clone(),
        "conferencePreference.defaultConferenceProviderArn",
    )?;
    // The provider is nested in the request, so the audit rule does not see it by itself.
    if Arn::parse(&arn).is_some_and(|a| a.resource_type == TYPE) {
        ctx.add_resource("AWS::A4B::ConferenceProvider", arn.clone());
    }
    ctx.write(move |tx| {
        ProviderRecord::require_member(tx, &account, Some(&arn))?;
        let doc = Doc::new(&account, PREFERENCE_KIND, PREFERENCE_ID, &preference)
            .map_err(store_failure)?;
        tx.put(&doc).map_err(store_failure)?;
        Ok(PutConferencePreferenceResponse {})
    })
    .await
}

pub(crate) async fn get_conference_preference(
    ctx: &CallContext,
    input: GetConferencePreferenceRequest,
) -> Result<GetConferencePreferenceResponse, ApiError> {
    let _ = input;
    let preference = ctx
        .read(|txn| load_preference(txn, ctx.account_id()))?
        .ok_or_else(|| not_found("conference preference"))?;
    Ok(GetConferencePreferenceResponse {
        preference: Some(preference),
    })
}

impl Record for ProviderRecord {
    const TYPE: ResourceType = TYPE;
    const LABEL: &'static str = "conference provider";

    fn record_arn(&self) -> String {
        self.arn()
    }

    fn keys(&self) -> Keys<'_> {
        Keys {
            name: self.provider.name.as_deref(),
            parent: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_providers_need_a_dial_in() {
        assert_eq!(
            check_dial_in("CUSTOM", None, None).unwrap_err().code(),
            "ValidationException"
        );
        let ip = IPDialIn {
            endpoint: Some("10.0.0.1".into()),
            comms_protocol: Some("SIP".into()),
        };
        assert!(check_dial_in("CUSTOM", Some(&ip), None).is_ok());
        assert!(check_dial_in("ZOOM", None, None).is_ok());
    }
}
