//! Network profiles: Wi-Fi settings (SSID, security type, passwords or enterprise certificates)
//! that devices join with (a4b.md §2.1, §7.8). Names are unique per account; a profile in use by a
//! device cannot be deleted; changes are pushed to every device using the profile.
//!
//! Passwords are kept in the record itself (the emulator's "secret store") and returned in clear
//! by GetNetworkProfile, as the real API did; the search view leaves them out.

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

use crate::arn::new_arn;
use crate::records::network_profiles::{ENTERPRISE, TYPE};
use crate::support::convert::merged;
use crate::support::errors::{in_use, invalid, limit_exceeded, renamed};
use crate::support::idempotency::{Token, once};
use crate::support::records::Record;
use crate::support::records::{self};
use crate::support::search::{Match, SearchSpec, search_request, views};
use crate::support::tags;

/// No published quota; a4b.md §5.1 picks 100.
const MAX_NETWORK_PROFILES: usize = 100;
fn present(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// The cross-field rules of a4b.md §4: password types need `CurrentPassword`; OPEN takes no
/// password; WPA2_ENTERPRISE needs `EapMethod`, `CertificateAuthorityArn` and `TrustAnchors` and
/// takes no password; certificate settings are for WPA2_ENTERPRISE only.
fn check_security(profile: &NetworkProfile) -> Result<(), ApiError> {
    let security = profile.security_type.as_deref().unwrap_or_default();
    let has_password =
        present(profile.current_password.as_deref()) || present(profile.next_password.as_deref());
    let has_certificates = profile.eap_method.is_some()
        || profile.certificate_authority_arn.is_some()
        || profile
            .trust_anchors
            .as_ref()
            .is_some_and(|t| !t.is_empty());
    match security {
        ENTERPRISE => {
            if profile.eap_method.is_none() {
                return Err(invalid(
                    "EapMethod is required for the WPA2_ENTERPRISE security type.",
                ));
            }
            if profile.trust_anchors.as_ref().is_none_or(Vec::is_empty) {
                return Err(invalid(
                    "TrustAnchors are required for the WPA2_ENTERPRISE security type.",
                ));
            }
            if has_password {
                return Err(invalid(
                    "Passwords are not used with the WPA2_ENTERPRISE security type.",
                ));
            }
            let ca = profile.certificate_authority_arn.as_deref().ok_or_else(|| {
                invalid("CertificateAuthorityArn is required for the WPA2_ENTERPRISE security type.")
            })?;
            check_certificate_authority(ca)
        }
        "OPEN" if has_password => Err(invalid("An OPEN network takes no password.")),
        "WEP" | "WPA_PSK" | "WPA2_PSK" if !present(profile.current_password.as_deref()) => {
            Err(invalid(format!(
                "CurrentPassword is required for the {security} security type."
            )))
        }
        _ if has_certificates => Err(invalid(
            "EapMethod, CertificateAuthorityArn and TrustAnchors apply to WPA2_ENTERPRISE only.",
        )),
        _ => Ok(()),
    }
}

/// An ACM Private CA ARN (`arn:<partition>:acm-pca:<region>:<account>:certificate-authority/<id>`),
/// else `InvalidCertificateAuthorityException`.
fn check_certificate_authority(arn: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let valid = match parts.as_slice() {
        ["arn", partition, "acm-pca", region, account, resource] => {
            partition.starts_with("aws")
                && !region.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource
                    .strip_prefix("certificate-authority/")
                    .is_some_and(|id| !id.is_empty() && !id.contains('/'))
        }
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(ApiError::client(
            "InvalidCertificateAuthorityException",
            format!(
                "The certificate authority {arn} is not an ACM Private CA that can issue certificates."
            ),
        ))
    }
}

/// An empty `NextPassword` means "no next password".
fn normalize(profile: &mut NetworkProfile) {
    if profile.next_password.as_deref() == Some("") {
        profile.next_password = None;
    }
}

pub(crate) async fn create_network_profile(
    ctx: &CallContext,
    input: CreateNetworkProfileRequest,
) -> Result<CreateNetworkProfileResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = new_arn(TYPE, &account, ctx.region());
    let mut profile = NetworkProfile {
        network_profile_arn: Some(arn.clone()),
        network_profile_name: input.network_profile_name.clone(),
        description: input.description.clone(),
        ssid: input.ssid.clone(),
        security_type: input.security_type.clone(),
        eap_method: input.eap_method.clone(),
        current_password: input.current_password.clone(),
        next_password: input.next_password.clone(),
        certificate_authority_arn: input.certificate_authority_arn.clone(),
        trust_anchors: input.trust_anchors.clone(),
    };
    normalize(&mut profile);
    ctx.write(move |tx| {
        let token = Token::of(
            "CreateNetworkProfile",
            input.client_request_token.as_deref(),
            &input,
        );
        once(tx, &account, token, |tx| {
            check_security(&profile)?;
            if tx
                .list(&account, TYPE.kind())
                .map_err(trailroom_audit::store_failure)?
                .len()
                >= MAX_NETWORK_PROFILES
            {
                return Err(limit_exceeded("network profiles", MAX_NETWORK_PROFILES));
            }
            profile.save(tx, &account)?;
            tags::set_on_create(tx, &account, &arn, input.tags.as_deref())?;
            let response = CreateNetworkProfileResponse {
                network_profile_arn: Some(arn),
            };
            Ok(response)
        })
    })
    .await
}

pub(crate) async fn get_network_profile(
    ctx: &CallContext,
    input: GetNetworkProfileRequest,
) -> Result<GetNetworkProfileResponse, ApiError> {
    let arn = crate::support::errors::required(input.network_profile_arn, "networkProfileArn")?;
    let profile = ctx.read(|txn| NetworkProfile::require(txn, ctx.account_id(), &arn))?;
    Ok(GetNetworkProfileResponse {
        network_profile: Some(profile),
    })
}

pub(crate) async fn update_network_profile(
    ctx: &CallContext,
    input: UpdateNetworkProfileRequest,
) -> Result<UpdateNetworkProfileResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn =
        crate::support::errors::required(input.network_profile_arn.clone(), "networkProfileArn")?;
    let now_ms = ctx.now_ms();
    ctx.write(move |tx| {
        let current = NetworkProfile::require(tx, &account, &arn)?;
        let mut patch = input;
        patch.network_profile_arn = None;
        let mut updated: NetworkProfile = merged(&current, &patch)?;
        normalize(&mut updated);
        check_security(&updated)?;
        let new_name = updated.network_profile_name.clone().unwrap_or_default();
        updated
            .save(tx, &account)
            .map_err(renamed("network profile", new_name))?;
        let ca_changed = updated.certificate_authority_arn != current.certificate_authority_arn;
        crate::records::devices::network_profile_changed(
            tx, &account, &updated, ca_changed, now_ms,
        )?;
        Ok(UpdateNetworkProfileResponse {})
    })
    .await
}

pub(crate) async fn delete_network_profile(
    ctx: &CallContext,
    input: DeleteNetworkProfileRequest,
) -> Result<DeleteNetworkProfileResponse, ApiError> {
    let account = ctx.account_id().to_owned();
    let arn = crate::support::errors::required(input.network_profile_arn, "networkProfileArn")?;
    ctx.write(move |tx| {
        NetworkProfile::require(tx, &account, &arn)?;
        let users = crate::records::devices::devices_using_network_profile(tx, &account, &arn)?;
        if users > 0 {
            return Err(in_use(format!(
                "The network profile {arn} is associated with {users} device(s)."
            )));
        }
        records::delete(tx, &account, TYPE, &arn)?;
        tags::forget(tx, &account, &arn)?;
        Ok(DeleteNetworkProfileResponse {})
    })
    .await
}

fn network_profile_field(profile: &NetworkProfileData, key: &str) -> Vec<String> {
    let value = match key {
        "NetworkProfileName" => profile.network_profile_name.clone(),
        "Ssid" => profile.ssid.clone(),
        "SecurityType" => profile.security_type.clone(),
        _ => None,
    };
    value.into_iter().collect()
}

const SEARCH: SearchSpec<NetworkProfileData> = SearchSpec {
    filter_keys: &[
        ("NetworkProfileName", Match::Prefix),
        ("Ssid", Match::Prefix),
        ("SecurityType", Match::Exact),
    ],
    sort_keys: &["NetworkProfileName", "Ssid", "SecurityType"],
    default_sort: "NetworkProfileName",
    field: network_profile_field,
    id: |p| p.network_profile_arn.clone().unwrap_or_default(),
};

pub(crate) async fn search_network_profiles(
    ctx: &CallContext,
    input: SearchNetworkProfilesRequest,
) -> Result<SearchNetworkProfilesResponse, ApiError> {
    let profiles = ctx.read(|txn| NetworkProfile::all(txn, ctx.account_id()))?;
    // The search view has no passwords or trust anchors: converting drops them.
    let data: Vec<NetworkProfileData> = views(&profiles, |x| x)?;
    let page = search_request(data, &SEARCH, &input)?;
    Ok(SearchNetworkProfilesResponse {
        network_profiles: Some(page.items),
        next_token: page.next_token,
        total_count: Some(page.total_count),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &str = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012";

    fn profile(security: &str) -> NetworkProfile {
        NetworkProfile {
            security_type: Some(security.into()),
            ..Default::default()
        }
    }

    fn code(result: Result<(), ApiError>) -> String {
        result
            .err()
            .map(|e| e.code().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn password_types_need_a_current_password_and_open_takes_none() {
        assert_eq!(
            code(check_security(&profile("WPA2_PSK"))),
            "ValidationException"
        );
        let psk = NetworkProfile {
            current_password: Some("secret1".into()),
            ..profile("WPA2_PSK")
        };
        assert!(check_security(&psk).is_ok());
        assert!(check_security(&profile("OPEN")).is_ok());
        let open = NetworkProfile {
            current_password: Some("secret1".into()),
            ..profile("OPEN")
        };
        assert_eq!(code(check_security(&open)), "ValidationException");
        let certs = NetworkProfile {
            eap_method: Some("EAP_TLS".into()),
            ..psk
        };
        assert_eq!(code(check_security(&certs)), "ValidationException");
    }

    #[test]
    fn enterprise_needs_eap_anchors_and_a_pca_arn() {
        let mut enterprise = NetworkProfile {
            eap_method: Some("EAP_TLS".into()),
            trust_anchors: Some(vec!["cert".into()]),
            certificate_authority_arn: Some(CA.into()),
            ..profile(ENTERPRISE)
        };
        assert!(check_security(&enterprise).is_ok());
        enterprise.certificate_authority_arn =
            Some("arn:aws:acm:us-east-1:123456789012:certificate/x".into());
        assert_eq!(
            code(check_security(&enterprise)),
            "InvalidCertificateAuthorityException"
        );
        enterprise.certificate_authority_arn = None;
        assert_eq!(code(check_security(&enterprise)), "ValidationException");
        enterprise.certificate_authority_arn = Some(CA.into());
        enterprise.trust_anchors = None;
        assert_eq!(code(check_security(&enterprise)), "ValidationException");
    }

    #[test]
    fn empty_next_password_is_no_password() {
        let mut open = NetworkProfile {
            next_password: Some(String::new()),
            ..profile("OPEN")
        };
        normalize(&mut open);
        assert_eq!(open.next_password, None);
        assert!(check_security(&open).is_ok());
    }
}
