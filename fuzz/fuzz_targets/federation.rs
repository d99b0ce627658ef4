//! Identity provider input from unauthenticated callers: ID tokens and SAML responses (read
//! without verification for the record, and verified), and SAML metadata documents. None may
//! panic, and no input verifies without a key that signed it.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trailroom_federation::oidc;
use trailroom_federation::saml;
use trailroom_federation::test_idp::TestIdp;

fn idp() -> &'static (TestIdp, saml::ProviderMetadata) {
    static IDP: OnceLock<(TestIdp, saml::ProviderMetadata)> = OnceLock::new();
    IDP.get_or_init(|| {
        let idp = TestIdp::generate(0).expect("key");
        let metadata = saml::read_metadata(&idp.saml_metadata("https://idp.example.com"))
            .expect("own metadata");
        (idp, metadata)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (idp, metadata) = idp();
    let _ = oidc::read_unverified(text);
    // The fuzzer cannot forge the test key's signature: nothing it writes may verify.
    assert!(oidc::verify(text, &[idp.trusted_key()], 1_800_000_000_000).is_err());
    let _ = saml::read_unverified(text);
    assert!(saml::verify(text, metadata, 1_800_000_000_000).is_err());
    let _ = saml::read_metadata(text);
});
