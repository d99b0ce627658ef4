//! AWS managed policies, shipped as data with their real documents (`aws-managed/*.json`, each
//! the default version AWS publishes in its managed policy reference; version ids and dates as
//! published).

/// An AWS managed policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsManagedPolicy {
    /// Policy name.
    pub name: &'static str,
    /// IAM path (`/`, `/job-function/`, `/service-role/`).
    pub path: &'static str,
    /// Default version id.
    pub version: &'static str,
    /// Creation time (ISO 8601).
    pub created: &'static str,
    /// Last update (ISO 8601).
    pub updated: &'static str,
    /// The document of the default version.
    pub document: &'static str,
}

impl AwsManagedPolicy {
    /// `arn:aws:iam::aws:policy<path><name>`.
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }
}

/// Every AWS managed policy trailroom knows.
pub static POLICIES: &[AwsManagedPolicy] = &[
    AwsManagedPolicy {
        name: "AdministratorAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:39:46Z",
        updated: "2015-02-06T18:39:46Z",
        document: include_str!("../aws-managed/AdministratorAccess.json"),
    },
    AwsManagedPolicy {
        name: "AlexaForBusinessReadOnlyAccess",
        path: "/",
        version: "v3",
        created: "2017-11-30T16:47:00Z",
        updated: "2019-11-20T00:25:00Z",
        document: include_str!("../aws-managed/AlexaForBusinessReadOnlyAccess.json"),
    },
    AwsManagedPolicy {
        name: "AWSCloudTrail_ReadOnlyAccess",
        path: "/",
        version: "v1",
        created: "2022-06-14T17:19:00Z",
        updated: "2022-06-14T17:19:00Z",
        document: include_str!("../aws-managed/AWSCloudTrail_ReadOnlyAccess.json"),
    },
    AwsManagedPolicy {
        name: "AmazonS3FullAccess",
        path: "/",
        version: "v2",
        created: "2015-02-06T18:40:58Z",
        updated: "2021-09-27T20:16:37Z",
        document: include_str!("../aws-managed/AmazonS3FullAccess.json"),
    },
    AwsManagedPolicy {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        version: "v3",
        created: "2015-02-06T18:40:00Z",
        updated: "2023-08-10T21:31:00Z",
        document: include_str!("../aws-managed/AmazonS3ReadOnlyAccess.json"),
    },
    AwsManagedPolicy {
        name: "AmazonSNSFullAccess",
        path: "/",
        version: "v2",
        created: "2015-02-06T18:41:00Z",
        updated: "2024-09-24T22:32:00Z",
        document: include_str!("../aws-managed/AmazonSNSFullAccess.json"),
    },
    AwsManagedPolicy {
        name: "IAMFullAccess",
        path: "/",
        version: "v2",
        created: "2015-02-06T18:40:00Z",
        updated: "2019-06-21T19:40:00Z",
        document: include_str!("../aws-managed/IAMFullAccess.json"),
    },
    AwsManagedPolicy {
        name: "IAMReadOnlyAccess",
        path: "/",
        version: "v4",
        created: "2015-02-06T18:40:00Z",
        updated: "2018-01-25T19:11:00Z",
        document: include_str!("../aws-managed/IAMReadOnlyAccess.json"),
    },
];

/// The AWS managed policy with this ARN.
pub fn find(arn: &str) -> Option<&'static AwsManagedPolicy> {
    let rest = arn.strip_prefix("arn:aws:iam::aws:policy")?;
    POLICIES
        .iter()
        .find(|p| rest.strip_prefix(p.path) == Some(p.name))
}

/// The document of the AWS managed policy with this ARN.
pub fn document(arn: &str) -> Option<&'static str> {
    find(arn).map(|p| p.document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_is_an_identity_policy_found_by_its_arn() {
        for policy in POLICIES {
            let value: serde_json::Value = serde_json::from_str(policy.document).unwrap();
            assert!(value["Statement"].is_array(), "{}", policy.name);
            assert_eq!(find(&policy.arn()), Some(policy));
        }
        assert!(find("arn:aws:iam::aws:policy/NoSuchPolicy").is_none());
        assert!(find("arn:aws:iam::aws:policy/job-function/AdministratorAccess").is_none());
    }
}
