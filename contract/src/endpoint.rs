//! Where a request goes: from what a user typed to the URL and headers of one call.

use std::fmt;

/// The api-version Easel sends unless the user picks another: the seed document's example.
pub const DEFAULT_API_VERSION: &str = "2024-02-01";

/// A connection as the user typed it; [`Connection::target`] checks it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Connection {
    /// The resource's endpoint, e.g. `https://NAME.openai.azure.com`.
    pub endpoint: String,
    /// The deployment's name.
    pub deployment: String,
    /// The `api-version` query value.
    pub api_version: String,
    /// The resource's key, sent as the `api-key` header.
    pub api_key: String,
}

/// A problem with a connection, naming the field and what it should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionError {
    /// No endpoint.
    EmptyEndpoint,
    /// The endpoint is not an `http(s)://host[:port]` address.
    MalformedEndpoint(String),
    /// No deployment name.
    EmptyDeployment,
    /// The deployment name has characters a URL path segment cannot carry as typed.
    MalformedDeployment(String),
    /// The api-version is not a date, optionally with `-preview`.
    MalformedApiVersion(String),
    /// No key.
    EmptyKey,
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::EmptyEndpoint => {
                write!(f, "Enter the endpoint, for example https://my-resource.openai.azure.com.")
            }
            ConnectionError::MalformedEndpoint(text) => write!(
                f,
                "\"{text}\" is not an endpoint: write it as https://my-resource.openai.azure.com, with no path."
            ),
            ConnectionError::EmptyDeployment => write!(f, "Enter the deployment name, for example dall-e-3."),
            ConnectionError::MalformedDeployment(text) => write!(
                f,
                "\"{text}\" is not a deployment name: use letters, digits, '-', '_' and '.' only."
            ),
            ConnectionError::MalformedApiVersion(text) => write!(
                f,
                "\"{text}\" is not an api-version: write a date such as {DEFAULT_API_VERSION}, \
                 optionally followed by -preview."
            ),
            ConnectionError::EmptyKey => write!(f, "Enter the key of the resource (Keys and Endpoint in the Azure portal)."),
        }
    }
}

impl ConnectionError {
    /// The field the problem is about.
    pub fn field(&self) -> ConnectionField {
        match self {
            ConnectionError::EmptyEndpoint | ConnectionError::MalformedEndpoint(_) => {
                ConnectionField::Endpoint
            }
            ConnectionError::EmptyDeployment | ConnectionError::MalformedDeployment(_) => {
                ConnectionField::Deployment
            }
            ConnectionError::MalformedApiVersion(_) => ConnectionField::ApiVersion,
            ConnectionError::EmptyKey => ConnectionField::ApiKey,
        }
    }
}

impl std::error::Error for ConnectionError {}

/// The fields of a [`Connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionField {
    /// [`Connection::endpoint`]
    Endpoint,
    /// [`Connection::deployment`]
    Deployment,
    /// [`Connection::api_version`]
    ApiVersion,
    /// [`Connection::api_key`]
    ApiKey,
}

/// A checked connection: where one image generation call goes and how it authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    base: String,
    deployment: String,
    api_version: String,
    api_key: String,
}

impl Connection {
    /// Checks every field, reporting every problem at once.
    pub fn target(&self) -> Result<Target, Vec<ConnectionError>> {
        let mut problems = Vec::new();
        let base = match parse_endpoint(&self.endpoint) {
            Ok(base) => base,
            Err(problem) => {
                problems.push(problem);
                String::new()
            }
        };
        let deployment = self.deployment.trim();
        if deployment.is_empty() {
            problems.push(ConnectionError::EmptyDeployment);
        } else if !deployment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            problems.push(ConnectionError::MalformedDeployment(deployment.into()));
        }
        let api_version = self.api_version.trim();
        if !is_api_version(api_version) {
            problems.push(ConnectionError::MalformedApiVersion(api_version.into()));
        }
        let api_key = self.api_key.trim();
        if api_key.is_empty() {
            problems.push(ConnectionError::EmptyKey);
        }
        if problems.is_empty() {
            Ok(Target {
                base,
                deployment: deployment.into(),
                api_version: api_version.into(),
                api_key: api_key.into(),
            })
        } else {
            Err(problems)
        }
    }
}

/// `https://host[:port]` with no path, query or fragment; a missing scheme means https.
fn parse_endpoint(text: &str) -> Result<String, ConnectionError> {
    let typed = text.trim();
    if typed.is_empty() {
        return Err(ConnectionError::EmptyEndpoint);
    }
    let (scheme, rest) = match typed.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_owned(), typed),
    };
    let authority = rest.trim_end_matches('/').to_ascii_lowercase();
    if (scheme == "https" || scheme == "http") && is_authority(&authority) {
        Ok(format!("{scheme}://{authority}"))
    } else {
        Err(ConnectionError::MalformedEndpoint(typed.into()))
    }
}

/// `host`, `host:port`, `[ipv6]` or `[ipv6]:port`.
fn is_authority(text: &str) -> bool {
    let (host_ok, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let Some((ip, after)) = bracketed.split_once(']') else {
            return false;
        };
        let ipv6 = !ip.is_empty() && ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
        (
            ipv6,
            if after.is_empty() {
                None
            } else {
                after.strip_prefix(':').or(Some(""))
            },
        )
    } else {
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        let name = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
            && !host.starts_with(['-', '.'])
            && !host.ends_with(['-', '.']);
        (name, port)
    };
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok_and(|p| p > 0));
    host_ok && port_ok
}

/// Whether `text` has the shape of an api-version: `YYYY-MM-DD` or `YYYY-MM-DD-preview`.
pub fn is_api_version(text: &str) -> bool {
    let date = text.strip_suffix("-preview").unwrap_or(text);
    let bytes = date.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

impl Target {
    /// The URL of the image generations call.
    pub fn generations_url(&self) -> String {
        format!(
            "{}/openai/deployments/{}/images/generations?api-version={}",
            self.base, self.deployment, self.api_version
        )
    }

    /// The headers every call carries, the key among them.
    pub fn headers(&self) -> [(&'static str, &str); 2] {
        [
            ("api-key", &self.api_key),
            ("Content-Type", "application/json"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(endpoint: &str) -> Connection {
        Connection {
            endpoint: endpoint.into(),
            deployment: "dall-e-3".into(),
            api_version: DEFAULT_API_VERSION.into(),
            api_key: "k".into(),
        }
    }

    #[test]
    fn builds_the_seed_documents_url() {
        let target = connection("https://my-resource.openai.azure.com")
            .target()
            .unwrap();
        assert_eq!(
            target.generations_url(),
            "https://my-resource.openai.azure.com/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01"
        );
        assert_eq!(
            target.headers(),
            [("api-key", "k"), ("Content-Type", "application/json")]
        );
    }

    #[test]
    fn endpoints_are_accepted_as_people_paste_them() {
        for (typed, base) in [
            (
                "https://my-resource.openai.azure.com/",
                "https://my-resource.openai.azure.com",
            ),
            (
                "  my-resource.openai.azure.com ",
                "https://my-resource.openai.azure.com",
            ),
            ("HTTP://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:8080//", "http://[::1]:8080"),
        ] {
            let url = connection(typed).target().unwrap().generations_url();
            assert!(
                url.starts_with(&format!("{base}/openai/")),
                "{typed} gave {url}"
            );
        }
    }

    #[test]
    fn malformed_endpoints_are_refused_by_name() {
        for typed in [
            "ftp://x.com",
            "https://x.com/openai/deployments",
            "https://",
            "x.com?a=b",
            "https://a b",
            "https://x.com:",
            "https://x.com:99999",
            "https://[::1",
            "https://.x.com",
        ] {
            assert_eq!(
                connection(typed).target(),
                Err(vec![ConnectionError::MalformedEndpoint(
                    typed.trim().into()
                )]),
                "{typed}"
            );
        }
        assert_eq!(
            connection(" ").target(),
            Err(vec![ConnectionError::EmptyEndpoint])
        );
    }

    #[test]
    fn every_field_is_checked_and_every_problem_reported() {
        let bad = Connection {
            endpoint: "https://x.openai.azure.com".into(),
            deployment: "my/deployment".into(),
            api_version: "latest".into(),
            api_key: " ".into(),
        };
        assert_eq!(
            bad.target(),
            Err(vec![
                ConnectionError::MalformedDeployment("my/deployment".into()),
                ConnectionError::MalformedApiVersion("latest".into()),
                ConnectionError::EmptyKey,
            ])
        );
    }

    #[test]
    fn api_versions_are_dates_optionally_preview() {
        for good in ["2024-02-01", "2024-10-21", "2025-04-01-preview"] {
            assert!(is_api_version(good), "{good}");
        }
        for bad in ["", "2024-2-1", "v1", "2024-02-01-beta", "2024/02/01"] {
            assert!(!is_api_version(bad), "{bad}");
        }
    }
}
