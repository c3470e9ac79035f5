//! Error answers in Azure's shape: every failure the server reports goes through here.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use easel_contract::failure::ApiError;

/// An [`ApiError`] from the contract, answered with its status and JSON body.
pub struct AzureError(pub ApiError);

impl IntoResponse for AzureError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0.body)).into_response()
    }
}

impl From<ApiError> for AzureError {
    fn from(error: ApiError) -> Self {
        AzureError(error)
    }
}
