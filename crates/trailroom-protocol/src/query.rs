//! AWS Query: how STS and IAM requests are read and answered.
//!
//! Requests are form-encoded (`Action=GetCallerIdentity&Version=2011-06-15&…`) in a POST body or
//! in the query string of a GET. Responses are XML: `<ActionResponse xmlns="…"><ActionResult>…
//! </ActionResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></ActionResponse>`;
//! errors are `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>
//! <RequestId>…</RequestId></ErrorResponse>`.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderValue, Response, header};

use crate::ApiError;

/// The content type of Query responses.
pub const CONTENT_TYPE: &str = "text/xml";

/// Parsed Query parameters (`Action`, `Version` and the operation's members).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams(BTreeMap<String, String>);

impl QueryParams {
    /// Parses a form-encoded string.
    pub fn parse(form: &[u8]) -> Result<Self, ApiError> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(form)
            .map(|pairs| Self(pairs.into_iter().collect()))
            .map_err(|e| ApiError::client("MalformedQueryString", e.to_string()))
    }

    /// The `Action` parameter.
    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }

    /// A parameter, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A required parameter; when absent, the `ValidationError` Query services answer with.
    pub fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::client(
                "ValidationError",
                format!(
                    "1 validation error detected: Value null at '{}' failed to satisfy \
                     constraint: Member must not be null",
                    lower_first(name)
                ),
            )
        })
    }

    /// An optional integer parameter.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|raw| {
                raw.parse().map_err(|_| {
                    ApiError::client(
                        "ValidationError",
                        format!(
                            "Value '{raw}' at '{}' is not a valid integer",
                            lower_first(name)
                        ),
                    )
                })
            })
            .transpose()
    }

    /// Every parameter, for the audit record's `requestParameters`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// `RoleArn` → `roleArn`: the member naming used in messages and CloudTrail parameters.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Builds XML documents with escaped text.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// `<name>escaped text</name>`.
    pub fn element(&mut self, name: &str, text: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>` followed by what `inner` writes, then `</name>`.
    pub fn nest(&mut self, name: &str, inner: impl FnOnce(&mut Self)) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        inner(self);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Appends already-formed XML.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.out.push_str(xml);
        self
    }

    /// The document so far.
    pub fn finish(self) -> String {
        self.out
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
}

/// The success document for `action` in namespace `xmlns`, with `result` written inside
/// `<{action}Result>`.
pub fn success(
    action: &str,
    xmlns: &str,
    request_id: &str,
    result: impl FnOnce(&mut XmlWriter),
) -> Response<Bytes> {
    let mut xml = XmlWriter::new();
    xml.out
        .push_str(&format!("<{action}Response xmlns=\"{xmlns}\">"));
    xml.nest(&format!("{action}Result"), result);
    xml.nest("ResponseMetadata", |m| {
        m.element("RequestId", request_id);
    });
    xml.out.push_str(&format!("</{action}Response>"));
    xml_response(xml.finish(), http::StatusCode::OK)
}

/// The `ErrorResponse` document for `err`.
pub fn error(err: &ApiError, xmlns: &str, request_id: &str) -> Response<Bytes> {
    let mut xml = XmlWriter::new();
    xml.out
        .push_str(&format!("<ErrorResponse xmlns=\"{xmlns}\">"));
    xml.nest("Error", |e| {
        e.element(
            "Type",
            if err.is_client_fault() {
                "Sender"
            } else {
                "Receiver"
            },
        )
        .element("Code", query_code(err))
        .element("Message", err.message());
    });
    xml.element("RequestId", request_id);
    xml.out.push_str("</ErrorResponse>");
    xml_response(xml.finish(), err.status())
}

/// The code in Query's vocabulary: the JSON services' `ServiceUnavailableException` is
/// `ServiceUnavailable` here.
fn query_code(err: &ApiError) -> &str {
    match err.code() {
        "ServiceUnavailableException" => "ServiceUnavailable",
        code => code,
    }
}

fn xml_response(body: String, status: http::StatusCode) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms_and_requires_members() {
        let params = QueryParams::parse(
            b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr&DurationSeconds=900",
        )
        .unwrap();
        assert_eq!(params.action(), Some("AssumeRole"));
        assert_eq!(params.get("RoleArn"), Some("arn:aws:iam::1:role/r"));
        assert_eq!(params.integer("DurationSeconds").unwrap(), Some(900));
        let err = params.require("RoleSessionName").unwrap_err();
        assert_eq!(err.code(), "ValidationError");
        assert!(err.message().contains("'roleSessionName'"));
    }

    #[test]
    fn error_document_is_escaped() {
        let err = ApiError::client("AccessDenied", "a < b & c");
        let response = error(&err, "https://sts.amazonaws.com/doc/2011-06-15/", "req-1");
        let body = std::str::from_utf8(response.body()).unwrap();
        assert!(body.contains("<Code>AccessDenied</Code>"));
        assert!(body.contains("<Message>a &lt; b &amp; c</Message>"));
        assert!(body.contains("<Type>Sender</Type>"));
        assert!(body.contains("<RequestId>req-1</RequestId>"));
    }

    #[test]
    fn success_document_wraps_result() {
        let response = success("GetCallerIdentity", "ns", "r", |x| {
            x.element("Account", "123456789012");
        });
        let body = std::str::from_utf8(response.body()).unwrap();
        assert_eq!(
            body,
            "<GetCallerIdentityResponse xmlns=\"ns\"><GetCallerIdentityResult><Account>123456789012\
             </Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>\
             </ResponseMetadata></GetCallerIdentityResponse>"
        );
    }
}
