//! SAML 2.0 responses as `AssumeRoleWithSAML` reads them, and the metadata documents IAM SAML
//! providers are created from.
//!
//! A response is accepted when its one `Assertion` is covered by an XML signature that one of
//! the provider's metadata certificates verifies (the assertion's own signature, or the
//! response's), the assertion's `Issuer` is the metadata's `entityID`, its audience includes
//! AWS's, and it is used before its `NotOnOrAfter` and within five minutes of its issue.
//! Only the signed assertion is read, so content outside the signature (a second, unsigned
//! assertion, a moved one) changes nothing. Documents with a DTD are refused before parsing.
//!
//! [`response_template`] writes the unsigned response the test identity provider signs.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bergshamra_dsig::{DsigContext, VerifyResult};
use bergshamra_keys::{KeysManager, loader};
use chrono::{DateTime, SecondsFormat, Utc};
use uppsala::{Document, NodeId};

use crate::SessionAttributes;

/// The audience AWS's sign-in endpoint expects (also `SAML:aud`'s usual value).
pub const AWS_AUDIENCE: &str = "https://signin.aws.amazon.com/saml";
/// Attribute: `role-arn,provider-arn` pairs (either order).
pub const ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// Attribute: the role session's name.
pub const SESSION_NAME_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
/// Attribute: requested session length in seconds.
pub const SESSION_DURATION_ATTRIBUTE: &str =
    "https://aws.amazon.com/SAML/Attributes/SessionDuration";
/// Attribute name prefix of session tags (`…PrincipalTag:Project`).
pub const TAG_ATTRIBUTE_PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
/// Attribute: keys of transitive session tags.
pub const TRANSITIVE_TAGS_ATTRIBUTE: &str =
    "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
/// Attribute: the session's source identity.
pub const SOURCE_IDENTITY_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";

const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// How long after its issue an assertion may be redeemed.
const REDEEM_WITHIN_MS: i64 = 5 * 60 * 1000;
/// Clock skew allowed between the identity provider and this server.
const SKEW_MS: i64 = 60 * 1000;

/// Why a response or a metadata document was refused; the messages are STS's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    /// Not base64, not XML, not a SAML response, or missing what AWS requires.
    #[error("{0}")]
    Malformed(String),
    /// No signature made with the provider's keys covers the assertion.
    #[error("Response signature invalid")]
    Signature,
    /// The assertion's issuer is not the provider's entity id.
    #[error("Issuer of the SAML assertion does not match the issuer of the SAML provider")]
    Issuer,
    /// AWS's audience is not among the assertion's.
    #[error("SAML assertion audience does not include https://signin.aws.amazon.com/saml")]
    Audience,
    /// Used after `NotOnOrAfter`, or more than five minutes after issue.
    #[error("Token must be redeemed within 5 minutes of issuance")]
    Expired,
    /// A metadata document IAM cannot use.
    #[error("Could not parse metadata")]
    Metadata,
}

/// What a provider's metadata document says: who it is and the certificates it signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    /// `entityID` of the `EntityDescriptor`.
    pub entity_id: String,
    /// DER certificates of its signing keys (`KeyDescriptor` with `use="signing"` or no use).
    pub certificates: Vec<Vec<u8>>,
    /// `validUntil`, when given.
    pub valid_until: Option<String>,
}

/// Reads a metadata document (`CreateSAMLProvider`'s `SAMLMetadataDocument`).
pub fn read_metadata(xml: &str) -> Result<ProviderMetadata, SamlError> {
    let doc = parse(xml).map_err(|_| SamlError::Metadata)?;
    let root = doc.document_element().ok_or(SamlError::Metadata)?;
    let entity = match element_is(&doc, root, NS_METADATA, "EntityDescriptor") {
        true => root,
        // An EntitiesDescriptor: take its first entity.
        false => *doc
            .get_elements_by_tag_name_ns(NS_METADATA, "EntityDescriptor")
            .first()
            .ok_or(SamlError::Metadata)?,
    };
    let entity_id = doc
        .get_attribute(entity, "entityID")
        .filter(|id| !id.is_empty())
        .ok_or(SamlError::Metadata)?
        .to_owned();
    let mut certificates = Vec::new();
    for idp in doc.child_elements_by_name_ns(entity, NS_METADATA, "IDPSSODescriptor") {
        for key in doc.child_elements_by_name_ns(idp, NS_METADATA, "KeyDescriptor") {
            if doc
                .get_attribute(key, "use")
                .is_some_and(|u| u != "signing")
            {
                continue;
            }
            for cert in descendants(&doc, key, NS_DSIG, "X509Certificate") {
                let text: String = doc.text_content_deep(cert).split_whitespace().collect();
                certificates.push(STANDARD.decode(text).map_err(|_| SamlError::Metadata)?);
            }
        }
    }
    if certificates.is_empty() {
        return Err(SamlError::Metadata);
    }
    for der in &certificates {
        loader::load_x509_cert_der(der).map_err(|_| SamlError::Metadata)?;
    }
    Ok(ProviderMetadata {
        entity_id,
        certificates,
        valid_until: doc.get_attribute(entity, "validUntil").map(str::to_owned),
    })
}

/// What a signed assertion says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SamlAssertion {
    /// The assertion's `ID` (CloudTrail's `sAMLAssertionID`).
    pub id: String,
    /// `Issuer`.
    pub issuer: String,
    /// The subject's `NameID`.
    pub subject: String,
    /// The `NameID`'s `Format`, when given.
    pub subject_format: Option<String>,
    /// `Recipient` of the bearer confirmation (`SAML:aud`).
    pub recipient: Option<String>,
    /// Audiences of the `AudienceRestriction`s.
    pub audiences: Vec<String>,
    /// `IssueInstant`, ms since the epoch.
    pub issued_ms: i64,
    /// Earliest `NotOnOrAfter` of the conditions and the confirmation, ms since the epoch.
    pub not_on_or_after_ms: Option<i64>,
    /// `(role ARN, provider ARN)` pairs of the Role attribute.
    pub roles: Vec<(String, String)>,
    /// RoleSessionName.
    pub session_name: Option<String>,
    /// SessionDuration, seconds.
    pub session_duration_s: Option<i64>,
    /// Session tags, transitive keys, source identity.
    pub session: SessionAttributes,
    /// Every attribute by name, for the `SAML:` condition keys.
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl SamlAssertion {
    /// `SubjectType`: `persistent` or `transient` for those formats, else the format URI
    /// (`unspecified` when none is given).
    pub fn subject_type(&self) -> String {
        match self.subject_format.as_deref() {
            Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent") => "persistent".into(),
            Some("urn:oasis:names:tc:SAML:2.0:nameid-format:transient") => "transient".into(),
            Some(other) => other.to_owned(),
            None => "unspecified".into(),
        }
    }
}

/// Reads a base64 response's assertion without checking its signature: for recording who a
/// refused caller claimed to be, never for deciding.
pub fn read_unverified(response_b64: &str) -> Result<SamlAssertion, SamlError> {
    let xml = decode(response_b64)?;
    let doc = parse(&xml)?;
    let assertion = the_assertion(&doc)?;
    read_assertion(&doc, assertion)
}

/// Verifies a base64 SAML response against the provider's metadata and reads its assertion;
/// `now_ms` decides its lifetime.
pub fn verify(
    response_b64: &str,
    metadata: &ProviderMetadata,
    now_ms: i64,
) -> Result<SamlAssertion, SamlError> {
    let xml = decode(response_b64)?;
    let doc = parse(&xml)?;
    let assertion = the_assertion(&doc)?;
    if !signature_covers(&doc, &xml, assertion, metadata)? {
        return Err(SamlError::Signature);
    }
    let read = read_assertion(&doc, assertion)?;
    if read.issuer != metadata.entity_id {
        return Err(SamlError::Issuer);
    }
    if !read.audiences.iter().any(|a| is_aws_audience(a)) {
        return Err(SamlError::Audience);
    }
    let expired = read.not_on_or_after_ms.is_some_and(|end| now_ms >= end)
        || now_ms > read.issued_ms + REDEEM_WITHIN_MS
        || read.issued_ms > now_ms + SKEW_MS;
    if expired {
        return Err(SamlError::Expired);
    }
    Ok(read)
}

/// `NameQualifier`: base64 of SHA-1 over the issuer, the account id and `/` + the provider's name,
/// as STS computes it. With the subject it names one user of one provider.
pub fn name_qualifier(issuer: &str, account: &str, provider_name: &str) -> String {
    let input = format!("{issuer}{account}/{provider_name}");
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        input.as_bytes(),
    );
    STANDARD.encode(digest.as_ref())
}

fn is_aws_audience(audience: &str) -> bool {
    matches!(audience, AWS_AUDIENCE | "urn:amazon:webservices")
        || audience.starts_with("https://signin.aws.amazon.com/saml/")
}

fn decode(response_b64: &str) -> Result<String, SamlError> {
    let compact: String = response_b64.split_whitespace().collect();
    let bytes = STANDARD
        .decode(compact)
        .map_err(|_| SamlError::Malformed("Invalid base64 SAML response".into()))?;
    String::from_utf8(bytes).map_err(|_| SamlError::Malformed("Invalid SAML response".into()))
}

fn parse(xml: &str) -> Result<Document<'_>, SamlError> {
    uppsala::parser::Parser::new()
        .with_forbid_dtd(true)
        .parse(xml)
        .map_err(|_| SamlError::Malformed("Invalid SAML response".into()))
}

/// The response's single, unencrypted assertion.
fn the_assertion(doc: &Document<'_>) -> Result<NodeId, SamlError> {
    let malformed = |m: &str| SamlError::Malformed(m.to_owned());
    let root = doc
        .document_element()
        .ok_or_else(|| malformed("Invalid SAML response"))?;
    if !element_is(doc, root, NS_PROTOCOL, "Response") {
        return Err(malformed("Invalid SAML response"));
    }
    let status = doc
        .first_child_element_by_name_ns(root, NS_PROTOCOL, "Status")
        .and_then(|s| doc.first_child_element_by_name_ns(s, NS_PROTOCOL, "StatusCode"))
        .and_then(|c| doc.get_attribute(c, "Value"));
    if status != Some(STATUS_SUCCESS) {
        return Err(malformed(
            "The SAML response does not carry a success status",
        ));
    }
    if doc
        .first_child_element_by_name_ns(root, NS_ASSERTION, "EncryptedAssertion")
        .is_some()
    {
        return Err(malformed("Encrypted SAML assertions are not supported"));
    }
    match doc
        .child_elements_by_name_ns(root, NS_ASSERTION, "Assertion")
        .as_slice()
    {
        [one] => Ok(*one),
        [] => Err(malformed("The SAML response contains no assertion")),
        _ => Err(malformed(
            "The SAML response contains more than one assertion",
        )),
    }
}

/// Whether a valid signature by one of the provider's keys covers `assertion`: references the
/// assertion itself or the whole response.
fn signature_covers(
    doc: &Document<'_>,
    xml: &str,
    assertion: NodeId,
    metadata: &ProviderMetadata,
) -> Result<bool, SamlError> {
    let mut keys = KeysManager::new();
    for der in &metadata.certificates {
        keys.add_key(loader::load_x509_cert_der(der).map_err(|_| SamlError::Metadata)?);
    }
    // Secure defaults: only the provider's keys, no references out of place.
    let ctx = DsigContext::new(keys);
    let root = doc.document_element();
    let results = bergshamra_dsig::verify::verify_all_document_with_source(&ctx, doc, Some(xml))
        .map_err(|_| SamlError::Signature)?;
    Ok(results.iter().any(|result| match result {
        VerifyResult::Valid { references, .. } => references.iter().any(|r| {
            r.digest_verified
                && r.resolved_node
                    .is_some_and(|n| n == assertion || Some(n) == root)
        }),
        VerifyResult::Invalid { .. } => false,
    }))
}

fn read_assertion(doc: &Document<'_>, assertion: NodeId) -> Result<SamlAssertion, SamlError> {
    let malformed = |m: &str| SamlError::Malformed(m.to_owned());
    let child =
        |parent: NodeId, name: &str| doc.first_child_element_by_name_ns(parent, NS_ASSERTION, name);
    let issued_ms = doc
        .get_attribute(assertion, "IssueInstant")
        .and_then(parse_time)
        .ok_or_else(|| malformed("The SAML assertion has no valid IssueInstant"))?;
    let issuer = child(assertion, "Issuer")
        .map(|i| doc.text_content_deep(i).trim().to_owned())
        .ok_or_else(|| malformed("The SAML assertion has no Issuer"))?;
    let subject = child(assertion, "Subject")
        .ok_or_else(|| malformed("The SAML assertion has no Subject"))?;
    let name_id =
        child(subject, "NameID").ok_or_else(|| malformed("The SAML assertion has no NameID"))?;
    let confirmation =
        child(subject, "SubjectConfirmation").and_then(|c| child(c, "SubjectConfirmationData"));
    let conditions = child(assertion, "Conditions");
    let audiences = conditions
        .map(|c| {
            doc.child_elements_by_name_ns(c, NS_ASSERTION, "AudienceRestriction")
                .into_iter()
                .flat_map(|r| doc.child_elements_by_name_ns(r, NS_ASSERTION, "Audience"))
                .map(|a| doc.text_content_deep(a).trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let not_on_or_after_ms = [conditions, confirmation]
        .into_iter()
        .flatten()
        .filter_map(|n| doc.get_attribute(n, "NotOnOrAfter").and_then(parse_time))
        .min();
    let attributes = attributes(doc, assertion);
    let first = |name: &str| attributes.get(name).and_then(|v| v.first()).cloned();
    let mut read = SamlAssertion {
        id: doc
            .get_attribute(assertion, "ID")
            .unwrap_or_default()
            .to_owned(),
        issuer,
        subject: doc.text_content_deep(name_id).trim().to_owned(),
        subject_format: doc.get_attribute(name_id, "Format").map(str::to_owned),
        recipient: confirmation
            .and_then(|c| doc.get_attribute(c, "Recipient"))
            .map(str::to_owned),
        audiences,
        issued_ms,
        not_on_or_after_ms,
        roles: attributes
            .get(ROLE_ATTRIBUTE)
            .map(|values| values.iter().filter_map(|v| role_pair(v)).collect())
            .unwrap_or_default(),
        session_name: first(SESSION_NAME_ATTRIBUTE),
        session_duration_s: first(SESSION_DURATION_ATTRIBUTE).and_then(|d| d.trim().parse().ok()),
        session: SessionAttributes {
            tags: attributes
                .iter()
                .filter_map(|(name, values)| {
                    let key = name.strip_prefix(TAG_ATTRIBUTE_PREFIX)?;
                    Some((key.to_owned(), values.first()?.clone()))
                })
                .collect(),
            transitive_tag_keys: attributes
                .get(TRANSITIVE_TAGS_ATTRIBUTE)
                .cloned()
                .unwrap_or_default(),
            source_identity: first(SOURCE_IDENTITY_ATTRIBUTE),
        },
        attributes: BTreeMap::new(),
    };
    read.attributes = attributes;
    Ok(read)
}

/// Every `Attribute` of the assertion's attribute statements, by `Name`.
fn attributes(doc: &Document<'_>, assertion: NodeId) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in doc.child_elements_by_name_ns(assertion, NS_ASSERTION, "AttributeStatement") {
        for attribute in doc.child_elements_by_name_ns(statement, NS_ASSERTION, "Attribute") {
            let Some(name) = doc.get_attribute(attribute, "Name") else {
                continue;
            };
            let values = doc
                .child_elements_by_name_ns(attribute, NS_ASSERTION, "AttributeValue")
                .into_iter()
                .map(|v| doc.text_content_deep(v).trim().to_owned());
            out.entry(name.to_owned()).or_default().extend(values);
        }
    }
    out
}

/// `arn:aws:iam::…:role/R,arn:aws:iam::…:saml-provider/P` in either order.
fn role_pair(value: &str) -> Option<(String, String)> {
    let (a, b) = value.split_once(',')?;
    let (a, b) = (a.trim(), b.trim());
    let is_role = |arn: &str| arn.contains(":role/");
    let is_provider = |arn: &str| arn.contains(":saml-provider/");
    match (is_role(a) && is_provider(b), is_role(b) && is_provider(a)) {
        (true, _) => Some((a.to_owned(), b.to_owned())),
        (_, true) => Some((b.to_owned(), a.to_owned())),
        _ => None,
    }
}

fn parse_time(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

fn element_is(doc: &Document<'_>, node: NodeId, namespace: &str, local: &str) -> bool {
    doc.element(node)
        .is_some_and(|e| e.matches_name_ns(namespace, local))
}

fn descendants(doc: &Document<'_>, node: NodeId, namespace: &str, local: &str) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(id) = stack.pop() {
        if id != node && element_is(doc, id, namespace, local) {
            out.push(id);
        }
        stack.extend(doc.children(id));
    }
    out
}

/// What the test identity provider puts in a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSpec {
    /// `Issuer` (the provider's `entityID`).
    pub issuer: String,
    /// `NameID`.
    pub subject: String,
    /// `NameID` format URI.
    pub subject_format: String,
    /// `(role ARN, provider ARN)` pairs offered.
    pub roles: Vec<(String, String)>,
    /// RoleSessionName.
    pub session_name: String,
    /// SessionDuration, seconds.
    pub session_duration_s: Option<i64>,
    /// Session tags, transitive keys, source identity.
    pub session: SessionAttributes,
    /// Further attributes (`Name` → values).
    pub extra_attributes: BTreeMap<String, Vec<String>>,
    /// How long the assertion may be redeemed, seconds.
    pub lifetime_s: i64,
}

/// The unsigned response for `spec` issued at `now_ms`, with an empty enveloped signature over
/// the assertion (exclusive C14N, RSA-SHA256) whose `KeyInfo` carries `certificate_der`.
pub fn response_template(spec: &ResponseSpec, now_ms: i64, certificate_der: &[u8]) -> String {
    let now = format_time(now_ms);
    let end = format_time(now_ms + spec.lifetime_s * 1000);
    let (response_id, assertion_id) = (
        format!("_{}", uuid::Uuid::new_v4().simple()),
        format!("_{}", uuid::Uuid::new_v4().simple()),
    );
    let issuer = escape(&spec.issuer);
    let mut attributes: Vec<(String, Vec<String>)> = vec![
        (
            ROLE_ATTRIBUTE.into(),
            spec.roles.iter().map(|(r, p)| format!("{r},{p}")).collect(),
        ),
        (
            SESSION_NAME_ATTRIBUTE.into(),
            vec![spec.session_name.clone()],
        ),
    ];
    if let Some(seconds) = spec.session_duration_s {
        attributes.push((SESSION_DURATION_ATTRIBUTE.into(), vec![seconds.to_string()]));
    }
    for (key, value) in &spec.session.tags {
        attributes.push((format!("{TAG_ATTRIBUTE_PREFIX}{key}"), vec![value.clone()]));
    }
    if !spec.session.transitive_tag_keys.is_empty() {
        attributes.push((
            TRANSITIVE_TAGS_ATTRIBUTE.into(),
            spec.session.transitive_tag_keys.clone(),
        ));
    }
    if let Some(source) = &spec.session.source_identity {
        attributes.push((SOURCE_IDENTITY_ATTRIBUTE.into(), vec![source.clone()]));
    }
    attributes.extend(spec.extra_attributes.clone());
    let attributes: String = attributes
        .iter()
        .map(|(name, values)| {
            let values: String = values
                .iter()
                .map(|v| format!("<saml:AttributeValue>{}</saml:AttributeValue>", escape(v)))
                .collect();
            format!(
                "<saml:Attribute Name=\"{}\">{values}</saml:Attribute>",
                escape(name)
            )
        })
        .collect();
    let certificate = STANDARD.encode(certificate_der);
    format!(
        concat!(
            r#"<samlp:Response xmlns:samlp="{protocol}" xmlns:saml="{assertion}" ID="{response_id}" Version="2.0" IssueInstant="{now}" Destination="{audience}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<samlp:Status><samlp:StatusCode Value="{success}"/></samlp:Status>"#,
            r#"<saml:Assertion ID="{assertion_id}" Version="2.0" IssueInstant="{now}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer>"#,
            r#"<ds:Signature xmlns:ds="{dsig}"><ds:SignedInfo>"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
            r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>"#,
            r##"<ds:Reference URI="#{assertion_id}"><ds:Transforms>"##,
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
            r#"</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
            r#"<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>"#,
            r#"<ds:SignatureValue></ds:SignatureValue>"#,
            r#"<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"#,
            r#"</ds:Signature>"#,
            r#"<saml:Subject><saml:NameID Format="{format}">{subject}</saml:NameID>"#,
            r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">"#,
            r#"<saml:SubjectConfirmationData NotOnOrAfter="{end}" Recipient="{audience}"/>"#,
            r#"</saml:SubjectConfirmation></saml:Subject>"#,
            r#"<saml:Conditions NotBefore="{now}" NotOnOrAfter="{end}">"#,
            r#"<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>"#,
            r#"</saml:Conditions>"#,
            r#"<saml:AuthnStatement AuthnInstant="{now}" SessionIndex="{assertion_id}"><saml:AuthnContext>"#,
            r#"<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>"#,
            r#"</saml:AuthnContext></saml:AuthnStatement>"#,
            r#"<saml:AttributeStatement>{attributes}</saml:AttributeStatement>"#,
            r#"</saml:Assertion></samlp:Response>"#,
        ),
        protocol = NS_PROTOCOL,
        assertion = NS_ASSERTION,
        dsig = NS_DSIG,
        success = STATUS_SUCCESS,
        audience = AWS_AUDIENCE,
        response_id = response_id,
        assertion_id = assertion_id,
        now = now,
        end = end,
        issuer = issuer,
        certificate = certificate,
        format = escape(&spec.subject_format),
        subject = escape(&spec.subject),
        attributes = attributes,
    )
}

/// A metadata document naming `entity_id` with one signing certificate.
pub fn metadata_document(entity_id: &str, certificate_der: &[u8]) -> String {
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?>"#,
            "\n",
            r#"<md:EntityDescriptor xmlns:md="{md}" entityID="{entity}">"#,
            r#"<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#,
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{dsig}"><ds:X509Data>"#,
            r#"<ds:X509Certificate>{certificate}</ds:X509Certificate>"#,
            r#"</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#,
            r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{entity}/sso"/>"#,
            r#"</md:IDPSSODescriptor></md:EntityDescriptor>"#,
            "\n",
        ),
        md = NS_METADATA,
        dsig = NS_DSIG,
        entity = escape(entity_id),
        certificate = STANDARD.encode(certificate_der),
    )
}

fn format_time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// XML text and attribute escaping.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_idp::TestIdp;

    const NOW_MS: i64 = 1_800_000_000_000;
    const ISSUER: &str = "https://idp.example.com/saml";
    const ROLE: &str = "arn:aws:iam::123456789012:role/Engineers";
    const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/Example";

    fn spec() -> ResponseSpec {
        let mut session = SessionAttributes::default();
        session.tags.insert("CostCenter".into(), "12345".into());
        session.transitive_tag_keys.push("CostCenter".into());
        session.source_identity = Some("alice@example.com".into());
        ResponseSpec {
            issuer: ISSUER.into(),
            subject: "alice@example.com".into(),
            subject_format: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent".into(),
            roles: vec![(ROLE.into(), PROVIDER.into())],
            session_name: "alice".into(),
            session_duration_s: Some(7200),
            session,
            extra_attributes: BTreeMap::new(),
            lifetime_s: 300,
        }
    }

    fn setup() -> (TestIdp, ProviderMetadata) {
        let idp = TestIdp::generate(NOW_MS).unwrap();
        let metadata = read_metadata(&idp.saml_metadata(ISSUER)).unwrap();
        (idp, metadata)
    }

    fn xml_of(b64: &str) -> String {
        String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap()
    }

    fn b64(xml: &str) -> String {
        STANDARD.encode(xml)
    }

    #[test]
    fn a_signed_response_verifies_and_reads_back() {
        let (idp, metadata) = setup();
        assert_eq!(metadata.entity_id, ISSUER);
        let response = idp.sign_saml_response(&spec(), NOW_MS).unwrap();
        let read = verify(&response, &metadata, NOW_MS + 1000).unwrap();
        assert_eq!(read.issuer, ISSUER);
        assert_eq!(read.subject, "alice@example.com");
        assert_eq!(read.subject_type(), "persistent");
        assert_eq!(read.roles, [(ROLE.to_owned(), PROVIDER.to_owned())]);
        assert_eq!(read.session_name.as_deref(), Some("alice"));
        assert_eq!(read.session_duration_s, Some(7200));
        assert_eq!(read.session.tags["CostCenter"], "12345");
        assert_eq!(read.session.transitive_tag_keys, ["CostCenter"]);
        assert_eq!(
            read.session.source_identity.as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(read.recipient.as_deref(), Some(AWS_AUDIENCE));
        assert!(read.id.starts_with('_'));
    }

    #[test]
    fn another_providers_key_or_a_changed_assertion_is_refused() {
        let (idp, _) = setup();
        let (_, other) = setup();
        let response = idp.sign_saml_response(&spec(), NOW_MS).unwrap();
        let other = ProviderMetadata {
            entity_id: ISSUER.into(),
            ..other
        };
        assert_eq!(verify(&response, &other, NOW_MS), Err(SamlError::Signature));
        let (idp, metadata) = setup();
        let response = idp.sign_saml_response(&spec(), NOW_MS).unwrap();
        let tampered = xml_of(&response).replace("Engineers", "Admins");
        assert_eq!(
            verify(&b64(&tampered), &metadata, NOW_MS),
            Err(SamlError::Signature)
        );
    }

    #[test]
    fn a_second_unsigned_assertion_or_a_wrapped_one_is_refused() {
        let (idp, metadata) = setup();
        let xml = xml_of(&idp.sign_saml_response(&spec(), NOW_MS).unwrap());
        let start = xml.find("<saml:Assertion").unwrap();
        let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
        let signed = &xml[start..end];
        // A forged assertion beside the signed one.
        let forged = signed
            .replace("Engineers", "Admins")
            .replace(" ID=\"_", " ID=\"_x");
        let two = xml.replacen(signed, &format!("{forged}{signed}"), 1);
        assert!(verify(&b64(&two), &metadata, NOW_MS).is_err());
        // The signed assertion moved into an extension, a forged one in its place.
        let wrapped = xml.replacen(
            signed,
            &format!("<samlp:Extensions>{signed}</samlp:Extensions>{forged}"),
            1,
        );
        assert!(verify(&b64(&wrapped), &metadata, NOW_MS).is_err());
    }

    #[test]
    fn issuer_audience_and_lifetime_are_checked() {
        let (idp, metadata) = setup();
        let mut other_issuer = spec();
        other_issuer.issuer = "https://evil.example.com".into();
        let response = idp.sign_saml_response(&other_issuer, NOW_MS).unwrap();
        assert_eq!(verify(&response, &metadata, NOW_MS), Err(SamlError::Issuer));
        let response = idp.sign_saml_response(&spec(), NOW_MS).unwrap();
        assert_eq!(
            verify(&response, &metadata, NOW_MS + 301_000),
            Err(SamlError::Expired)
        );
        let mut long = spec();
        long.lifetime_s = 3600;
        let response = idp.sign_saml_response(&long, NOW_MS).unwrap();
        assert_eq!(
            verify(&response, &metadata, NOW_MS + 600_000),
            Err(SamlError::Expired),
            "redeemed more than 5 minutes after issue"
        );
    }

    #[test]
    fn dtds_and_garbage_are_refused_never_a_panic() {
        let (_, metadata) = setup();
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&a;</samlp:Response>"#;
        for input in [
            b64(bomb),
            "!!!".into(),
            b64("not xml"),
            b64("<a/>"),
            String::new(),
        ] {
            assert!(verify(&input, &metadata, NOW_MS).is_err());
        }
        assert_eq!(read_metadata("<x/>"), Err(SamlError::Metadata));
    }

    #[test]
    fn name_qualifier_is_base64_sha1_of_issuer_account_and_name() {
        // SHA-1 of "https://example.com/saml123456789012/MySAMLIdP".
        let q = name_qualifier("https://example.com/saml", "123456789012", "MySAMLIdP");
        assert_eq!(q, "1uAJanUnBc2XeUkHURMht+xam2c=");
        assert_ne!(
            q,
            name_qualifier("https://example.com/saml", "123456789012", "Other")
        );
    }

    #[test]
    fn role_pairs_come_in_either_order() {
        assert_eq!(
            role_pair(&format!("{PROVIDER}, {ROLE}")),
            Some((ROLE.to_owned(), PROVIDER.to_owned()))
        );
        assert_eq!(role_pair("a,b"), None);
    }
}
