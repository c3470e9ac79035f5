//! What the two backends of the image API's paths share: extractors that check a call as Azure
//! does and refuse it with Azure's answer, the CORS rule, and Azure's answers for a path or a
//! method of the API that nothing serves.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, MatchedPath, Path, Query};
use axum::http::request::Parts;
use axum::http::Method;
use axum::routing::any;
use axum::Router;
use easel_contract::api_error::ApiError;
use easel_contract::endpoint::{ApiPath, API_ROOT, API_VERSION_PARAM};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::azure_error::AzureError;

/// The image API's path a call was routed to, as the contract spells it (`{deployment}` not
/// filled in), so what the server does with it comes from the contract, never from the request.
pub struct ApiRoute {
    route: MatchedPath,
    shape: ApiPath,
}

impl ApiRoute {
    /// The path, as the contract spells it.
    pub fn path(&self) -> &str {
        self.route.as_str()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiRoute {
    type Rejection = AzureError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AzureError> {
        let route = parts.extensions.get::<MatchedPath>().cloned();
        let found = route.and_then(|route| Some(ApiRoute { shape: ApiPath::of_route(route.as_str())?, route }));
        found.ok_or_else(|| ApiError::resource_not_found().into())
    }
}

/// The api-version a call names, when the service answers its path's shape at it
/// ([`ApiPath::served_api_version`]); a call at any other gets Azure's 404. Where it stands among
/// a handler's extractors is where Azure checks the api-version.
pub struct ApiVersion(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiVersion {
    type Rejection = AzureError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AzureError> {
        let ApiRoute { shape, .. } = ApiRoute::from_request_parts(parts, state).await?;
        let not_served = || AzureError::from(ApiError::resource_not_found());
        let Query(mut query) = Query::<HashMap<String, String>>::try_from_uri(&parts.uri).map_err(|_| not_served())?;
        let named = query.remove(API_VERSION_PARAM);
        let served = shape.served_api_version(named.as_deref()).ok_or_else(not_served)?;
        Ok(ApiVersion(served.to_owned()))
    }
}

/// The deployment a deployments path names, percent-decoded; a name that does not decode names
/// no resource (Azure's 404).
pub struct DeploymentInUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for DeploymentInUrl {
    type Rejection = AzureError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AzureError> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AzureError::from(ApiError::resource_not_found()))?;
        Ok(DeploymentInUrl(name))
    }
}

/// The CORS rule of the image API's paths: browsers may call them with POST (a backend adds
/// what more it serves), with whatever request headers they ask for (a `*` would not cover
/// `Authorization`), from pages of `origins`.
pub fn cors(origins: AllowOrigin) -> CorsLayer {
    CorsLayer::new().allow_origin(origins).allow_methods([Method::POST]).allow_headers(AllowHeaders::mirror_request())
}

/// Azure's 404 for every path under [`API_ROOT`] that no route of a backend serves (a
/// deployment's chat completions, say), which would otherwise reach the static site.
pub fn unserved_paths() -> Router {
    Router::new().route(&format!("{API_ROOT}/{{*rest}}"), any(not_served))
}

/// Azure's 404 for a path it does not serve.
pub async fn not_served() -> AzureError {
    ApiError::resource_not_found().into()
}

/// The 405 for a method a route does not take, in Azure's shape (axum's own has no body); axum
/// adds the `Allow` header.
pub async fn method_not_allowed() -> AzureError {
    ApiError::method_not_allowed().into()
}
