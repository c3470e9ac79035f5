//! The connection test that costs nothing: a call the service refuses before it generates, and
//! its answer read as a plain-words [`Diagnosis`].
//!
//! The service checks the key, the api-version and the deployment before it reads the body, and
//! then refuses an empty prompt with a 400: that refusal shows everything before it works, and
//! nothing is generated or billed.

use crate::endpoint::{ApiPath, Target, V1_API_VERSION};
use crate::failure::Failure;
use crate::model::MODELS;
use crate::request::{Field, ImageRequest};

impl Target {
    /// The body of the connection test: an empty prompt, named for the deployment on the v1 path
    /// as [`Target::body`] does. It is the one body sent unvalidated, on purpose: the service must
    /// refuse it.
    pub fn probe_body(&self) -> String {
        let model = (self.path() == ApiPath::V1).then(|| self.deployment().to_owned());
        let probe = ImageRequest { model, prompt: String::new(), ..Default::default() };
        serde_json::to_string(&probe).expect("an ImageRequest always serializes")
    }
}

/// What the connection test found, in terms a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// The endpoint, deployment, api-version and key all work.
    Ready,
    /// Nothing answered, even a call the browser does not let the page read: a wrong address, a
    /// server that is down, or a network or browser rule in between.
    Unreachable,
    /// Something answered, but the browser kept the answer from the page: the endpoint does not
    /// allow the page's origin (CORS).
    BlockedByCors,
    /// The key or token is missing, wrong, or belongs to another resource.
    WrongKey,
    /// The resource takes Microsoft Entra ID tokens only, not keys.
    KeyAuthDisabled,
    /// The resource has no deployment of that name.
    DeploymentNotFound,
    /// The endpoint answered 404 for the api-version or the path.
    UnsupportedApiVersion,
    /// Any other answer, as a failed call reads it.
    Other(Failure),
}

impl Diagnosis {
    /// Reads the answer to the probe from its HTTP status, body text and response headers (as
    /// [`Failure::classify`] does).
    pub fn read(status: u16, body: &str, header: impl Fn(&str) -> Option<String>) -> Diagnosis {
        if (200..300).contains(&status) {
            // A server that generates from an empty prompt still shows the connection works.
            return Diagnosis::Ready;
        }
        match Failure::classify(status, body, header) {
            // The expected refusal: the service got as far as the body. A refusal naming another
            // field is not about the probe's prompt, so the service's words are shown instead.
            Failure::InvalidRequest { param, .. }
                if status == 400 && param.as_deref().is_none_or(|param| param == Field::Prompt.wire_name()) =>
            {
                Diagnosis::Ready
            }
            Failure::Unauthorized => Diagnosis::WrongKey,
            Failure::KeyAuthDisabled => Diagnosis::KeyAuthDisabled,
            Failure::DeploymentNotFound => Diagnosis::DeploymentNotFound,
            Failure::NotFound => Diagnosis::UnsupportedApiVersion,
            other => Diagnosis::Other(other),
        }
    }

    /// The diagnosis when the probe got no answer the page could read. A browser reports an
    /// unreachable host and a CORS refusal alike, so the app asks again in `no-cors` mode, whose
    /// answer the page cannot read but which CORS does not stop: `reachable_without_cors` is
    /// whether that second call got an answer.
    pub fn unanswered(reachable_without_cors: bool) -> Diagnosis {
        if reachable_without_cors {
            Diagnosis::BlockedByCors
        } else {
            Diagnosis::Unreachable
        }
    }

    /// Whether the connection works.
    pub fn is_ready(&self) -> bool {
        *self == Diagnosis::Ready
    }

    /// What the test found, in one sentence.
    pub fn message(&self) -> String {
        match self {
            Diagnosis::Ready => "Ready: the endpoint, deployment, api-version and key all work.".into(),
            Diagnosis::Unreachable => "No answer came back from the endpoint.".into(),
            Diagnosis::BlockedByCors => "The endpoint answered, but the browser refused to let this page read the \
                 answer: the endpoint does not allow this page's origin (CORS)."
                .into(),
            Diagnosis::WrongKey => Failure::Unauthorized.message(),
            Diagnosis::KeyAuthDisabled => Failure::KeyAuthDisabled.message(),
            Diagnosis::DeploymentNotFound => Failure::DeploymentNotFound.message(),
            Diagnosis::UnsupportedApiVersion => {
                "The endpoint answered 404 (not found) for this api-version or path.".into()
            }
            Diagnosis::Other(failure) => failure.message(),
        }
    }

    /// What the person can do about it; nothing when the connection works.
    pub fn next_step(&self) -> Option<String> {
        Some(match self {
            Diagnosis::Ready => return None,
            Diagnosis::Unreachable => "Check the endpoint address, that the server behind it is running, and the \
                 network; the browser console (F12) names the exact reason."
                .into(),
            Diagnosis::BlockedByCors => "Azure OpenAI allows any origin, so this is usually a gateway or a server \
                 other than Azure. Go through the companion server's proxy instead: run easel-server --upstream \
                 https://YOUR-RESOURCE.openai.azure.com with the key in AZURE_OPENAI_API_KEY, and open Easel from \
                 that server."
                .into(),
            Diagnosis::WrongKey => Failure::Unauthorized.next_step(),
            Diagnosis::KeyAuthDisabled => Failure::KeyAuthDisabled.next_step(),
            Diagnosis::DeploymentNotFound => Failure::DeploymentNotFound.next_step(),
            Diagnosis::UnsupportedApiVersion => format!(
                "Use an api-version that serves your model ({}), or {V1_API_VERSION} on the v1 path; and check \
                 the endpoint has nothing after the host.",
                api_versions_of_models()
            ),
            Diagnosis::Other(failure) => failure.next_step(),
        })
    }
}

/// "V1 for model-a, model-b; V2 for model-c": the api-version each model is served on, from the
/// profiles, so the advice follows them.
fn api_versions_of_models() -> String {
    let mut versions: Vec<(&str, Vec<&str>)> = Vec::new();
    for model in MODELS {
        match versions.iter_mut().find(|(version, _)| *version == model.api_version) {
            Some((_, names)) => names.push(model.name),
            None => versions.push((model.api_version, vec![model.name])),
        }
    }
    versions.iter().map(|(version, names)| format!("{version} for {}", names.join(", "))).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::api_error::ApiError;
    use crate::endpoint::{Auth, Connection, DEFAULT_API_VERSION};
    use crate::model::{DALL_E_3, GPT_IMAGE_2};
    use crate::request::RequestError;
    use crate::response::{GeneratedImage, ImagesResponse};
    use crate::wire::Size;

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    fn answered(error: ApiError) -> Diagnosis {
        Diagnosis::read(error.status, &serde_json::to_string(&error.body).unwrap(), no_headers)
    }

    fn target(path: ApiPath, api_version: &str) -> Target {
        Connection {
            endpoint: "my-resource".into(),
            deployment: "images".into(),
            api_version: api_version.into(),
            path,
            auth: Auth::ApiKey("k".into()),
        }
        .target()
        .unwrap()
    }

    #[test]
    fn the_probe_is_an_empty_prompt_named_for_the_deployment_as_a_real_body_is() {
        let deployments = target(ApiPath::Deployments, DEFAULT_API_VERSION);
        assert_eq!(deployments.probe_body(), r#"{"prompt":""}"#);
        let v1 = target(ApiPath::V1, V1_API_VERSION);
        assert_eq!(v1.probe_body(), r#"{"model":"images","prompt":""}"#);

        let real = ImageRequest { prompt: "a fox".into(), ..Default::default() }.validate(&GPT_IMAGE_2).unwrap();
        assert_eq!(v1.body(&real), r#"{"model":"images","prompt":"a fox"}"#, "named as a real body is");

        let probe: ImageRequest = serde_json::from_str(&v1.probe_body()).unwrap();
        for model in MODELS {
            assert_eq!(
                probe.clone().validate(model).unwrap_err(),
                [RequestError::EmptyPrompt],
                "{}: refused for its prompt alone, so nothing is generated",
                model.name
            );
        }
    }

    #[test]
    fn the_refusal_of_the_empty_prompt_means_ready() {
        assert_eq!(answered(ApiError::invalid_request(&RequestError::EmptyPrompt)), Diagnosis::Ready);
        assert_eq!(answered(ApiError::malformed_body("'' is too short - 'prompt'")), Diagnosis::Ready);
        let success = ImagesResponse {
            created: 1,
            data: vec![GeneratedImage { b64_json: Some("AAAA".into()), ..Default::default() }],
            ..Default::default()
        };
        assert_eq!(
            Diagnosis::read(200, &serde_json::to_string(&success).unwrap(), no_headers),
            Diagnosis::Ready,
            "a server that generates anyway still works"
        );
        assert!(Diagnosis::Ready.is_ready());
        assert_eq!(Diagnosis::Ready.next_step(), None);
    }

    #[test]
    fn a_refusal_about_another_field_shows_the_services_words() {
        let size = ImageRequest { prompt: "x".into(), size: Some(Size::exact(512, 512)), ..Default::default() }
            .validate(&DALL_E_3)
            .unwrap_err()
            .remove(0);
        let diagnosis = answered(ApiError::invalid_request(&size));
        assert_eq!(
            diagnosis,
            Diagnosis::Other(Failure::InvalidRequest { param: Some("size".into()), message: size.to_string() })
        );
        assert!(!diagnosis.is_ready());
        assert_eq!(diagnosis.message(), format!("The service refused the request: {size}"));
    }

    #[test]
    fn each_refusal_before_the_body_names_what_to_fix() {
        for (error, expected) in [
            (ApiError::missing_key(), Diagnosis::WrongKey),
            (ApiError::invalid_key(), Diagnosis::WrongKey),
            (ApiError::key_auth_disabled(), Diagnosis::KeyAuthDisabled),
            (ApiError::deployment_not_found(), Diagnosis::DeploymentNotFound),
            (ApiError::resource_not_found(), Diagnosis::UnsupportedApiVersion),
        ] {
            assert_eq!(answered(error.clone()), expected, "{error:?}");
        }
        assert_eq!(Diagnosis::WrongKey.message(), "The key was refused.");
        assert_eq!(Diagnosis::DeploymentNotFound.next_step(), Some(Failure::DeploymentNotFound.next_step()));
    }

    #[test]
    fn an_unsupported_api_version_suggests_the_one_each_model_takes() {
        let message = Diagnosis::UnsupportedApiVersion.message();
        assert!(message.contains("404") && message.contains("api-version"), "{message}");
        let next = Diagnosis::UnsupportedApiVersion.next_step().unwrap();
        assert!(next.contains("2025-04-01-preview for gpt-image-2, gpt-image-1.5"), "{next}");
        assert!(next.contains("2024-02-01 for dall-e-3, dall-e-2"), "{next}");
        assert!(next.contains(V1_API_VERSION), "{next}");
    }

    #[test]
    fn other_answers_keep_the_failures_words() {
        let busy = answered(ApiError::rate_limited(16));
        assert_eq!(busy, Diagnosis::Other(Failure::RateLimited { retry_after: Some(Duration::from_secs(16)) }));
        assert_eq!(busy.next_step().as_deref(), Some("Wait 16 seconds, then generate again."));
        assert_eq!(answered(ApiError::server_error("0a1b")), Diagnosis::Other(Failure::ServiceError { status: 500 }));
        let portal = Diagnosis::read(404, "<html>Not Found</html>", no_headers);
        assert_eq!(portal, Diagnosis::Other(Failure::UnexpectedAnswer { status: 404 }));
        assert_eq!(portal.message(), Failure::UnexpectedAnswer { status: 404 }.message());
    }

    #[test]
    fn no_readable_answer_is_cors_when_a_no_cors_call_gets_through() {
        assert_eq!(Diagnosis::unanswered(true), Diagnosis::BlockedByCors);
        assert_eq!(Diagnosis::unanswered(false), Diagnosis::Unreachable);
        let (message, next) = (Diagnosis::BlockedByCors.message(), Diagnosis::BlockedByCors.next_step().unwrap());
        assert!(message.contains("origin (CORS)"), "{message}");
        assert!(next.contains("Azure OpenAI allows any origin"), "{next}");
        assert!(
            next.contains("easel-server --upstream https://YOUR-RESOURCE.openai.azure.com")
                && next.contains("AZURE_OPENAI_API_KEY"),
            "{next}"
        );
        assert_ne!(Diagnosis::Unreachable.next_step(), Failure::Unreachable.next_step().into(), "CORS is ruled out");
    }

    #[test]
    fn every_diagnosis_says_what_was_found_and_what_to_do() {
        for diagnosis in [
            Diagnosis::Ready,
            Diagnosis::Unreachable,
            Diagnosis::BlockedByCors,
            Diagnosis::WrongKey,
            Diagnosis::KeyAuthDisabled,
            Diagnosis::DeploymentNotFound,
            Diagnosis::UnsupportedApiVersion,
            Diagnosis::Other(Failure::Timeout),
        ] {
            assert!(diagnosis.message().ends_with('.'), "{diagnosis:?}");
            assert_eq!(diagnosis.is_ready(), diagnosis.next_step().is_none(), "{diagnosis:?}");
            assert!(diagnosis.next_step().is_none_or(|step| step.ends_with('.')), "{diagnosis:?}");
        }
    }
}
