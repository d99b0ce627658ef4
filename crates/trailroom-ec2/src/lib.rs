//! EC2's region and zone discovery, which inventory tools and scanners call before anything
//! else: `DescribeRegions` and `DescribeAvailabilityZones`, in EC2's own Query dialect (lists as
//! `Name.N`, filters as `Filter.N.Name` / `Filter.N.Value.M`, answers without a result wrapper,
//! errors as `<Response><Errors>`).
//!
//! The regions are the server's one table ([`trailroom_protocol::regions`]), the one signatures
//! and multi-region trails use; every region is enabled for every account (the opt-in ones as
//! `opted-in`). Each region has three zones (us-east-1 six), with ids in AWS's form
//! (`use1-az1`).

use trailroom_policy::wildcard_match;
use trailroom_protocol::ApiError;
use trailroom_protocol::query::{QueryParams, XmlWriter};
use trailroom_protocol::regions::{OPT_IN_REGIONS, REGIONS};

/// XML namespace of EC2 answers.
pub const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
/// `eventSource` of EC2 calls.
pub const EVENT_SOURCE: &str = "ec2.amazonaws.com";

/// The EC2 actions answered here (all read-only).
pub const OPERATIONS: [&str; 2] = ["DescribeRegions", "DescribeAvailabilityZones"];

/// Whether `action` is answered here (both are reads).
pub fn knows(action: &str) -> bool {
    OPERATIONS.contains(&action)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterValue", message)
}

/// `Name.1`, `Name.2`, … (EC2's list form).
fn list(params: &QueryParams, name: &str) -> Vec<String> {
    (1..)
        .map_while(|n| params.get(&format!("{name}.{n}")).map(str::to_owned))
        .collect()
}

/// `Filter.N.Name` with its `Filter.N.Value.M`.
fn filters(params: &QueryParams) -> Vec<(String, Vec<String>)> {
    (1..)
        .map_while(|n| {
            let name = params.get(&format!("Filter.{n}.Name"))?;
            Some((name.to_owned(), list(params, &format!("Filter.{n}.Value"))))
        })
        .collect()
}

/// Whether an item with these `(filter name, value)` facts passes every filter; an unknown
/// filter name is refused, as EC2 refuses it.
fn passes(facts: &[(&str, String)], filters: &[(String, Vec<String>)]) -> Result<bool, ApiError> {
    for (name, values) in filters {
        let fact = facts
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| invalid(format!("The filter '{name}' is invalid")))?;
        if !values.iter().any(|v| wildcard_match(v, &fact.1)) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn opt_in_status(region: &str) -> &'static str {
    match OPT_IN_REGIONS.contains(&region) {
        true => "opted-in",
        false => "opt-in-not-required",
    }
}

/// Runs `action` signed for `region`; returns the answer's inner XML (after `requestId`).
pub fn call(action: &str, params: &QueryParams, region: &str) -> Result<String, ApiError> {
    match action {
        "DescribeRegions" => describe_regions(params),
        "DescribeAvailabilityZones" => describe_zones(params, region),
        other => Err(ApiError::client(
            "InvalidAction",
            format!("The action {other} is not valid for this web service."),
        )),
    }
}

fn describe_regions(params: &QueryParams) -> Result<String, ApiError> {
    let names = list(params, "RegionName");
    if let Some(unknown) = names.iter().find(|n| !REGIONS.contains(&n.as_str())) {
        return Err(invalid(format!("Invalid region(s): {unknown}")));
    }
    let filters = filters(params);
    let mut x = XmlWriter::new();
    let mut failure = None;
    x.nest("regionInfo", |l| {
        for region in REGIONS {
            if !names.is_empty() && !names.iter().any(|n| n == region) {
                continue;
            }
            let endpoint = format!("ec2.{region}.amazonaws.com");
            let facts = [
                ("region-name", (*region).to_owned()),
                ("endpoint", endpoint.clone()),
                ("opt-in-status", opt_in_status(region).to_owned()),
            ];
            match passes(&facts, &filters) {
                Ok(true) => {
                    l.nest("item", |i| {
                        i.element("regionName", region)
                            .element("regionEndpoint", &endpoint)
                            .element("optInStatus", opt_in_status(region));
                    });
                }
                Ok(false) => {}
                Err(err) => failure = Some(err),
            }
        }
    });
    match failure {
        Some(err) => Err(err),
        None => Ok(x.finish()),
    }
}

/// `us-east-1` → `use1`, `ap-southeast-2` → `apse2`: the prefix of AWS's zone ids.
fn zone_id_prefix(region: &str) -> String {
    const DIRECTIONS: [(&str, &str); 9] = [
        ("north", "n"),
        ("south", "s"),
        ("east", "e"),
        ("west", "w"),
        ("central", "c"),
        ("northeast", "ne"),
        ("northwest", "nw"),
        ("southeast", "se"),
        ("southwest", "sw"),
    ];
    match region.split('-').collect::<Vec<_>>().as_slice() {
        [area, direction, number] => {
            let short = DIRECTIONS
                .iter()
                .find(|(word, _)| word == direction)
                .map_or(*direction, |(_, short)| short);
            format!("{area}{short}{number}")
        }
        _ => region.to_owned(),
    }
}

fn zone_letters(region: &str) -> &'static [char] {
    match region {
        "us-east-1" => &['a', 'b', 'c', 'd', 'e', 'f'],
        _ => &['a', 'b', 'c'],
    }
}

fn describe_zones(params: &QueryParams, region: &str) -> Result<String, ApiError> {
    let names = list(params, "ZoneName");
    let ids = list(params, "ZoneId");
    let filters = filters(params);
    let prefix = zone_id_prefix(region);
    let zones: Vec<(String, String)> = zone_letters(region)
        .iter()
        .enumerate()
        .map(|(i, letter)| (format!("{region}{letter}"), format!("{prefix}-az{}", i + 1)))
        .collect();
    for name in &names {
        if !zones.iter().any(|(n, _)| n == name) {
            return Err(invalid(format!(
                "The zone '{name}' does not exist in this region."
            )));
        }
    }
    for id in &ids {
        if !zones.iter().any(|(_, z)| z == id) {
            return Err(invalid(format!(
                "The zone ID '{id}' does not exist in this region."
            )));
        }
    }
    let mut x = XmlWriter::new();
    let mut failure = None;
    x.nest("availabilityZoneInfo", |l| {
        for (name, id) in &zones {
            let named = names.is_empty() || names.contains(name);
            let by_id = ids.is_empty() || ids.contains(id);
            if !(named && by_id) {
                continue;
            }
            let facts = [
                ("zone-name", name.clone()),
                ("zone-id", id.clone()),
                ("region-name", region.to_owned()),
                ("group-name", region.to_owned()),
                ("state", "available".to_owned()),
                ("zone-type", "availability-zone".to_owned()),
                ("opt-in-status", "opt-in-not-required".to_owned()),
            ];
            match passes(&facts, &filters) {
                Ok(true) => {
                    l.nest("item", |i| {
                        i.element("optInStatus", "opt-in-not-required")
                            .element("zoneName", name)
                            .element("zoneId", id)
                            .element("zoneState", "available")
                            .element("regionName", region)
                            .element("groupName", region)
                            .element("networkBorderGroup", region)
                            .element("zoneType", "availability-zone")
                            .nest("messageSet", |_| {});
                    });
                }
                Ok(false) => {}
                Err(err) => failure = Some(err),
            }
        }
    });
    match failure {
        Some(err) => Err(err),
        None => Ok(x.finish()),
    }
}

/// The whole answer document of `action`.
pub fn success(action: &str, request_id: &str, inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{XMLNS}\">\
         <requestId>{request_id}</requestId>{inner}</{action}Response>"
    )
}

/// EC2's error document.
pub fn error(err: &ApiError, request_id: &str) -> String {
    let mut x = XmlWriter::new();
    x.nest("Errors", |e| {
        e.nest("Error", |e| {
            e.element("Code", err.code())
                .element("Message", err.message());
        });
    });
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>{}<RequestID>{request_id}</RequestID></Response>",
        x.finish()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(form: &str) -> QueryParams {
        QueryParams::parse(form.as_bytes()).unwrap()
    }

    #[test]
    fn zone_ids_follow_aws() {
        assert_eq!(zone_id_prefix("us-east-1"), "use1");
        assert_eq!(zone_id_prefix("ap-southeast-2"), "apse2");
        assert_eq!(zone_id_prefix("ap-northeast-1"), "apne1");
        assert_eq!(zone_id_prefix("eu-central-1"), "euc1");
        assert_eq!(zone_id_prefix("sa-east-1"), "sae1");
        assert_eq!(zone_id_prefix("eu-west-3"), "euw3");
    }

    #[test]
    fn regions_by_name_and_filter() {
        let all = describe_regions(&params("Action=DescribeRegions")).unwrap();
        assert_eq!(all.matches("<item>").count(), REGIONS.len());
        let two =
            describe_regions(&params("RegionName.1=eu-west-1&RegionName.2=us-east-1")).unwrap();
        assert_eq!(two.matches("<item>").count(), 2);
        let euro =
            describe_regions(&params("Filter.1.Name=region-name&Filter.1.Value.1=eu-*")).unwrap();
        assert!(euro.contains("eu-west-1") && !euro.contains("us-east-1"));
        let opted = describe_regions(&params(
            "Filter.1.Name=opt-in-status&Filter.1.Value.1=opted-in",
        ))
        .unwrap();
        assert!(opted.contains("af-south-1") && !opted.contains("us-east-1"));
        assert!(describe_regions(&params("RegionName.1=zz-fake-1")).is_err());
        assert!(describe_regions(&params("Filter.1.Name=bogus&Filter.1.Value.1=x")).is_err());
    }

    #[test]
    fn zones_of_the_signing_region() {
        let zones = describe_zones(&params(""), "us-east-1").unwrap();
        assert_eq!(zones.matches("<item>").count(), 6);
        assert!(zones.contains("<zoneId>use1-az1</zoneId>"));
        let one = describe_zones(&params("ZoneName.1=eu-west-1b"), "eu-west-1").unwrap();
        assert_eq!(one.matches("<item>").count(), 1);
        assert!(describe_zones(&params("ZoneName.1=us-east-1a"), "eu-west-1").is_err());
    }
}
