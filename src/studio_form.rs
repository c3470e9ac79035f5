//! What the user has chosen in the studio's form, as a plain type: the view only reads and
//! writes it, and everything it means (the request, its problems) is derived here.

use easel_contract::model::ModelProfile;
use easel_contract::request::{
    ImageRequest, Quality, RequestError, ResponseFormat, Size, Style, ValidRequest,
};

/// The prompt and options, one field per control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioForm {
    /// The model the options are offered for.
    pub model: &'static ModelProfile,
    /// What the image should show.
    pub prompt: String,
    /// Size in pixels.
    pub size: Size,
    /// Detail level.
    pub quality: Quality,
    /// Look of the image.
    pub style: Style,
    /// Link or inline data.
    pub response_format: ResponseFormat,
}

impl StudioForm {
    /// An empty prompt with the API's defaults for `model`.
    pub fn new(model: &'static ModelProfile) -> Self {
        StudioForm {
            model,
            prompt: String::new(),
            size: model.default_size(),
            quality: model.default_quality(),
            style: model.default_style(),
            response_format: model.default_response_format(),
        }
    }

    /// The request for one image, or every reason it cannot be sent.
    pub fn validate(&self) -> Result<ValidRequest, Vec<RequestError>> {
        ImageRequest {
            prompt: self.prompt.clone(),
            size: Some(self.size),
            n: Some(1),
            quality: Some(self.quality),
            style: Some(self.style),
            response_format: Some(self.response_format),
        }
        .validate(self.model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use easel_contract::model::DALL_E_3;
    use easel_contract::request::Field;

    #[test]
    fn a_new_form_holds_the_seed_documents_defaults() {
        let form = StudioForm::new(&DALL_E_3);
        assert_eq!(
            (
                form.size.to_string(),
                form.quality,
                form.style,
                form.response_format
            ),
            (
                "1024x1024".to_owned(),
                Quality::Standard,
                Style::Vivid,
                ResponseFormat::Url
            )
        );
    }

    #[test]
    fn a_filled_form_sends_every_option_explicitly() {
        let form = StudioForm {
            prompt: "a fox".into(),
            quality: Quality::Hd,
            ..StudioForm::new(&DALL_E_3)
        };
        assert_eq!(
            form.validate().unwrap().to_json(),
            r#"{"prompt":"a fox","size":"1024x1024","n":1,"quality":"hd","style":"vivid","response_format":"url"}"#
        );
    }

    #[test]
    fn an_empty_prompt_is_the_forms_one_problem() {
        let problems = StudioForm::new(&DALL_E_3).validate().unwrap_err();
        assert_eq!(
            problems.iter().map(RequestError::field).collect::<Vec<_>>(),
            [Field::Prompt]
        );
    }
}
