//! Identifier and secret generation in the formats AWS uses, so ids look and sort like the real
//! ones and tools that check prefixes (`AKIA` vs `ASIA`) behave.

use rand::Rng;
use rand::distr::{Alphanumeric, SampleString};

/// The four-letter prefixes of IAM unique ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdPrefix {
    /// Long-term access key id.
    AccessKey,
    /// Temporary (STS) access key id.
    TemporaryAccessKey,
    /// IAM user id.
    User,
    /// Role id.
    Role,
    /// Group id.
    Group,
    /// Managed policy id.
    Policy,
}

impl IdPrefix {
    fn as_str(self) -> &'static str {
        match self {
            Self::AccessKey => "AKIA",
            Self::TemporaryAccessKey => "ASIA",
            Self::User => "AIDA",
            Self::Role => "AROA",
            Self::Group => "AGPA",
            Self::Policy => "ANPA",
        }
    }
}

/// Upper-case letters and the digits 2-7, as in AWS ids.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn id_with(prefix: IdPrefix, len: usize) -> String {
    let mut rng = rand::rng();
    let mut id = String::with_capacity(len);
    id.push_str(prefix.as_str());
    while id.len() < len {
        id.push(ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())] as char);
    }
    id
}

/// A 21-character unique id for a user or role (`AIDA…`, `AROA…`).
pub fn new_unique_id(prefix: IdPrefix) -> String {
    id_with(prefix, 21)
}

/// A 20-character access key id (`AKIA…` or `ASIA…`).
pub fn new_access_key_id(temporary: bool) -> String {
    let prefix = if temporary {
        IdPrefix::TemporaryAccessKey
    } else {
        IdPrefix::AccessKey
    };
    id_with(prefix, 20)
}

/// A 40-character secret access key.
pub fn new_secret_key() -> String {
    let mut rng = rand::rng();
    const SECRET_ALPHABET: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..40)
        .map(|_| SECRET_ALPHABET[rng.random_range(0..SECRET_ALPHABET.len())] as char)
        .collect()
}

/// An opaque session token for temporary credentials.
pub fn new_session_token() -> String {
    format!(
        "IQoJb3JpZ2luX2Vj{}",
        Alphanumeric.sample_string(&mut rand::rng(), 300)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_aws_shapes() {
        let key = new_access_key_id(false);
        assert!(key.starts_with("AKIA") && key.len() == 20);
        assert!(new_access_key_id(true).starts_with("ASIA"));
        let user = new_unique_id(IdPrefix::User);
        assert!(user.starts_with("AIDA") && user.len() == 21);
        assert!(
            user.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(new_secret_key().len(), 40);
        assert_ne!(new_session_token(), new_session_token());
    }
}
