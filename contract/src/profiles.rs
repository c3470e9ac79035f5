//! `config.json`: the connection profiles a team's server offers everyone who opens the app.
//! It never holds a secret: a profile says which kind of credential it needs, and the user
//! brings it (or the server's proxy adds it). It also says what the server offers beyond the
//! image API: [`FETCH_THROUGH_PATH`].

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::endpoint::{is_api_version, is_deployment_name, read_resource_endpoint, ApiPath, AuthKind, V1_API_VERSION};
use crate::failure::GENERATION_TIMEOUT;
use crate::model::ModelProfile;

/// Where a server in proxy mode fetches an image link its proxy passed on, for a browser the
/// image host refuses a cross-origin fetch: GET with `?url=<the image link, percent-encoded>`
/// (the parameter is [`FETCH_THROUGH_PARAM`]) and the link's [`LinkSignature`], sending the
/// proxy's access token as the API calls do. [`LinkSignature::fetch_through`] builds it.
pub const FETCH_THROUGH_PATH: &str = "/easel/fetch-through";

/// The query parameter of [`FETCH_THROUGH_PATH`] that holds the image link.
pub const FETCH_THROUGH_PARAM: &str = "url";

/// The query parameter of [`FETCH_THROUGH_PATH`] that holds the signature's expiry.
pub const FETCH_THROUGH_EXPIRY_PARAM: &str = "exp";

/// The query parameter of [`FETCH_THROUGH_PATH`] that holds the signature.
pub const FETCH_THROUGH_SIGNATURE_PARAM: &str = "sig";

/// The response header in which a server's proxy signs the image links of a successful answer:
/// one `EXPIRY.SIGNATURE` per item of `data`, in order, separated by commas, empty for an item
/// without a link. The signature is the server's to check; the app only passes it back.
pub const LINK_SIGNATURES_HEADER: &str = "easel-link-signatures";

/// A proxy's signature of one image link, for [`FETCH_THROUGH_PATH`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSignature {
    /// Until when it holds, in seconds since the Unix epoch.
    pub expires: i64,
    /// The signature itself, in URL-safe characters only.
    pub signature: String,
}

impl LinkSignature {
    /// [`LINK_SIGNATURES_HEADER`]'s value for the items of an answer.
    pub fn header(signatures: &[Option<LinkSignature>]) -> String {
        let entry = |signature: &Option<LinkSignature>| {
            signature.as_ref().map(|LinkSignature { expires, signature }| format!("{expires}.{signature}"))
        };
        signatures.iter().map(|signature| entry(signature).unwrap_or_default()).collect::<Vec<_>>().join(",")
    }

    /// Reads [`LINK_SIGNATURES_HEADER`]: one entry per item of the answer, `None` where an item
    /// has no signature (or an unreadable one).
    pub fn read_header(value: &str) -> Vec<Option<LinkSignature>> {
        value
            .split(',')
            .map(|entry| {
                let (expires, signature) = entry.trim().split_once('.')?;
                let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
                (!signature.is_empty() && signature.chars().all(url_safe)).then_some(())?;
                Some(LinkSignature { expires: expires.parse().ok()?, signature: signature.to_owned() })
            })
            .collect()
    }

    /// The fetch-through's path and query for the link this signs, given already percent-encoded
    /// (the contract does no encoding; the browser's `encodeURIComponent` does).
    pub fn fetch_through(&self, encoded_link: &str) -> String {
        format!(
            "{FETCH_THROUGH_PATH}?{FETCH_THROUGH_PARAM}={encoded_link}&{FETCH_THROUGH_EXPIRY_PARAM}={}&{FETCH_THROUGH_SIGNATURE_PARAM}={}",
            self.expires, self.signature
        )
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    /// The profiles, in the order to offer them.
    pub profiles: Vec<ProfileSpec>,
    /// The server offers [`FETCH_THROUGH_PATH`] for image links its proxy passed on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fetch_through: bool,
    /// How long, in seconds, the app lets one call take before it gives up, when the server
    /// knows better than [`GENERATION_TIMEOUT`]: a proxy that waits longer for its upstream says
    /// so, or the app would give up on calls the service still bills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_timeout_secs: Option<u64>,
}

/// One connection profile, without its credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// What the user sees: "Team proxy · gpt-image-2".
    pub name: String,
    /// The endpoint; absent means the server that serves the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The deployment.
    pub deployment: String,
    /// The model behind the deployment, as Azure names it.
    pub model: String,
    /// The api-version.
    pub api_version: String,
    /// The URL shape.
    #[serde(default)]
    pub path: ApiPath,
    /// The kind of credential the user must bring.
    pub auth: AuthKind,
    /// The endpoint takes any key (the local endpoint), so the app fills one in and a newcomer
    /// has nothing to type.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub any_key: bool,
}

impl RuntimeConfig {
    /// How long the app lets one call take.
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout_secs.map_or(GENERATION_TIMEOUT, Duration::from_secs)
    }

    /// Reads `config.json`, checking every profile; a problem names the profile and the field.
    pub fn parse(text: &str) -> Result<RuntimeConfig, ConfigError> {
        let config: RuntimeConfig =
            serde_json::from_str(text).map_err(|error| ConfigError::Unreadable(error.to_string()))?;
        if config.call_timeout_secs == Some(0) {
            return Err(ConfigError::NoCallTime);
        }
        for profile in &config.profiles {
            let problem = |field| ConfigError::Profile { profile: profile.name.clone(), field };
            if ModelProfile::by_name(&profile.model).is_none() {
                return Err(problem(ProfileProblem::Model(profile.model.clone())));
            }
            if !is_deployment_name(&profile.deployment) {
                return Err(problem(ProfileProblem::Deployment(profile.deployment.clone())));
            }
            if !(is_api_version(&profile.api_version) || profile.api_version == V1_API_VERSION) {
                return Err(problem(ProfileProblem::ApiVersion(profile.api_version.clone())));
            }
            if let Some(endpoint) =
                profile.endpoint.as_ref().filter(|endpoint| read_resource_endpoint(endpoint).is_err())
            {
                return Err(problem(ProfileProblem::Endpoint(endpoint.clone())));
            }
        }
        Ok(config)
    }
}

/// Why `config.json` was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// It is not the file's JSON (a secret in it is refused here too); holds why.
    Unreadable(String),
    /// It gives calls no time.
    NoCallTime,
    /// A profile has a field that cannot be used.
    Profile {
        /// The profile's name.
        profile: String,
        /// Its field's problem.
        field: ProfileProblem,
    },
}

/// The field of a profile that cannot be used, with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileProblem {
    /// A model Easel does not know.
    Model(String),
    /// Not a deployment name.
    Deployment(String),
    /// Not an api-version.
    ApiVersion(String),
    /// Not an endpoint alone.
    Endpoint(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Unreadable(error) => {
                write!(f, "config.json is not valid ({error}); it holds only profiles, never a key or token")
            }
            ConfigError::NoCallTime => f.write_str("config.json: call_timeout_secs must be at least 1"),
            ConfigError::Profile { profile, field } => write!(f, "config.json, profile \"{profile}\": {field}"),
        }
    }
}

impl fmt::Display for ProfileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileProblem::Model(model) => write!(f, "no model \"{model}\""),
            ProfileProblem::Deployment(deployment) => write!(f, "\"{deployment}\" is not a deployment name"),
            ProfileProblem::ApiVersion(version) => write!(f, "\"{version}\" is not an api-version"),
            ProfileProblem::Endpoint(endpoint) => {
                write!(f, "\"{endpoint}\" is not an endpoint (https://host, no path)")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teams_profiles_parse_and_write_back_the_same() {
        let text = r#"{"profiles":[{"name":"Team proxy · gpt-image-2","deployment":"images","model":"gpt-image-2","api_version":"2025-04-01-preview","auth":"none"},{"name":"Direct","endpoint":"https://r.openai.azure.com","deployment":"dalle","model":"dall-e-3","api_version":"2024-02-01","path":"deployments","auth":"key"}]}"#;
        let config = RuntimeConfig::parse(text).unwrap();
        assert_eq!(config.profiles.len(), 2);
        assert_eq!(config.profiles[0].endpoint, None, "the server that serves the app");
        assert_eq!(RuntimeConfig::parse(&serde_json::to_string(&config).unwrap()).unwrap(), config);
    }

    #[test]
    fn a_server_offering_the_fetch_through_says_so_and_one_that_does_not_says_nothing() {
        let text = r#"{"profiles":[],"fetch_through":true}"#;
        let config = RuntimeConfig::parse(text).unwrap();
        assert!(config.fetch_through);
        assert_eq!(serde_json::to_string(&config).unwrap(), text);
        let without = RuntimeConfig::parse(r#"{"profiles":[]}"#).unwrap();
        assert!(!without.fetch_through);
        assert_eq!(serde_json::to_string(&without).unwrap(), r#"{"profiles":[]}"#, "older apps read it unchanged");
    }

    #[test]
    fn a_server_may_give_calls_longer_than_the_contracts_timeout() {
        let config = RuntimeConfig::parse(r#"{"profiles":[],"call_timeout_secs":200}"#).unwrap();
        assert_eq!(config.call_timeout(), Duration::from_secs(200));
        assert_eq!(RuntimeConfig::default().call_timeout(), GENERATION_TIMEOUT);
        assert!(RuntimeConfig::parse(r#"{"profiles":[],"call_timeout_secs":0}"#).is_err());
    }

    #[test]
    fn link_signatures_travel_in_one_header_in_the_order_of_the_images() {
        let signed = |expires, signature: &str| Some(LinkSignature { expires, signature: signature.to_owned() });
        let signatures = [signed(1_700_000_000, "a-b_C"), None, signed(1_700_000_001, "xyz")];
        let header = LinkSignature::header(&signatures);
        assert_eq!(header, "1700000000.a-b_C,,1700000001.xyz");
        assert_eq!(LinkSignature::read_header(&header), signatures);
        assert_eq!(LinkSignature::read_header("soon.abc, 12.a/b,12."), [None, None, None], "unreadable entries");
        assert_eq!(
            signed(12, "abc").unwrap().fetch_through("https%3A%2F%2Fx"),
            "/easel/fetch-through?url=https%3A%2F%2Fx&exp=12&sig=abc"
        );
    }

    #[test]
    fn a_secret_or_a_bad_field_is_refused_with_the_profile_named() {
        let with_key = r#"{"profiles":[{"name":"x","deployment":"d","model":"dall-e-3","api_version":"2024-02-01","auth":"key","key":"abc"}]}"#;
        assert!(RuntimeConfig::parse(with_key).unwrap_err().to_string().contains("never a key or token"));
        let bad_model = r#"{"profiles":[{"name":"Mine","deployment":"d","model":"dall-e-4","api_version":"2024-02-01","auth":"key"}]}"#;
        assert_eq!(
            RuntimeConfig::parse(bad_model).unwrap_err().to_string(),
            "config.json, profile \"Mine\": no model \"dall-e-4\""
        );
        let bad_endpoint = r#"{"profiles":[{"name":"Mine","endpoint":"https://x.com/a","deployment":"d","model":"dall-e-3","api_version":"2024-02-01","auth":"key"}]}"#;
        let problem = RuntimeConfig::parse(bad_endpoint).unwrap_err();
        assert!(problem.to_string().contains("is not an endpoint"), "{problem}");
        assert_eq!(
            problem,
            ConfigError::Profile { profile: "Mine".into(), field: ProfileProblem::Endpoint("https://x.com/a".into()) }
        );
    }
}
