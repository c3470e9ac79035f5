//! Where a request goes and how it authenticates: from what a user typed or pasted to the URL,
//! headers and body of one call.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::headers::{API_KEY_HEADER, AUTHORIZATION_HEADER, BEARER_PREFIX};
use crate::request::ValidRequest;

/// The api-version Easel sends on the deployments path unless the user picks another: the seed
/// document's example.
pub const DEFAULT_API_VERSION: &str = "2024-02-01";

/// The api-version of the v1 path, where images are preview-only.
pub const V1_API_VERSION: &str = "preview";

/// Where every path of Azure OpenAI's API lies, the image API's among them.
pub const API_ROOT: &str = "/openai";

/// The path of image generations on the deployments shape; `{deployment}` stands for the name.
pub const DEPLOYMENTS_GENERATIONS_PATH: &str = "/openai/deployments/{deployment}/images/generations";

/// The path of image edits (multipart, gpt-image only) on the deployments shape.
pub const DEPLOYMENTS_EDITS_PATH: &str = "/openai/deployments/{deployment}/images/edits";

/// The path of image generations on the v1 shape.
pub const V1_GENERATIONS_PATH: &str = "/openai/v1/images/generations";

/// The root of the v1 shape's paths, which the OpenAI SDKs take as their `base_url`.
pub const V1_BASE_PATH: &str = "/openai/v1/";

/// The path of image edits on the v1 shape.
pub const V1_EDITS_PATH: &str = "/openai/v1/images/edits";

/// The query parameter that carries the api-version.
pub const API_VERSION_PARAM: &str = "api-version";

/// What stands for the deployment's name in [`DEPLOYMENTS_GENERATIONS_PATH`] and
/// [`DEPLOYMENTS_EDITS_PATH`].
const DEPLOYMENT_PLACEHOLDER: &str = "{deployment}";

/// `path`, one of the paths above, naming `deployment` (a checked name, see
/// [`is_deployment_name`]) where it has `{deployment}`; the v1 paths have no place for it.
pub fn with_deployment(path: &str, deployment: &str) -> String {
    path.replace(DEPLOYMENT_PLACEHOLDER, deployment)
}

/// The URL of a call to `path` (one of the paths above, its deployment filled in) on `endpoint`
/// (`scheme://host[:port]`, as [`read_resource_endpoint`] gives it) at `api_version`. The one
/// place a URL of the API is put together: [`Target`]'s calls and the server's proxy both come
/// here.
pub fn call_url(endpoint: &str, path: &str, api_version: &str) -> String {
    format!("{endpoint}{path}?{API_VERSION_PARAM}={api_version}")
}

/// The two URL shapes of the image API; `config.json` and the device spell them in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiPath {
    /// `/openai/deployments/{deployment}/images/generations?api-version=...`
    #[default]
    Deployments,
    /// `/openai/v1/images/generations`, the deployment named as `model` in the body; also the
    /// shape of OpenAI-compatible servers.
    V1,
}

/// How a call proves who makes it.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// A resource key, sent as the `api-key` header.
    ApiKey(String),
    /// A Microsoft Entra ID access token, sent as `Authorization: Bearer`.
    Bearer(String),
    /// Nothing: a proxy in between adds the credentials.
    None,
}

/// The kind of credential a connection sends, without the credential: what `config.json` and
/// the device keep of [`Auth`], spelled `key`, `bearer` or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// A resource key (or a proxy's access token), sent as `api-key`.
    Key,
    /// A Microsoft Entra ID token.
    Bearer,
    /// None: a proxy in between adds it.
    None,
}

impl AuthKind {
    /// Every kind, in the order a form offers them.
    pub const ALL: [AuthKind; 3] = [AuthKind::Key, AuthKind::Bearer, AuthKind::None];

    /// The kind as `config.json` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Key => "key",
            AuthKind::Bearer => "bearer",
            AuthKind::None => "none",
        }
    }
}

impl Auth {
    /// The credential `secret` of `kind` (none for [`AuthKind::None`]).
    pub fn of_kind(kind: AuthKind, secret: String) -> Auth {
        match kind {
            AuthKind::Key => Auth::ApiKey(secret),
            AuthKind::Bearer => Auth::Bearer(secret),
            AuthKind::None => Auth::None,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> AuthKind {
        match self {
            Auth::ApiKey(_) => AuthKind::Key,
            Auth::Bearer(_) => AuthKind::Bearer,
            Auth::None => AuthKind::None,
        }
    }

    /// The key or token, if it has one.
    pub fn secret(&self) -> Option<&str> {
        match self {
            Auth::ApiKey(secret) | Auth::Bearer(secret) => Some(secret),
            Auth::None => None,
        }
    }
}

impl fmt::Debug for Auth {
    /// Never prints the secret, so a connection can be logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Auth::ApiKey(_) => "ApiKey(…)",
            Auth::Bearer(_) => "Bearer(…)",
            Auth::None => "None",
        })
    }
}

/// A connection as the user typed it; [`Connection::target`] checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// The resource's endpoint (`https://NAME.openai.azure.com`), or just its name.
    pub endpoint: String,
    /// The deployment's name.
    pub deployment: String,
    /// The `api-version` query value.
    pub api_version: String,
    /// The URL shape.
    pub path: ApiPath,
    /// The credentials.
    pub auth: Auth,
}

/// A problem with a connection, naming the field and what it should look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionError {
    /// No endpoint.
    EmptyEndpoint,
    /// The endpoint is not an `http(s)://host[:port]` address or a resource name.
    MalformedEndpoint(String),
    /// The endpoint has a path: the portal's Target URI pasted where the endpoint goes, say.
    EndpointWithPath(String),
    /// No deployment name.
    EmptyDeployment,
    /// The deployment name has characters a URL path segment cannot carry as typed.
    MalformedDeployment(String),
    /// The api-version is not a date, optionally with `-preview` (or `preview` on v1).
    MalformedApiVersion(String),
    /// No key, or no token, for a connection that needs one.
    EmptyCredential,
    /// A credential that cannot be a header value (line breaks, non-ASCII).
    MalformedCredential,
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::EmptyEndpoint => {
                write!(f, "Enter the endpoint, for example https://my-resource.openai.azure.com.")
            }
            ConnectionError::MalformedEndpoint(text) => write!(
                f,
                "\"{text}\" is not an endpoint: write it as https://my-resource.openai.azure.com, or just the resource's name."
            ),
            ConnectionError::EndpointWithPath(text) => write!(
                f,
                "\"{text}\" has a path, which the endpoint does not: keep only https://host (paste the portal's \
                 whole Target URI and Easel splits it for you)."
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
            ConnectionError::EmptyCredential => {
                write!(f, "Enter the resource's key (Azure portal, Keys and Endpoint), or a Microsoft Entra ID token.")
            }
            ConnectionError::MalformedCredential => {
                write!(f, "The key has characters a key cannot have: paste it again, without line breaks.")
            }
        }
    }
}

impl ConnectionError {
    /// The field the problem is about.
    pub fn field(&self) -> ConnectionField {
        match self {
            ConnectionError::EmptyEndpoint
            | ConnectionError::MalformedEndpoint(_)
            | ConnectionError::EndpointWithPath(_) => ConnectionField::Endpoint,
            ConnectionError::EmptyDeployment | ConnectionError::MalformedDeployment(_) => ConnectionField::Deployment,
            ConnectionError::MalformedApiVersion(_) => ConnectionField::ApiVersion,
            ConnectionError::EmptyCredential | ConnectionError::MalformedCredential => ConnectionField::Credential,
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
    /// The key or token in [`Connection::auth`].
    Credential,
}

/// A checked connection: where one image generation call goes and how it authenticates. The
/// credential is bound to its endpoint here, so it cannot be sent anywhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    base: String,
    deployment: String,
    api_version: String,
    path: ApiPath,
    auth: Auth,
}

/// What can be read from a pasted endpoint or Target URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pasted {
    /// `scheme://host[:port]`.
    pub endpoint: String,
    /// The deployment, when the URI names one.
    pub deployment: Option<String>,
    /// The api-version, when the URI has one.
    pub api_version: Option<String>,
    /// The URL shape, when the URI shows it.
    pub path: Option<ApiPath>,
}

impl ApiPath {
    /// The shape of `route`, one of the image API's paths above as a router names it
    /// (`{deployment}` not filled in).
    pub fn of_route(route: &str) -> Option<ApiPath> {
        match route {
            DEPLOYMENTS_GENERATIONS_PATH | DEPLOYMENTS_EDITS_PATH => Some(ApiPath::Deployments),
            V1_GENERATIONS_PATH | V1_EDITS_PATH => Some(ApiPath::V1),
            _ => None,
        }
    }

    /// The api-version the service answers a call of this shape at, from the one the call names
    /// (`None` when it names none); `None` when it answers none of them (Azure's 404). On the
    /// deployments path, a date, optionally with `-preview`; on v1, only `preview`, which naming
    /// none means.
    pub fn served_api_version(self, named: Option<&str>) -> Option<&str> {
        match (self, named) {
            (ApiPath::Deployments, Some(version)) if is_api_version(version) => Some(version),
            (ApiPath::V1, None | Some(V1_API_VERSION)) => Some(V1_API_VERSION),
            _ => None,
        }
    }
}

impl Connection {
    /// Checks every field, reporting every problem at once.
    pub fn target(&self) -> Result<Target, Vec<ConnectionError>> {
        let mut problems = Vec::new();
        let base = read_resource_endpoint(&self.endpoint).unwrap_or_else(|problem| {
            problems.push(problem);
            String::new()
        });
        let deployment = self.deployment.trim();
        if deployment.is_empty() {
            problems.push(ConnectionError::EmptyDeployment);
        } else if !is_deployment_name(deployment) {
            problems.push(ConnectionError::MalformedDeployment(deployment.into()));
        }
        let api_version = self.api_version.trim();
        if !(is_api_version(api_version) || (self.path == ApiPath::V1 && api_version == V1_API_VERSION)) {
            problems.push(ConnectionError::MalformedApiVersion(api_version.into()));
        }
        let auth = match &self.auth {
            Auth::ApiKey(secret) | Auth::Bearer(secret) if secret.trim().is_empty() => {
                problems.push(ConnectionError::EmptyCredential);
                Auth::None
            }
            Auth::ApiKey(secret) | Auth::Bearer(secret) if !secret.trim().bytes().all(|b| b.is_ascii_graphic()) => {
                problems.push(ConnectionError::MalformedCredential);
                Auth::None
            }
            Auth::ApiKey(key) => Auth::ApiKey(key.trim().into()),
            Auth::Bearer(token) => Auth::Bearer(token.trim().into()),
            Auth::None => Auth::None,
        };
        if problems.is_empty() {
            Ok(Target { base, deployment: deployment.into(), api_version: api_version.into(), path: self.path, auth })
        } else {
            Err(problems)
        }
    }

    /// Fills the connection from a pasted endpoint or Target URI: the endpoint always, and the
    /// deployment, api-version and path where the URI names them.
    pub fn fill_from(&mut self, pasted: Pasted) {
        self.endpoint = pasted.endpoint;
        if let Some(deployment) = pasted.deployment {
            self.deployment = deployment;
        }
        if let Some(api_version) = pasted.api_version {
            self.api_version = api_version;
        }
        if let Some(path) = pasted.path {
            self.path = path;
        }
    }
}

/// Reads an endpoint as people paste it: `https://host[:port]` with or without the scheme or a
/// trailing slash, a bare resource name (`my-resource` → `https://my-resource.openai.azure.com`),
/// or the whole Target URI from the Azure portal, whose deployment and api-version are kept.
pub fn read_endpoint(text: &str) -> Result<Pasted, ConnectionError> {
    let typed = text.trim();
    if typed.is_empty() {
        return Err(ConnectionError::EmptyEndpoint);
    }
    let malformed = || ConnectionError::MalformedEndpoint(typed.into());
    let (scheme, rest) = match typed.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_owned(), typed),
    };
    if scheme != "https" && scheme != "http" {
        return Err(malformed());
    }
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = before_query.split_once('/').unwrap_or((before_query, ""));
    let mut authority = authority.to_ascii_lowercase();
    if !typed.contains("://") && is_deployment_name(&authority) && !authority.contains('.') {
        authority = format!("{authority}.openai.azure.com");
    }
    if !is_authority(&authority) || typed.contains('#') {
        return Err(malformed());
    }
    let endpoint = format!("{scheme}://{authority}");
    let segments: Vec<&str> = path.split('/').filter(|segment| !segment.is_empty()).collect();
    let api_version = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(API_VERSION_PARAM)?.strip_prefix('='))
        .filter(|version| !version.is_empty())
        .map(str::to_owned);
    let (deployment, path) = match segments.as_slice() {
        [] if query.is_empty() => (None, None),
        ["openai", "deployments", deployment, rest @ ..] if is_deployment_name(deployment) && is_api_tail(rest) => {
            (Some((*deployment).to_owned()), Some(ApiPath::Deployments))
        }
        ["openai", "v1", rest @ ..] if is_api_tail(rest) => (None, Some(ApiPath::V1)),
        ["openai"] => (None, None),
        _ => return Err(ConnectionError::EndpointWithPath(typed.into())),
    };
    Ok(Pasted { endpoint, deployment, api_version, path })
}

/// Reads a resource's endpoint, which is its address alone (`scheme://host[:port]`), as
/// [`read_endpoint`] reads it; one that names more (a deployment, an api-version, an operation,
/// as the portal's Target URI does) is refused with [`ConnectionError::EndpointWithPath`].
pub fn read_resource_endpoint(text: &str) -> Result<String, ConnectionError> {
    match read_endpoint(text)? {
        Pasted { endpoint, deployment: None, api_version: None, path: None } => Ok(endpoint),
        _ => Err(ConnectionError::EndpointWithPath(text.trim().into())),
    }
}

/// The rest of a Target URI after the deployment: nothing, or an operation of the API.
fn is_api_tail(rest: &[&str]) -> bool {
    matches!(
        rest,
        [] | ["images", "generations" | "edits"] | ["chat", "completions"] | ["completions"] | ["embeddings"]
    )
}

/// Whether `text` can be a deployment name: letters, digits, `-`, `_` and `.`, so it is one path
/// segment as typed, never a traversal.
pub fn is_deployment_name(text: &str) -> bool {
    !text.is_empty()
        && text != "."
        && text != ".."
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// `host`, `host:port`, `[ipv6]` or `[ipv6]:port`.
fn is_authority(text: &str) -> bool {
    let (host_ok, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let Some((ip, after)) = bracketed.split_once(']') else {
            return false;
        };
        let ipv6 = !ip.is_empty() && ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
        (ipv6, if after.is_empty() { None } else { after.strip_prefix(':').or(Some("")) })
    } else {
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        let name = !host.is_empty()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
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
        && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
}

impl Target {
    /// The URL of the image generations call.
    pub fn generations_url(&self) -> String {
        let path = match self.path {
            ApiPath::Deployments => with_deployment(DEPLOYMENTS_GENERATIONS_PATH, &self.deployment),
            ApiPath::V1 => V1_GENERATIONS_PATH.to_owned(),
        };
        call_url(&self.base, &path, &self.api_version)
    }

    /// The JSON body for `request` on this target: the v1 path names the deployment in it.
    pub fn body(&self, request: &ValidRequest) -> String {
        match self.path {
            ApiPath::Deployments => request.to_json(),
            ApiPath::V1 => request.clone().with_model_field(&self.deployment).to_json(),
        }
    }

    /// The headers of every call: the credential, if any, and the JSON content type.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = match &self.auth {
            Auth::ApiKey(key) => vec![(API_KEY_HEADER, key.clone())],
            Auth::Bearer(token) => vec![(AUTHORIZATION_HEADER, format!("{BEARER_PREFIX}{token}"))],
            Auth::None => Vec::new(),
        };
        headers.push(("Content-Type", "application/json".to_owned()));
        headers
    }

    /// `scheme://host[:port]` of the endpoint.
    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// The deployment name.
    pub fn deployment(&self) -> &str {
        &self.deployment
    }

    /// The api-version.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// The URL shape.
    pub fn path(&self) -> ApiPath {
        self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DALL_E_3, GPT_IMAGE_2};
    use crate::request::ImageRequest;

    fn connection(endpoint: &str) -> Connection {
        Connection {
            endpoint: endpoint.into(),
            deployment: "dall-e-3".into(),
            api_version: DEFAULT_API_VERSION.into(),
            path: ApiPath::Deployments,
            auth: Auth::ApiKey("k".into()),
        }
    }

    #[test]
    fn builds_the_seed_documents_url_and_headers() {
        let target = connection("https://my-resource.openai.azure.com").target().unwrap();
        assert_eq!(
            target.generations_url(),
            "https://my-resource.openai.azure.com/openai/deployments/dall-e-3/images/generations?api-version=2024-02-01"
        );
        assert_eq!(target.headers(), [("api-key", "k".into()), ("Content-Type", "application/json".into())]);
    }

    #[test]
    fn each_kind_of_auth_sends_its_own_header_and_nothing_else() {
        let with = |auth| Connection { auth, ..connection("x.openai.azure.com") }.target().unwrap().headers();
        assert_eq!(
            with(Auth::Bearer(" t0k ".into())),
            [("Authorization", "Bearer t0k".into()), ("Content-Type", "application/json".into())]
        );
        assert_eq!(with(Auth::None), [("Content-Type", "application/json".into())]);
        for empty in [Auth::ApiKey(" ".into()), Auth::Bearer(String::new())] {
            assert_eq!(
                Connection { auth: empty, ..connection("x.com") }.target(),
                Err(vec![ConnectionError::EmptyCredential])
            );
        }
        assert_eq!(
            Connection { auth: Auth::ApiKey("ab\ncd".into()), ..connection("x.com") }.target(),
            Err(vec![ConnectionError::MalformedCredential])
        );
        assert_eq!(format!("{:?}", Auth::ApiKey("secret".into())), "ApiKey(…)", "debug output hides the key");
    }

    #[test]
    fn the_v1_path_names_the_deployment_in_the_body() {
        let target = Connection {
            path: ApiPath::V1,
            api_version: V1_API_VERSION.into(),
            deployment: "images".into(),
            ..connection("x.openai.azure.com")
        }
        .target()
        .unwrap();
        assert_eq!(
            target.generations_url(),
            "https://x.openai.azure.com/openai/v1/images/generations?api-version=preview"
        );
        let request = ImageRequest { prompt: "a fox".into(), ..Default::default() }.validate(&GPT_IMAGE_2).unwrap();
        assert_eq!(target.body(&request), r#"{"model":"images","prompt":"a fox"}"#);
        let deployments = connection("x.openai.azure.com").target().unwrap();
        let request = ImageRequest { prompt: "a fox".into(), ..Default::default() }.validate(&DALL_E_3).unwrap();
        assert_eq!(deployments.body(&request), r#"{"prompt":"a fox"}"#);
    }

    #[test]
    fn endpoints_are_read_as_people_paste_them() {
        for (typed, base) in [
            ("https://my-resource.openai.azure.com/", "https://my-resource.openai.azure.com"),
            ("  my-resource.openai.azure.com ", "https://my-resource.openai.azure.com"),
            ("my-resource", "https://my-resource.openai.azure.com"),
            ("https://my-resource.cognitiveservices.azure.com", "https://my-resource.cognitiveservices.azure.com"),
            ("HTTP://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://[::1]:8080//", "http://[::1]:8080"),
            ("https://x.openai.azure.com/openai/", "https://x.openai.azure.com"),
        ] {
            let url = connection(typed).target().unwrap().generations_url();
            assert!(url.starts_with(&format!("{base}/openai/")), "{typed} gave {url}");
        }
    }

    #[test]
    fn the_portals_target_uri_fills_endpoint_deployment_and_api_version() {
        let uri = "https://my-resource.openai.azure.com/openai/deployments/my-dalle/images/generations?api-version=2025-04-01-preview";
        let mut filled = connection("");
        filled.fill_from(read_endpoint(uri).unwrap());
        assert_eq!(
            (filled.endpoint.as_str(), filled.deployment.as_str(), filled.api_version.as_str(), filled.path),
            ("https://my-resource.openai.azure.com", "my-dalle", "2025-04-01-preview", ApiPath::Deployments)
        );
        assert_eq!(filled.target().unwrap().generations_url(), uri);

        let v1 =
            read_endpoint("https://r.services.ai.azure.com/openai/v1/images/generations?api-version=preview").unwrap();
        assert_eq!(
            v1,
            Pasted {
                endpoint: "https://r.services.ai.azure.com".into(),
                deployment: None,
                api_version: Some("preview".into()),
                path: Some(ApiPath::V1)
            }
        );
        assert_eq!(
            connection(uri).target(),
            Err(vec![ConnectionError::EndpointWithPath(uri.into())]),
            "the endpoint field alone never silently drops a path"
        );
    }

    #[test]
    fn anything_else_gets_a_specific_message() {
        for typed in [
            "ftp://x.com",
            "https://",
            "https://a b",
            "https://x.com:",
            "https://x.com:99999",
            "https://[::1",
            "https://.x.com",
            "x.com#top",
        ] {
            assert_eq!(read_endpoint(typed), Err(ConnectionError::MalformedEndpoint(typed.trim().into())), "{typed}");
        }
        for typed in ["https://x.com/some/page", "https://x.com/openai/deployments/a b/images/generations"] {
            assert_eq!(read_endpoint(typed), Err(ConnectionError::EndpointWithPath(typed.into())), "{typed}");
        }
        assert_eq!(read_endpoint(" "), Err(ConnectionError::EmptyEndpoint));
    }

    #[test]
    fn every_field_is_checked_and_every_problem_reported() {
        let bad = Connection {
            deployment: "my/deployment".into(),
            api_version: "latest".into(),
            auth: Auth::ApiKey(" ".into()),
            ..connection("https://x.openai.azure.com")
        };
        let problems = bad.target().unwrap_err();
        assert_eq!(
            problems,
            [
                ConnectionError::MalformedDeployment("my/deployment".into()),
                ConnectionError::MalformedApiVersion("latest".into()),
                ConnectionError::EmptyCredential,
            ]
        );
        let fields: Vec<_> = problems.iter().map(ConnectionError::field).collect();
        assert_eq!(fields, [ConnectionField::Deployment, ConnectionField::ApiVersion, ConnectionField::Credential]);
    }

    #[test]
    fn a_resources_endpoint_is_its_address_alone() {
        for (typed, endpoint) in [
            ("https://my-resource.openai.azure.com/", "https://my-resource.openai.azure.com"),
            ("my-resource", "https://my-resource.openai.azure.com"),
            ("http://127.0.0.1:8080/openai/", "http://127.0.0.1:8080"),
        ] {
            assert_eq!(read_resource_endpoint(typed).as_deref(), Ok(endpoint), "{typed}");
        }
        for with_path in [
            "https://x.openai.azure.com/openai/deployments/d",
            "https://x.openai.azure.com/openai/v1/images/generations",
            "https://x.openai.azure.com/openai?api-version=2024-02-01",
            " https://x.com/some/page ",
        ] {
            assert_eq!(
                read_resource_endpoint(with_path),
                Err(ConnectionError::EndpointWithPath(with_path.trim().into())),
                "{with_path}"
            );
        }
        assert_eq!(read_resource_endpoint("ftp://x"), Err(ConnectionError::MalformedEndpoint("ftp://x".into())));
    }

    #[test]
    fn a_calls_url_is_its_endpoint_its_path_and_its_api_version() {
        let path = with_deployment(DEPLOYMENTS_EDITS_PATH, "my-images");
        assert_eq!(path, "/openai/deployments/my-images/images/edits");
        assert_eq!(
            call_url("https://x.openai.azure.com", &path, "2025-04-01-preview"),
            "https://x.openai.azure.com/openai/deployments/my-images/images/edits?api-version=2025-04-01-preview"
        );
        assert_eq!(with_deployment(V1_GENERATIONS_PATH, "my-images"), V1_GENERATIONS_PATH, "v1 names it in the body");
    }

    #[test]
    fn each_shape_of_path_is_served_at_its_own_api_versions() {
        for route in [DEPLOYMENTS_GENERATIONS_PATH, DEPLOYMENTS_EDITS_PATH] {
            assert_eq!(ApiPath::of_route(route), Some(ApiPath::Deployments), "{route}");
        }
        for route in [V1_GENERATIONS_PATH, V1_EDITS_PATH] {
            assert_eq!(ApiPath::of_route(route), Some(ApiPath::V1), "{route}");
        }
        assert_eq!(ApiPath::of_route("/openai/deployments/dall-e-3/images/generations"), None, "a route, not a path");
        let deployments = ApiPath::Deployments;
        assert_eq!(deployments.served_api_version(Some("2024-02-01")), Some("2024-02-01"));
        assert_eq!(deployments.served_api_version(Some("2025-04-01-preview")), Some("2025-04-01-preview"));
        for refused in [None, Some("latest"), Some(V1_API_VERSION), Some("../x")] {
            assert_eq!(deployments.served_api_version(refused), None, "{refused:?}");
        }
        assert_eq!(ApiPath::V1.served_api_version(None), Some(V1_API_VERSION), "none means preview");
        assert_eq!(ApiPath::V1.served_api_version(Some(V1_API_VERSION)), Some(V1_API_VERSION));
        assert_eq!(ApiPath::V1.served_api_version(Some(DEFAULT_API_VERSION)), None);
    }

    #[test]
    fn api_versions_are_dates_optionally_preview() {
        for good in ["2024-02-01", "2024-10-21", "2025-04-01-preview"] {
            assert!(is_api_version(good), "{good}");
        }
        for bad in ["", "2024-2-1", "v1", "2024-02-01-beta", "2024/02/01", "preview"] {
            assert!(!is_api_version(bad), "{bad}");
        }
        let v1 = Connection { path: ApiPath::V1, api_version: "preview".into(), ..connection("x.com") };
        assert!(v1.target().is_ok(), "v1 takes api-version=preview");
    }
}
