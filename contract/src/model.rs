//! What each image model accepts, and what the API assumes when a field is left out.
//!
//! Source: the seed document (`azure-dalle-how-to.txt`) and the API digest (`azure-api.md`).

use crate::request::{Quality, ResponseFormat, Size, Style};

/// The options one model accepts, with the API's defaults for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelProfile {
    /// The model's name as Azure spells it, which is also the default deployment name.
    pub name: &'static str,
    /// Sizes the model accepts; the first is the API's default.
    pub sizes: &'static [Size],
    /// Quality values the model accepts; the first is the API's default.
    pub qualities: &'static [Quality],
    /// Styles the model accepts; the first is the API's default.
    pub styles: &'static [Style],
    /// Response formats the model accepts; the first is the API's default.
    pub response_formats: &'static [ResponseFormat],
    /// The most images one request may ask for.
    pub max_images_per_request: u8,
    /// The longest prompt, in characters.
    pub max_prompt_chars: usize,
}

/// DALL-E 3: one image per request, three sizes, `standard`/`hd`, `vivid`/`natural`.
pub const DALL_E_3: ModelProfile = ModelProfile {
    name: "dall-e-3",
    sizes: &[
        Size::new(1024, 1024),
        Size::new(1792, 1024),
        Size::new(1024, 1792),
    ],
    qualities: &[Quality::Standard, Quality::Hd],
    styles: &[Style::Vivid, Style::Natural],
    response_formats: &[ResponseFormat::Url, ResponseFormat::B64Json],
    max_images_per_request: 1,
    max_prompt_chars: 4000,
};

/// Every model Easel knows.
pub const MODELS: &[ModelProfile] = &[DALL_E_3];

impl ModelProfile {
    /// The profile of the model with this name, if Easel knows it.
    pub fn by_name(name: &str) -> Option<&'static ModelProfile> {
        MODELS.iter().find(|model| model.name == name)
    }

    /// The size the API uses when the request names none.
    pub fn default_size(&self) -> Size {
        self.sizes[0]
    }

    /// The quality the API uses when the request names none.
    pub fn default_quality(&self) -> Quality {
        self.qualities[0]
    }

    /// The style the API uses when the request names none.
    pub fn default_style(&self) -> Style {
        self.styles[0]
    }

    /// The response format the API uses when the request names none.
    pub fn default_response_format(&self) -> ResponseFormat {
        self.response_formats[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dall_e_3_defaults_are_the_seed_documents() {
        let model = ModelProfile::by_name("dall-e-3").unwrap();
        assert_eq!(model.default_size().to_string(), "1024x1024");
        assert_eq!(model.default_quality(), Quality::Standard);
        assert_eq!(model.default_style(), Style::Vivid);
        assert_eq!(model.default_response_format(), ResponseFormat::Url);
        assert_eq!(model.max_images_per_request, 1);
    }

    #[test]
    fn unknown_model_has_no_profile() {
        assert_eq!(ModelProfile::by_name("dall-e-4"), None);
    }
}
