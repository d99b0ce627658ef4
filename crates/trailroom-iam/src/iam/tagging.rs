//! Tags on users, roles and policies (TagUser, UntagUser, ListUserTags, TagRole, UntagRole,
//! ListRoleTags), and the `Tags.member.N` parameter of the create calls. A principal's tags are
//! its `aws:PrincipalTag/*` condition keys.

use std::collections::BTreeMap;

use serde_json::Value;
use trailroom_audit::CallContext;
use trailroom_identity::kinds;
use trailroom_protocol::ApiError;
use trailroom_protocol::query::QueryParams;

use super::{load_role, load_user, put, validation};
use crate::output::QueryOutput;

/// Most tags on one entity.
const MAX_TAGS: usize = 50;

/// `Tags.member.N.Key` / `.Value`, checked as IAM checks them.
pub(super) fn tags_param(p: &QueryParams) -> Result<BTreeMap<String, String>, ApiError> {
    let mut tags = BTreeMap::new();
    for n in 1.. {
        let Some(key) = p.get(&format!("Tags.member.{n}.Key")) else {
            break;
        };
        let value = p.get(&format!("Tags.member.{n}.Value")).unwrap_or_default();
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 256 {
            return Err(validation(format!(
                "1 validation error detected: Value at 'tags.{n}.member.key' failed to satisfy \
                 constraint: Member must have length less than or equal to 128"
            )));
        }
        tags.insert(key.to_owned(), value.to_owned());
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::client(
            "LimitExceeded",
            format!("The number of tags has reached the maximum limit of {MAX_TAGS}."),
        ));
    }
    Ok(tags)
}

fn tag_keys_param(p: &QueryParams) -> Vec<String> {
    (1..)
        .map_while(|n| p.get(&format!("TagKeys.member.{n}")).map(str::to_owned))
        .collect()
}

/// Whose tags a call changes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Tagged {
    User,
    Role,
}

impl Tagged {
    pub(super) fn from_action(action: &str) -> Self {
        match action.contains("Role") {
            true => Self::Role,
            false => Self::User,
        }
    }

    fn name_param(self) -> &'static str {
        match self {
            Self::User => "UserName",
            Self::Role => "RoleName",
        }
    }

    fn change(
        self,
        tx: &mut dyn trailroom_store::WriteTxn,
        account: &str,
        name: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        match self {
            Self::User => {
                let mut user = load_user(&*tx, account, name)?;
                change(&mut user.tags)?;
                put(tx, account, kinds::USER, name, &user, None)
            }
            Self::Role => {
                let mut role = load_role(&*tx, account, name)?;
                change(&mut role.tags)?;
                put(tx, account, kinds::ROLE, name, &role, None)
            }
        }
    }
}

pub(super) async fn tag(
    ctx: &CallContext,
    p: &QueryParams,
    tagged: Tagged,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(tagged.name_param())?.to_owned();
    let new = tags_param(p)?;
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        tagged.change(tx, &account, &name, |tags| {
            tags.extend(new);
            match tags.len() > MAX_TAGS {
                true => Err(ApiError::client(
                    "LimitExceeded",
                    format!("The number of tags has reached the maximum limit of {MAX_TAGS}."),
                )),
                false => Ok(()),
            }
        })?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

pub(super) async fn untag(
    ctx: &CallContext,
    p: &QueryParams,
    tagged: Tagged,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(tagged.name_param())?.to_owned();
    let keys = tag_keys_param(p);
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        tagged.change(tx, &account, &name, |tags| {
            keys.iter().for_each(|k| {
                tags.remove(k);
            });
            Ok(())
        })?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

pub(super) fn list_tags(
    ctx: &CallContext,
    p: &QueryParams,
    tagged: Tagged,
) -> Result<QueryOutput, ApiError> {
    let name = p.require(tagged.name_param())?;
    let tags = ctx.read(|txn| match tagged {
        Tagged::User => Ok(load_user(txn, ctx.account_id(), name)?.tags),
        Tagged::Role => Ok(load_role(txn, ctx.account_id(), name)?.tags),
    })?;
    Ok(QueryOutput::new(Value::Null, |x| {
        write_tags(x, &tags);
        x.element("IsTruncated", "false");
    }))
}

/// `<Tags><member><Key/><Value/></member></Tags>`.
pub(super) fn write_tags(
    x: &mut trailroom_protocol::query::XmlWriter,
    tags: &BTreeMap<String, String>,
) {
    x.nest("Tags", |l| {
        for (key, value) in tags {
            l.nest("member", |m| {
                m.element("Key", key).element("Value", value);
            });
        }
    });
}
