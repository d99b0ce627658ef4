//! SearchDevices: the `DeviceData` view (the device plus its room's and network profile's names
//! and its creation time), with the filter and sort keys of a4b.md §3.2.

use std::collections::HashMap;

use trailroom_audit::CallContext;
use trailroom_model::a4b::*;
use trailroom_protocol::ApiError;

use crate::records::devices::DeviceRecord;
use crate::records::rooms::RoomRecord;
use crate::support::convert::convert;
use crate::support::records::Record;
use crate::support::search::{Match, SearchSpec, search_request};

const SEARCH: SearchSpec<DeviceData> = SearchSpec {
    filter_keys: &[
        ("DeviceName", Match::Prefix),
        ("DeviceStatus", Match::Exact),
        ("DeviceStatusDetailCode", Match::Exact),
        ("RoomName", Match::Prefix),
        ("DeviceType", Match::Exact),
        ("DeviceSerialNumber", Match::Prefix),
        ("UnassociatedOnly", Match::Exact),
        ("ConnectionStatus", Match::Exact),
        ("NetworkProfileName", Match::Prefix),
        ("NetworkProfileArn", Match::Exact),
        ("Feature", Match::Exact),
        ("FailureCode", Match::Exact),
    ],
    sort_keys: &[
        "DeviceName",
        "DeviceStatus",
        "RoomName",
        "DeviceType",
        "DeviceSerialNumber",
        "ConnectionStatus",
        "NetworkProfileName",
        "NetworkProfileArn",
        "Feature",
        "FailureCode",
    ],
    default_sort: "DeviceName",
    field: device_field,
    id: |d| d.device_arn.clone().unwrap_or_default(),
};

fn device_field(device: &DeviceData, key: &str) -> Vec<String> {
    let info = device.device_status_info.as_ref();
    let details = info
        .and_then(|i| i.device_status_details.as_deref())
        .unwrap_or_default();
    let single = match key {
        "DeviceName" => device.device_name.clone(),
        "DeviceStatus" => device.device_status.clone(),
        "RoomName" => device.room_name.clone(),
        "DeviceType" => device.device_type.clone(),
        "DeviceSerialNumber" => device.device_serial_number.clone(),
        "ConnectionStatus" => info.and_then(|i| i.connection_status.clone()),
        "NetworkProfileName" => device.network_profile_name.clone(),
        "NetworkProfileArn" => device.network_profile_arn.clone(),
        "DeviceStatusDetailCode" | "FailureCode" => {
            return details.iter().filter_map(|d| d.code.clone()).collect();
        }
        "Feature" => return details.iter().filter_map(|d| d.feature.clone()).collect(),
        // `UnassociatedOnly=true` keeps devices without a room; `false` restricts nothing.
        "UnassociatedOnly" if device.room_arn.is_none() => {
            return vec!["true".into(), "false".into()];
        }
        "UnassociatedOnly" => Some("false".into()),
        _ => None,
    };
    single.into_iter().collect()
}

/// The search view of `record`, given room and network profile names by ARN.
fn device_data(
    record: &DeviceRecord,
    room_names: &HashMap<String, String>,
    profile_names: &HashMap<String, String>,
) -> Result<DeviceData, ApiError> {
    let mut data: DeviceData = convert(&record.device)?;
    data.room_name = record.room().and_then(|arn| room_names.get(arn).cloned());
    let profile = record
        .device
        .network_profile_info
        .as_ref()
        .and_then(|i| i.network_profile_arn.clone());
    data.network_profile_name = profile
        .as_ref()
        .and_then(|arn| profile_names.get(arn).cloned());
    data.network_profile_arn = profile;
    data.created_time = Some(record.created_time);
    Ok(data)
}

pub(crate) async fn search_devices(
    ctx: &CallContext,
    input: SearchDevicesRequest,
) -> Result<SearchDevicesResponse, ApiError> {
    let account = ctx.account_id();
    let (devices, rooms, profiles) = ctx.read(|txn| {
        Ok((
            DeviceRecord::all(txn, account)?,
            RoomRecord::all(txn, account)?,
            NetworkProfile::all(txn, account)?,
        ))
    })?;
    let room_names: HashMap<String, String> = rooms
        .into_iter()
        .filter_map(|r| Some((r.room.room_arn?, r.room.room_name?)))
        .collect();
    let profile_names: HashMap<String, String> = profiles
        .into_iter()
        .filter_map(|p| Some((p.network_profile_arn?, p.network_profile_name?)))
        .collect();
    let data = devices
        .iter()
        .map(|d| device_data(d, &room_names, &profile_names))
        .collect::<Result<Vec<_>, _>>()?;
    let page = search_request(data, &SEARCH, &input)?;
    Ok(SearchDevicesResponse {
        devices: Some(page.items),
        next_token: page.next_token,
        total_count: Some(page.total_count),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::search::search;

    fn filter(key: &str, value: &str) -> Filter {
        Filter {
            key: Some(key.into()),
            values: Some(vec![value.into()]),
        }
    }

    fn devices() -> Vec<DeviceData> {
        let failed = DeviceStatusInfo {
            device_status_details: Some(vec![DeviceStatusDetail {
                feature: Some("NETWORK_PROFILE".into()),
                code: Some("DHCP_FAILURE".into()),
            }]),
            connection_status: Some("OFFLINE".into()),
            connection_status_updated_time: None,
        };
        vec![
            DeviceData {
                device_arn: Some("a1".into()),
                device_name: Some("Lobby echo".into()),
                room_arn: Some("room".into()),
                ..DeviceData::default()
            },
            DeviceData {
                device_arn: Some("a2".into()),
                device_name: Some("Spare".into()),
                device_status_info: Some(failed),
                ..DeviceData::default()
            },
        ]
    }

    fn names(filters: &[Filter]) -> Vec<String> {
        let page = search(devices(), &SEARCH, Some(filters), None, None, None).unwrap();
        page.items
            .into_iter()
            .filter_map(|d| d.device_name)
            .collect()
    }

    #[test]
    fn unassociated_only_and_detail_keys() {
        assert_eq!(names(&[filter("UnassociatedOnly", "true")]), ["Spare"]);
        assert_eq!(names(&[filter("UnassociatedOnly", "false")]).len(), 2);
        assert_eq!(names(&[filter("FailureCode", "DHCP_FAILURE")]), ["Spare"]);
        assert_eq!(
            names(&[filter("DeviceStatusDetailCode", "DHCP_FAILURE")]),
            ["Spare"]
        );
        assert_eq!(names(&[filter("Feature", "NETWORK_PROFILE")]), ["Spare"]);
        assert_eq!(names(&[filter("ConnectionStatus", "OFFLINE")]), ["Spare"]);
        assert_eq!(names(&[filter("DeviceName", "lobby")]), ["Lobby echo"]);
    }
}
