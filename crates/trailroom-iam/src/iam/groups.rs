//! Groups (CreateGroup, GetGroup, ListGroups, DeleteGroup, AddUserToGroup,
//! RemoveUserFromGroup, ListGroupsForUser) and permissions boundaries of users and roles
//! (Put/DeleteUserPermissionsBoundary, Put/DeleteRolePermissionsBoundary). A user's groups give
//! it their inline and managed policies.

use serde_json::{Value, json};
use trailroom_audit::CallContext;
use trailroom_identity::{GroupRecord, IdPrefix, UserRecord, kinds, new_unique_id};
use trailroom_protocol::ApiError;
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_store::ReadTxn;

use super::{
    check_name, check_path, conflict, list_all, load, load_role, load_user, no_such_entity, page,
    paging, put, store, write_page_end, write_user,
};
use crate::output::{QueryOutput, iso_time, java_time};

/// Most groups one user is in.
const MAX_GROUPS_PER_USER: usize = 10;

pub(super) fn load_group(
    txn: &dyn ReadTxn,
    account: &str,
    name: &str,
) -> Result<GroupRecord, ApiError> {
    load(txn, account, kinds::GROUP, name)?
        .ok_or_else(|| no_such_entity(format!("The group with name {name} cannot be found.")))
}

fn write_group(x: &mut XmlWriter, tag: &str, g: &GroupRecord) {
    x.nest(tag, |e| {
        e.element("Path", &g.path)
            .element("GroupName", &g.group_name)
            .element("GroupId", &g.group_id)
            .element("Arn", &g.arn())
            .element("CreateDate", &iso_time(g.created_ms));
    });
}

pub(super) async fn create_group(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let name = p.require("GroupName")?.to_owned();
    check_name("groupName", &name, 128)?;
    let path = p.get("Path").unwrap_or("/").to_owned();
    check_path(&path)?;
    let group = GroupRecord {
        account_id: ctx.account_id().to_owned(),
        group_name: name.clone(),
        group_id: new_unique_id(IdPrefix::Group),
        path,
        created_ms: ctx.now_ms(),
        inline_policies: Default::default(),
        attached_policies: Vec::new(),
    };
    let audit = json!({ "group": { "path": group.path, "groupName": group.group_name,
        "groupId": group.group_id, "arn": group.arn(), "createDate": java_time(group.created_ms) } });
    let output = QueryOutput::new(audit, |x| write_group(x, "Group", &group));
    ctx.write(move |tx| {
        if load::<GroupRecord>(&*tx, &group.account_id, kinds::GROUP, &name)?.is_some() {
            return Err(conflict(
                "EntityAlreadyExists",
                format!("Group with name {name} already exists."),
            ));
        }
        put(tx, &group.account_id, kinds::GROUP, &name, &group, None)?;
        Ok(output)
    })
    .await
}

fn members(ctx: &CallContext, group: &str) -> Result<Vec<UserRecord>, ApiError> {
    let mut users: Vec<UserRecord> = list_all(ctx, kinds::USER)?;
    users.retain(|u| u.groups.iter().any(|g| g == group));
    Ok(users)
}

pub(super) fn get_group(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let name = p.require("GroupName")?;
    let group = ctx.read(|txn| load_group(txn, ctx.account_id(), name))?;
    let users = members(ctx, name)?;
    Ok(QueryOutput::new(Value::Null, |x| {
        write_group(x, "Group", &group);
        x.nest("Users", |l| {
            users.iter().for_each(|u| write_user(l, "member", u))
        });
        x.element("IsTruncated", "false");
    }))
}

pub(super) fn list_groups(ctx: &CallContext, p: &QueryParams) -> Result<QueryOutput, ApiError> {
    let prefix = p.get("PathPrefix").unwrap_or("/");
    let (marker, max) = paging(p)?;
    let mut groups: Vec<GroupRecord> = list_all(ctx, kinds::GROUP)?;
    groups.retain(|g| g.path.starts_with(prefix));
    let (groups, next) = page(groups, |g| g.group_name.as_str(), marker.as_deref(), max);
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("Groups", |l| {
            groups.iter().for_each(|g| write_group(l, "member", g))
        });
        write_page_end(x, &next);
    }))
}

pub(super) fn list_groups_for_user(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let name = p.require("UserName")?;
    let account = ctx.account_id();
    let groups = ctx.read(|txn| {
        let user = load_user(txn, account, name)?;
        user.groups
            .iter()
            .map(|g| load_group(txn, account, g))
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(QueryOutput::new(Value::Null, |x| {
        x.nest("Groups", |l| {
            groups.iter().for_each(|g| write_group(l, "member", g))
        });
        x.element("IsTruncated", "false");
    }))
}

pub(super) async fn delete_group(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let name = p.require("GroupName")?.to_owned();
    let account = ctx.account_id().to_owned();
    let has_members = !members(ctx, &name)?.is_empty();
    ctx.write(move |tx| {
        let group = load_group(&*tx, &account, &name)?;
        if has_members {
            return Err(conflict(
                "DeleteConflict",
                "Cannot delete entity, must remove users from group first.",
            ));
        }
        if !group.inline_policies.is_empty() || !group.attached_policies.is_empty() {
            return Err(conflict(
                "DeleteConflict",
                "Cannot delete entity, must delete policies first.",
            ));
        }
        store(tx.delete(&account, kinds::GROUP, &name))?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

pub(super) async fn add_user_to_group(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let group = p.require("GroupName")?.to_owned();
    let user_name = p.require("UserName")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        load_group(&*tx, &account, &group)?;
        let mut user = load_user(&*tx, &account, &user_name)?;
        if !user.groups.contains(&group) {
            if user.groups.len() >= MAX_GROUPS_PER_USER {
                return Err(ApiError::client(
                    "LimitExceeded",
                    format!("Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}"),
                ));
            }
            user.groups.push(group);
            put(tx, &account, kinds::USER, &user_name, &user, None)?;
        }
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

pub(super) async fn remove_user_from_group(
    ctx: &CallContext,
    p: &QueryParams,
) -> Result<QueryOutput, ApiError> {
    let group = p.require("GroupName")?.to_owned();
    let user_name = p.require("UserName")?.to_owned();
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        load_group(&*tx, &account, &group)?;
        let mut user = load_user(&*tx, &account, &user_name)?;
        let before = user.groups.len();
        user.groups.retain(|g| *g != group);
        if user.groups.len() == before {
            return Err(no_such_entity(format!(
                "The user with name {user_name} cannot be found in group {group}."
            )));
        }
        put(tx, &account, kinds::USER, &user_name, &user, None)?;
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}

/// Sets (`Some`) or removes (`None`) a user's or role's permissions boundary.
pub(super) async fn set_boundary(
    ctx: &CallContext,
    p: &QueryParams,
    role: bool,
    put_boundary: bool,
) -> Result<QueryOutput, ApiError> {
    let name = p
        .require(if role { "RoleName" } else { "UserName" })?
        .to_owned();
    let arn = match put_boundary {
        true => Some(p.require("PermissionsBoundary")?.to_owned()),
        false => None,
    };
    let account = ctx.account_id().to_owned();
    ctx.write(move |tx| {
        if let Some(arn) = &arn {
            super::managed::check_boundary(&*tx, &account, arn)?;
        }
        match role {
            true => {
                let mut record = load_role(&*tx, &account, &name)?;
                record.permissions_boundary = arn;
                put(tx, &account, kinds::ROLE, &name, &record, None)?;
            }
            false => {
                let mut record = load_user(&*tx, &account, &name)?;
                record.permissions_boundary = arn;
                put(tx, &account, kinds::USER, &name, &record, None)?;
            }
        }
        Ok(QueryOutput::new(Value::Null, |_| {}))
    })
    .await
}
