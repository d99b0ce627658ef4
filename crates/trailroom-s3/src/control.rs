//! S3 Control (`/v20180820/…`, the account id in `x-amz-account-id`): the account-level public
//! access block (get, put, delete), which like a bucket's refuses public bucket policies in the
//! whole account, and the account's access points (none). Each call is a management event of
//! `s3.amazonaws.com`, as CloudTrail records them.

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use trailroom_audit::store_failure;
use trailroom_model::Empty;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn};

use crate::calls::RequestInfo;
use crate::endpoint::error_response;
use crate::errors;
use crate::service::{S3Backend, authorize_account};

/// The path prefix of S3 Control requests.
pub const PREFIX: &str = "/v20180820/";
/// Document kind of account public access blocks (account = owner, id = [`BLOCK_ID`]).
pub const BLOCK_KIND: &str = "s3_account_public_access_block";
const BLOCK_ID: &str = "publicAccessBlock";
const XMLNS: &str = "http://awss3control.amazonaws.com/doc/2018-08-20/";

/// An account's public access block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountBlock {
    #[serde(default)]
    pub block_public_acls: bool,
    #[serde(default)]
    pub ignore_public_acls: bool,
    #[serde(default)]
    pub block_public_policy: bool,
    #[serde(default)]
    pub restrict_public_buckets: bool,
}

/// The account's public access block, if set.
pub fn account_block(txn: &dyn ReadTxn, account: &str) -> Result<Option<AccountBlock>, ApiError> {
    txn.get(account, BLOCK_KIND, BLOCK_ID)
        .map_err(store_failure)?
        .map(|doc| doc.decode().map_err(store_failure))
        .transpose()
}

/// Whether `path` is an S3 Control request.
pub fn is_control(path: &str) -> bool {
    path.starts_with(PREFIX)
}

fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/xml")
        .header("x-amz-request-id", request_id)
        .body(Bytes::from(body))
        .unwrap_or_default()
}

fn block_xml(block: &AccountBlock) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PublicAccessBlockConfiguration xmlns=\"{XMLNS}\">\
         <BlockPublicAcls>{}</BlockPublicAcls><IgnorePublicAcls>{}</IgnorePublicAcls>\
         <BlockPublicPolicy>{}</BlockPublicPolicy><RestrictPublicBuckets>{}</RestrictPublicBuckets>\
         </PublicAccessBlockConfiguration>",
        block.block_public_acls,
        block.ignore_public_acls,
        block.block_public_policy,
        block.restrict_public_buckets
    )
}

impl S3Backend {
    /// Serves one S3 Control request.
    pub(crate) async fn control(
        &self,
        method: &Method,
        path: &str,
        account_header: Option<&str>,
        body: Bytes,
        info: &RequestInfo,
    ) -> Response<Bytes> {
        let request_id = info.request_id.clone();
        let route = path.strip_prefix(PREFIX).unwrap_or_default();
        let answer = match (method, route.trim_end_matches('/')) {
            (&Method::GET, "configuration/publicAccessBlock") => {
                self.get_block(info, account_header).await
            }
            (&Method::PUT, "configuration/publicAccessBlock") => {
                self.put_block(info, account_header, &body).await
            }
            (&Method::DELETE, "configuration/publicAccessBlock") => {
                self.delete_block(info, account_header).await
            }
            (&Method::GET, "accesspoint") => self.list_access_points(info, account_header).await,
            _ => Err(ApiError::new(
                "NotImplemented",
                StatusCode::NOT_IMPLEMENTED,
                "This S3 Control operation is not implemented by this server",
            )),
        };
        match answer {
            Ok((status, body)) => xml_response(status, body, &request_id),
            Err(err) => error_response(err.code(), err.status(), err.message(), &request_id),
        }
    }

    /// The management call of an S3 Control operation.
    fn control_call(
        &self,
        info: &RequestInfo,
        name: &str,
        read_only: bool,
        extra: Value,
    ) -> trailroom_audit::CallContext {
        self.recorder.management(info, name, read_only, None, extra)
    }

    /// The account named by `x-amz-account-id`, which must be the caller's.
    fn control_account(
        &self,
        info: &RequestInfo,
        header: Option<&str>,
        action: &str,
    ) -> Result<String, ApiError> {
        let account = header.ok_or_else(|| {
            errors::invalid_argument("The request is missing the x-amz-account-id header")
        })?;
        if account != info.account() {
            return Err(errors::access_denied());
        }
        authorize_account(self, info, action, "*")?;
        Ok(account.to_owned())
    }

    async fn get_block(
        &self,
        info: &RequestInfo,
        header: Option<&str>,
    ) -> Result<(StatusCode, String), ApiError> {
        let ctx = self.control_call(info, "GetAccountPublicAccessBlock", true, json!({}));
        let result = self
            .control_account(info, header, "s3:GetAccountPublicAccessBlock")
            .and_then(|account| self.read(|txn| account_block(txn, &account)))
            .and_then(|block| {
                block.ok_or_else(|| {
                    ApiError::new(
                        "NoSuchPublicAccessBlockConfiguration",
                        StatusCode::NOT_FOUND,
                        "The public access block configuration was not found",
                    )
                })
            });
        ctx.finish(result.as_ref().map(|_| Value::Null)).await?;
        result.map(|block| (StatusCode::OK, block_xml(&block)))
    }

    async fn put_block(
        &self,
        info: &RequestInfo,
        header: Option<&str>,
        body: &[u8],
    ) -> Result<(StatusCode, String), ApiError> {
        let parsed: Result<AccountBlock, ApiError> = std::str::from_utf8(body)
            .ok()
            .and_then(|text| quick_xml::de::from_str(text).ok())
            .ok_or_else(errors::malformed_xml);
        let extra = match &parsed {
            Ok(block) => json!({"PublicAccessBlockConfiguration": block}),
            Err(_) => json!({}),
        };
        let ctx = self.control_call(info, "PutAccountPublicAccessBlock", false, extra);
        let account = self.control_account(info, header, "s3:PutAccountPublicAccessBlock");
        let result = match (account, parsed) {
            (Ok(account), Ok(block)) => match Doc::new(&account, BLOCK_KIND, BLOCK_ID, &block) {
                Ok(doc) => ctx
                    .write(move |txn| {
                        txn.put(&doc).map_err(store_failure)?;
                        Ok(Empty {})
                    })
                    .await
                    .map(|_| ()),
                Err(err) => Err(store_failure(err)),
            },
            (Err(err), _) | (_, Err(err)) => Err(err),
        };
        ctx.finish(result.as_ref().map(|_| Value::Null)).await?;
        result.map(|()| (StatusCode::OK, String::new()))
    }

    async fn delete_block(
        &self,
        info: &RequestInfo,
        header: Option<&str>,
    ) -> Result<(StatusCode, String), ApiError> {
        let ctx = self.control_call(info, "DeleteAccountPublicAccessBlock", false, json!({}));
        let result = match self.control_account(info, header, "s3:PutAccountPublicAccessBlock") {
            Ok(account) => ctx
                .write(move |txn| {
                    txn.delete(&account, BLOCK_KIND, BLOCK_ID)
                        .map_err(store_failure)?;
                    Ok(Empty {})
                })
                .await
                .map(|_| ()),
            Err(err) => Err(err),
        };
        ctx.finish(result.as_ref().map(|_| Value::Null)).await?;
        result.map(|()| (StatusCode::NO_CONTENT, String::new()))
    }

    async fn list_access_points(
        &self,
        info: &RequestInfo,
        header: Option<&str>,
    ) -> Result<(StatusCode, String), ApiError> {
        let ctx = self.control_call(info, "ListAccessPoints", true, json!({}));
        let result = self.control_account(info, header, "s3:ListAccessPoints");
        ctx.finish(result.as_ref().map(|_| Value::Null)).await?;
        result.map(|_| {
            (
                StatusCode::OK,
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAccessPointsResult \
                     xmlns=\"{XMLNS}\"><AccessPointList/></ListAccessPointsResult>"
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_document_reads_and_writes() {
        let xml = r#"<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>true</BlockPublicAcls><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>"#;
        let block: AccountBlock = quick_xml::de::from_str(xml).unwrap();
        assert!(block.block_public_acls && block.block_public_policy);
        assert!(!block.ignore_public_acls);
        let again: AccountBlock = quick_xml::de::from_str(&block_xml(&block)).unwrap();
        assert_eq!(again, block);
        assert!(quick_xml::de::from_str::<AccountBlock>("not xml").is_err());
    }
}
