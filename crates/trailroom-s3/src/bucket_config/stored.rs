//! Stored forms of the configurations whose s3s types have no serde form (ACLs, ownership
//! controls, logging status), converted both ways without loss of what S3 returns.

use s3s::dto::*;
use serde::{Deserialize, Serialize};

/// A grantee.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredGrantee {
    pub display_name: Option<String>,
    pub email_address: Option<String>,
    pub id: Option<String>,
    pub kind: String,
    pub uri: Option<String>,
}

impl From<&Grantee> for StoredGrantee {
    fn from(g: &Grantee) -> Self {
        Self {
            display_name: g.display_name.clone(),
            email_address: g.email_address.clone(),
            id: g.id.clone(),
            kind: g.type_.as_str().to_owned(),
            uri: g.uri.clone(),
        }
    }
}

impl From<StoredGrantee> for Grantee {
    fn from(g: StoredGrantee) -> Self {
        Self {
            display_name: g.display_name,
            email_address: g.email_address,
            id: g.id,
            type_: Type::from(g.kind),
            uri: g.uri,
        }
    }
}

/// A grant: grantee and permission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredGrant {
    pub grantee: Option<StoredGrantee>,
    pub permission: Option<String>,
}

/// An access control policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredAcl {
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub grants: Vec<StoredGrant>,
}

impl From<&AccessControlPolicy> for StoredAcl {
    fn from(policy: &AccessControlPolicy) -> Self {
        Self {
            owner_id: policy.owner.as_ref().and_then(|o| o.id.clone()),
            owner_name: policy.owner.as_ref().and_then(|o| o.display_name.clone()),
            grants: policy
                .grants
                .iter()
                .flatten()
                .map(|g| StoredGrant {
                    grantee: g.grantee.as_ref().map(StoredGrantee::from),
                    permission: g.permission.as_ref().map(|p| p.as_str().to_owned()),
                })
                .collect(),
        }
    }
}

impl From<StoredAcl> for AccessControlPolicy {
    fn from(acl: StoredAcl) -> Self {
        Self {
            owner: Some(Owner {
                display_name: acl.owner_name,
                id: acl.owner_id,
            }),
            grants: Some(
                acl.grants
                    .into_iter()
                    .map(|g| Grant {
                        grantee: g.grantee.map(Grantee::from),
                        permission: g.permission.map(Permission::from),
                    })
                    .collect(),
            ),
        }
    }
}

/// Ownership controls: the object ownership of each rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredOwnership {
    pub rules: Vec<String>,
}

impl From<&OwnershipControls> for StoredOwnership {
    fn from(controls: &OwnershipControls) -> Self {
        Self {
            rules: controls
                .rules
                .iter()
                .map(|r| r.object_ownership.as_str().to_owned())
                .collect(),
        }
    }
}

impl From<StoredOwnership> for OwnershipControls {
    fn from(stored: StoredOwnership) -> Self {
        Self {
            rules: stored
                .rules
                .into_iter()
                .map(|o| OwnershipControlsRule {
                    object_ownership: ObjectOwnership::from(o),
                })
                .collect(),
        }
    }
}

/// A logging status: where logs go, with whose grants, in which key format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredLogging {
    pub target_bucket: Option<String>,
    pub target_prefix: String,
    pub target_grants: Vec<StoredGrant>,
    /// `simple`, or the partition date source of a partitioned prefix.
    pub key_format: Option<String>,
    pub partitioned: bool,
}

impl From<&BucketLoggingStatus> for StoredLogging {
    fn from(status: &BucketLoggingStatus) -> Self {
        let Some(enabled) = &status.logging_enabled else {
            return Self::default();
        };
        let format = enabled.target_object_key_format.as_ref();
        let partitioned = format.and_then(|f| f.partitioned_prefix.as_ref());
        Self {
            target_bucket: Some(enabled.target_bucket.clone()),
            target_prefix: enabled.target_prefix.clone(),
            target_grants: enabled
                .target_grants
                .iter()
                .flatten()
                .map(|g| StoredGrant {
                    grantee: g.grantee.as_ref().map(StoredGrantee::from),
                    permission: g.permission.as_ref().map(|p| p.as_str().to_owned()),
                })
                .collect(),
            key_format: partitioned
                .and_then(|p| p.partition_date_source.as_ref())
                .map(|s| s.as_str().to_owned()),
            partitioned: partitioned.is_some(),
        }
    }
}

impl StoredLogging {
    /// The `LoggingEnabled` element, when logging is on.
    pub(crate) fn enabled(self) -> Option<LoggingEnabled> {
        let target_bucket = self.target_bucket?;
        let format = match (self.partitioned, self.key_format) {
            (true, source) => Some(TargetObjectKeyFormat {
                partitioned_prefix: Some(PartitionedPrefix {
                    partition_date_source: source.map(PartitionDateSource::from),
                }),
                simple_prefix: None,
            }),
            (false, _) => None,
        };
        Some(LoggingEnabled {
            target_bucket,
            target_prefix: self.target_prefix,
            target_grants: (!self.target_grants.is_empty()).then(|| {
                self.target_grants
                    .into_iter()
                    .map(|g| TargetGrant {
                        grantee: g.grantee.map(Grantee::from),
                        permission: g.permission.map(BucketLogsPermission::from),
                    })
                    .collect()
            }),
            target_object_key_format: format,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_ownership_and_logging_round_trip() {
        let policy = AccessControlPolicy {
            owner: Some(Owner {
                display_name: Some("o".into()),
                id: Some("abc".into()),
            }),
            grants: Some(vec![Grant {
                grantee: Some(Grantee {
                    display_name: None,
                    email_address: None,
                    id: None,
                    type_: Type::from_static(Type::GROUP),
                    uri: Some("http://acs.amazonaws.com/groups/global/AllUsers".into()),
                }),
                permission: Some(Permission::from_static(Permission::READ)),
            }]),
        };
        assert_eq!(AccessControlPolicy::from(StoredAcl::from(&policy)), policy);
        let controls = OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: ObjectOwnership::from_static(ObjectOwnership::OBJECT_WRITER),
            }],
        };
        assert_eq!(
            OwnershipControls::from(StoredOwnership::from(&controls)),
            controls
        );
        let logging = BucketLoggingStatus {
            logging_enabled: Some(LoggingEnabled {
                target_bucket: "logs".into(),
                target_prefix: "p/".into(),
                target_grants: None,
                target_object_key_format: None,
            }),
        };
        assert_eq!(
            StoredLogging::from(&logging).enabled(),
            logging.logging_enabled
        );
        assert_eq!(
            StoredLogging::from(&BucketLoggingStatus::default()).enabled(),
            None
        );
    }
}
