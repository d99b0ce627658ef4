//! The account-wide reads compliance scanners make: GetAccountSummary,
//! GetAccountPasswordPolicy, GenerateCredentialReport / GetCredentialReport,
//! GetAccountAuthorizationDetails, GetAccessKeyLastUsed, and the listings of what trailroom has
//! none of (MFA devices, login profiles, signing certificates, SSH keys, instance profiles,
//! account aliases), answered empty as AWS answers an account without them.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_identity::aws_managed;
use trailroom_identity::{
    AccessKeyOwner, AccessKeyRecord, AccessKeyStatus, GroupRecord, ManagedPolicyRecord, RoleRecord,
    UserRecord, kinds,
};
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_protocol::{ApiError, StatusCode};

use super::{list_all, load, no_such_entity, put, store};
use crate::output::{QueryOutput, iso_time};

/// The stored credential report marker (account = caller, id = `report`).
const REPORT_KIND: &str = "iam_credential_report";
/// A report is regenerated when older than this (AWS: four hours).
const REPORT_MAX_AGE_MS: i64 = 4 * 3_600_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReportMarker {
    generated_ms: i64,
}

/// Read calls about the account that need no stored data of their own.
pub(super) const EMPTY_LISTS: &[(&str, &str)] = &[
    ("ListMFADevices", "MFADevices"),
    ("ListVirtualMFADevices", "VirtualMFADevices"),
    ("ListSigningCertificates", "Certificates"),
    ("ListSSHPublicKeys", "SSHPublicKeys"),
    (
        "ListServiceSpecificCredentials",
        "ServiceSpecificCredentials",
    ),
    ("ListInstanceProfiles", "InstanceProfiles"),
    ("ListInstanceProfilesForRole", "InstanceProfiles"),
    ("ListAccountAliases", "AccountAliases"),
    ("ListServerCertificates", "ServerCertificateMetadataList"),
];

/// An empty listing, in the element the action's result names.
pub(super) fn empty_list(action: &str) -> Result<QueryOutput, ApiError> {
    let element = EMPTY_LISTS
        .iter()
        .find(|(a, _)| *a == action)
        .map(|(_, e)| *e)
        .unwrap_or("member");
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest(element, |_| {});
        x.element("IsTruncated", "false");
    }))
}

pub(super) fn get_account_summary(ctx: &CallContext) -> Result<QueryOutput, ApiError> {
    let users: Vec<UserRecord> = list_all(ctx, kinds::USER)?;
    let roles: Vec<RoleRecord> = list_all(ctx, kinds::ROLE)?;
    let groups: Vec<GroupRecord> = list_all(ctx, kinds::GROUP)?;
    let policies: Vec<ManagedPolicyRecord> = list_all(ctx, kinds::POLICY)?;
    let providers = ctx.read(|txn| {
        let oidc = store(txn.list_keys(ctx.account_id(), kinds::OIDC_PROVIDER))?;
        let saml = store(txn.list_keys(ctx.account_id(), kinds::SAML_PROVIDER))?;
        Ok(oidc.len() + saml.len())
    })?;
    let root_keys = ctx.read(|txn| {
        let keys = store(txn.list(ctx.account_id(), kinds::ACCESS_KEY))?;
        Ok(keys
            .iter()
            .filter_map(|d| d.decode::<AccessKeyRecord>().ok())
            .any(|k| k.owner == AccessKeyOwner::Root))
    })?;
    let versions: usize = policies.iter().map(|p| p.versions.len()).sum();
    let entries: Vec<(&str, String)> = vec![
        ("Users", users.len().to_string()),
        ("UsersQuota", "5000".into()),
        ("Groups", groups.len().to_string()),
        ("GroupsQuota", "300".into()),
        ("Roles", roles.len().to_string()),
        ("RolesQuota", "1000".into()),
        ("Policies", policies.len().to_string()),
        ("PoliciesQuota", "1500".into()),
        ("PolicyVersionsInUse", versions.to_string()),
        ("PolicyVersionsInUseQuota", "10000".into()),
        ("VersionsPerPolicyQuota", "5".into()),
        ("PolicySizeQuota", "6144".into()),
        ("UserPolicySizeQuota", "2048".into()),
        ("GroupPolicySizeQuota", "5120".into()),
        ("RolePolicySizeQuota", "10240".into()),
        ("AssumeRolePolicySizeQuota", "2048".into()),
        ("AttachedPoliciesPerUserQuota", "10".into()),
        ("AttachedPoliciesPerGroupQuota", "10".into()),
        ("AttachedPoliciesPerRoleQuota", "10".into()),
        ("GroupsPerUserQuota", "10".into()),
        ("AccessKeysPerUserQuota", "2".into()),
        ("AccountAccessKeysPresent", u8::from(root_keys).to_string()),
        ("AccountMFAEnabled", "0".into()),
        ("AccountSigningCertificatesPresent", "0".into()),
        ("MFADevices", "0".into()),
        ("MFADevicesInUse", "0".into()),
        ("ServerCertificates", "0".into()),
        ("ServerCertificatesQuota", "20".into()),
        ("SigningCertificatesPerUserQuota", "2".into()),
        ("InstanceProfiles", "0".into()),
        ("InstanceProfilesQuota", "1000".into()),
        ("Providers", providers.to_string()),
        ("GlobalEndpointTokenVersion", "1".into()),
    ];
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("SummaryMap", |m| {
            for (key, value) in &entries {
                m.nest("entry", |e| {
                    e.element("key", key).element("value", value);
                });
            }
        });
    }))
}

pub(super) fn get_account_password_policy(ctx: &CallContext) -> Result<QueryOutput, ApiError> {
    Err(no_such_entity(format!(
        "The Password Policy with domain name {} cannot be found.",
        ctx.account_id()
    )))
}

pub(super) async fn generate_credential_report(ctx: &CallContext) -> Result<QueryOutput, ApiError> {
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    let current = ctx.read(|txn| load::<ReportMarker>(txn, &account, REPORT_KIND, "report"))?;
    if current.is_some_and(|r| now - r.generated_ms < REPORT_MAX_AGE_MS) {
        return Ok(QueryOutput::new(json!({"state": "COMPLETE"}), |x| {
            x.element("State", "COMPLETE");
        }));
    }
    ctx.write(move |tx| {
        put(tx, &account, REPORT_KIND, "report", &ReportMarker { generated_ms: now }, None)?;
        Ok(QueryOutput::new(json!({"state": "STARTED", "description": "No report exists. Starting a new report generation task"}), |x| {
            x.element("State", "STARTED")
                .element("Description", "No report exists. Starting a new report generation task");
        }))
    })
    .await
}

const REPORT_COLUMNS: &str = "user,arn,user_creation_time,password_enabled,password_last_used,\
password_last_changed,password_next_rotation,mfa_active,access_key_1_active,\
access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,\
access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,\
access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,\
cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

pub(super) fn get_credential_report(ctx: &CallContext) -> Result<QueryOutput, ApiError> {
    let account = ctx.account_id();
    let marker = ctx
        .read(|txn| load::<ReportMarker>(txn, account, REPORT_KIND, "report"))?
        .ok_or_else(|| {
            ApiError::new(
                "ReportNotPresent",
                StatusCode::GONE,
                "Credential report not present",
            )
        })?;
    let users: Vec<UserRecord> = list_all(ctx, kinds::USER)?;
    let keys: Vec<AccessKeyRecord> = list_all(ctx, kinds::ACCESS_KEY)?;
    let mut csv = String::from(REPORT_COLUMNS);
    let key_columns = |owner: &AccessKeyOwner| -> String {
        let mut owned: Vec<&AccessKeyRecord> = keys.iter().filter(|k| k.owner == *owner).collect();
        owned.sort_by_key(|k| k.created_ms);
        (0..2)
            .map(|i| match owned.get(i) {
                Some(k) => format!(
                    "{},{},N/A,N/A,N/A",
                    k.status == AccessKeyStatus::Active,
                    iso_time(k.created_ms)
                ),
                None => "false,N/A,N/A,N/A,N/A".into(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    csv.push_str(&format!(
        "\n<root_account>,arn:aws:iam::{account}:root,{},not_supported,N/A,not_supported,not_supported,false,{},false,N/A,false,N/A",
        iso_time(0),
        key_columns(&AccessKeyOwner::Root)
    ));
    for user in &users {
        let owner = AccessKeyOwner::User {
            user_name: user.user_name.clone(),
        };
        csv.push_str(&format!(
            "\n{},{},{},false,N/A,N/A,N/A,false,{},false,N/A,false,N/A",
            user.user_name,
            user.arn(),
            iso_time(user.created_ms),
            key_columns(&owner)
        ));
    }
    let content = base64::engine::general_purpose::STANDARD.encode(csv.as_bytes());
    Ok(QueryOutput::new(Value::Null, |x| {
        x.element("Content", &content)
            .element("ReportFormat", "text/csv")
            .element("GeneratedTime", &iso_time(marker.generated_ms));
    }))
}

pub(super) fn get_access_key_last_used(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let key_id = p.require("AccessKeyId")?;
    let key = ctx
        .read(|txn| {
            Ok(store(txn.find_by_id(kinds::ACCESS_KEY, key_id))?
                .and_then(|d| d.decode::<AccessKeyRecord>().ok()))
        })?
        .filter(|k| k.account_id == ctx.account_id())
        .ok_or_else(|| ApiError::new("AccessDenied", StatusCode::FORBIDDEN, "Access denied"))?;
    let user = match &key.owner {
        AccessKeyOwner::Root => "root".to_owned(),
        AccessKeyOwner::User { user_name } => user_name.clone(),
    };
    Ok(QueryOutput::new(Value::Null, |x| {
        x.element("UserName", &user);
        x.nest("AccessKeyLastUsed", |l| {
            l.element("ServiceName", "N/A").element("Region", "N/A");
        });
    }))
}

fn encoded(document: &str) -> String {
    percent_encoding::utf8_percent_encode(document, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn write_inline(
    x: &mut XmlWriter,
    tag: &str,
    policies: &std::collections::BTreeMap<String, String>,
) {
    x.nest(tag, |l| {
        for (name, document) in policies {
            l.nest("member", |m| {
                m.element("PolicyName", name)
                    .element("PolicyDocument", &encoded(document));
            });
        }
    });
}

fn write_attached(x: &mut XmlWriter, arns: &[String]) {
    x.nest("AttachedManagedPolicies", |l| {
        for arn in arns {
            l.nest("member", |m| {
                m.element("PolicyName", arn.rsplit('/').next().unwrap_or(arn))
                    .element("PolicyArn", arn);
            });
        }
    });
}

pub(super) fn get_account_authorization_details(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let filters: Vec<&str> = (1..)
        .map_while(|n| p.get(&format!("Filter.member.{n}")))
        .collect();
    let wanted = |kind: &str| filters.is_empty() || filters.contains(&kind);
    let users: Vec<UserRecord> = list_all(ctx, kinds::USER)?;
    let roles: Vec<RoleRecord> = list_all(ctx, kinds::ROLE)?;
    let groups: Vec<GroupRecord> = list_all(ctx, kinds::GROUP)?;
    let policies: Vec<ManagedPolicyRecord> = list_all(ctx, kinds::POLICY)?;
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("UserDetailList", |l| {
            for u in users.iter().filter(|_| wanted("User")) {
                l.nest("member", |m| {
                    m.element("Path", &u.path)
                        .element("UserName", &u.user_name)
                        .element("UserId", &u.user_id)
                        .element("Arn", &u.arn())
                        .element("CreateDate", &iso_time(u.created_ms));
                    write_inline(m, "UserPolicyList", &u.inline_policies);
                    m.nest("GroupList", |g| {
                        u.groups.iter().for_each(|name| {
                            g.element("member", name);
                        })
                    });
                    write_attached(m, &u.attached_policies);
                });
            }
        });
        x.nest("GroupDetailList", |l| {
            for g in groups.iter().filter(|_| wanted("Group")) {
                l.nest("member", |m| {
                    m.element("Path", &g.path)
                        .element("GroupName", &g.group_name)
                        .element("GroupId", &g.group_id)
                        .element("Arn", &g.arn())
                        .element("CreateDate", &iso_time(g.created_ms));
                    write_inline(m, "GroupPolicyList", &g.inline_policies);
                    write_attached(m, &g.attached_policies);
                });
            }
        });
        x.nest("RoleDetailList", |l| {
            for r in roles.iter().filter(|_| wanted("Role")) {
                l.nest("member", |m| {
                    m.element("Path", &r.path)
                        .element("RoleName", &r.role_name)
                        .element("RoleId", &r.role_id)
                        .element("Arn", &r.arn())
                        .element("CreateDate", &iso_time(r.created_ms))
                        .element(
                            "AssumeRolePolicyDocument",
                            &encoded(&r.assume_role_policy_document),
                        );
                    m.nest("InstanceProfileList", |_| {});
                    write_inline(m, "RolePolicyList", &r.inline_policies);
                    write_attached(m, &r.attached_policies);
                });
            }
        });
        x.nest("Policies", |l| {
            for policy in policies.iter().filter(|_| wanted("LocalManagedPolicy")) {
                l.nest("member", |m| {
                    m.element("PolicyName", &policy.policy_name)
                        .element("PolicyId", &policy.policy_id)
                        .element("Arn", &policy.arn())
                        .element("Path", &policy.path)
                        .element("DefaultVersionId", &policy.default_version_id)
                        .element("IsAttachable", "true")
                        .element("CreateDate", &iso_time(policy.created_ms))
                        .element("UpdateDate", &iso_time(policy.updated_ms));
                    m.nest("PolicyVersionList", |v| {
                        for version in &policy.versions {
                            v.nest("member", |e| {
                                e.element("Document", &encoded(&version.document))
                                    .element("VersionId", &version.version_id)
                                    .element(
                                        "IsDefaultVersion",
                                        if version.version_id == policy.default_version_id {
                                            "true"
                                        } else {
                                            "false"
                                        },
                                    )
                                    .element("CreateDate", &iso_time(version.created_ms));
                            });
                        }
                    });
                });
            }
            if wanted("AWSManagedPolicy") {
                for aws in aws_managed::POLICIES {
                    l.nest("member", |m| {
                        m.element("PolicyName", aws.name)
                            .element("Arn", &aws.arn())
                            .element("Path", aws.path)
                            .element("DefaultVersionId", aws.version)
                            .element("IsAttachable", "true")
                            .element("CreateDate", aws.created)
                            .element("UpdateDate", aws.updated);
                        m.nest("PolicyVersionList", |v| {
                            v.nest("member", |e| {
                                e.element("Document", &encoded(aws.document))
                                    .element("VersionId", aws.version)
                                    .element("IsDefaultVersion", "true")
                                    .element("CreateDate", aws.updated);
                            });
                        });
                    });
                }
            }
        });
        x.element("IsTruncated", "false");
    }))
}
