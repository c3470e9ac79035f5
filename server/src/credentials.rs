//! The credential a call presents, as Azure reads it: a key in `api-key`, or a token in
//! `Authorization: Bearer`. Shared by the local endpoint (its own key) and the proxy (the team's
//! access token).

use axum::http::HeaderMap;
use easel_contract::headers::{API_KEY_HEADER, AUTHORIZATION_HEADER, BEARER_PREFIX};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a call's credential is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// It presents none.
    Missing,
    /// It presents one, but not the expected one.
    Wrong,
}

/// Checks that the call presents a credential, and that it is `expected` when one is set.
pub fn check(headers: &HeaderMap, expected: Option<&str>) -> Result<(), Refused> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let bearer = text(AUTHORIZATION_HEADER).strip_prefix(BEARER_PREFIX).unwrap_or_default();
    let presented = [text(API_KEY_HEADER), bearer].into_iter().find(|value| !value.trim().is_empty());
    match (presented, expected) {
        (None, _) => Err(Refused::Missing),
        (Some(given), Some(expected)) if !same_secret(given, expected) => Err(Refused::Wrong),
        _ => Ok(()),
    }
}

/// Compares the digests in constant time, so neither how much of a guess is right nor how long
/// the secret is shows in how long the answer takes.
fn same_secret(given: &str, expected: &str) -> bool {
    Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_key(key: Option<&str>, bearer: Option<&str>, expected: Option<&str>) -> Result<(), Refused> {
        let mut headers = HeaderMap::new();
        if let Some(key) = key {
            headers.insert(API_KEY_HEADER, key.parse().unwrap());
        }
        if let Some(token) = bearer {
            headers.insert(AUTHORIZATION_HEADER, format!("{BEARER_PREFIX}{token}").parse().unwrap());
        }
        check(&headers, expected)
    }

    #[test]
    fn the_expected_secret_is_accepted_and_any_other_refused() {
        let expected = Some("team-token-7c1e");
        assert_eq!(check_key(Some("team-token-7c1e"), None, expected), Ok(()));
        assert_eq!(check_key(None, Some("team-token-7c1e"), expected), Ok(()));
        for wrong in ["team-token-7c1", "team-token-7c1ee", "TEAM-TOKEN-7C1E", "x", " team-token-7c1e"] {
            assert_eq!(check_key(Some(wrong), None, expected), Err(Refused::Wrong), "{wrong:?}");
        }
        assert_eq!(check_key(None, None, expected), Err(Refused::Missing));
        assert_eq!(check_key(Some("  "), None, expected), Err(Refused::Missing));
        assert_eq!(check_key(Some("anything"), None, None), Ok(()), "with none expected, any is taken");
        assert_eq!(check_key(None, None, None), Err(Refused::Missing));
    }
}
