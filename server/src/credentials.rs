//! The credential a call presents, as Azure reads it: a key in `api-key`, or a token in
//! `Authorization: Bearer`. Shared by the local endpoint (its own key) and the proxy (the team's
//! access token).

use axum::http::{header, HeaderMap};
use easel_contract::endpoint::API_KEY_HEADER;
use easel_contract::failure::ApiError;

/// Why a call's credential is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// It presents none.
    Missing,
    /// It presents one, but not the expected one.
    Wrong,
}

impl From<Refused> for ApiError {
    fn from(refused: Refused) -> ApiError {
        match refused {
            Refused::Missing => ApiError::missing_key(),
            Refused::Wrong => ApiError::invalid_key(),
        }
    }
}

/// Checks that the call presents a credential, and that it is `expected` when one is set.
pub fn check(headers: &HeaderMap, expected: Option<&str>) -> Result<(), Refused> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let bearer = text(header::AUTHORIZATION.as_str()).strip_prefix("Bearer ").unwrap_or_default();
    let presented = [text(API_KEY_HEADER), bearer].into_iter().find(|value| !value.trim().is_empty());
    match (presented, expected) {
        (None, _) => Err(Refused::Missing),
        (Some(given), Some(expected)) if given != expected => Err(Refused::Wrong),
        _ => Ok(()),
    }
}
