//! The body of `POST .../images/generations`, and the validation that stands between what a user
//! typed and what is sent.
//!
//! Only [`ImageRequest::validate`] builds a [`ValidRequest`], and only a `ValidRequest` can be
//! sent, so nothing the API would reject for its shape leaves the app.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::ModelProfile;

/// An image size in pixels, written `WIDTHxHEIGHT` on the wire (`"1024x1792"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Size {
    /// A size of `width` by `height` pixels.
    pub const fn new(width: u32, height: u32) -> Self {
        Size { width, height }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl FromStr for Size {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed =
            || format!("\"{text}\" is not a size: write it as WIDTHxHEIGHT, for example 1024x1024");
        let (width, height) = text.split_once('x').ok_or_else(malformed)?;
        Ok(Size::new(
            width.parse().map_err(|_| malformed())?,
            height.parse().map_err(|_| malformed())?,
        ))
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Declares a wire enum whose values are fixed strings, with `as_str` and a label for people.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// The value as the API spells it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// The value as a person reads it in a form.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// The value the API spells `wire`, if there is one.
            pub fn from_wire(wire: &str) -> Option<Self> {
                match wire { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// How much detail the model puts in; `hd` is slower.
    Quality {
        /// The default: faster.
        Standard = "standard", "Standard";
        /// Finer detail and more consistency across the image.
        Hd = "hd", "HD";
    }
}

wire_enum! {
    /// The look of a DALL-E 3 image.
    Style {
        /// The default: hyper-real and cinematic.
        Vivid = "vivid", "Vivid";
        /// Simpler, subdued, more realistic.
        Natural = "natural", "Natural";
    }
}

wire_enum! {
    /// How the service returns each image.
    ResponseFormat {
        /// A link to the image, valid for 24 hours.
        Url = "url", "Link (24 h)";
        /// The image's bytes, base64-encoded in the answer.
        B64Json = "b64_json", "Image data";
    }
}

/// The JSON body of an image generation request, exactly as it goes on the wire.
///
/// Fields left `None` are left out of the JSON, and the API applies the model's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRequest {
    /// What the image should show, and in what style.
    pub prompt: String,
    /// Size in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Size>,
    /// How many images this one request asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u8>,
    /// Detail level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// Look of the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<Style>,
    /// Link or inline data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
}

/// The request fields a validation problem can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `prompt`
    Prompt,
    /// `size`
    Size,
    /// `n`
    N,
    /// `quality`
    Quality,
    /// `style`
    Style,
    /// `response_format`
    ResponseFormat,
}

impl Field {
    /// The field's name in the JSON body.
    pub fn wire_name(self) -> &'static str {
        match self {
            Field::Prompt => "prompt",
            Field::Size => "size",
            Field::N => "n",
            Field::Quality => "quality",
            Field::Style => "style",
            Field::ResponseFormat => "response_format",
        }
    }
}

/// Why a request cannot be sent to a model, one variant per rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The prompt is empty or only white space.
    EmptyPrompt,
    /// The prompt is longer than the model reads.
    PromptTooLong {
        /// Characters in the prompt.
        chars: usize,
        /// The model's limit.
        max: usize,
    },
    /// The model does not make images of this size.
    SizeNotOffered {
        /// The size asked for.
        size: Size,
        /// The model this was checked against.
        model: &'static ModelProfile,
    },
    /// `n` is outside what one request to this model may ask for.
    ImageCountOutOfRange {
        /// The count asked for.
        n: u8,
        /// The model this was checked against.
        model: &'static ModelProfile,
    },
    /// The model does not offer this quality.
    QualityNotOffered {
        /// The quality asked for.
        quality: Quality,
        /// The model this was checked against.
        model: &'static ModelProfile,
    },
    /// The model does not offer this style.
    StyleNotOffered {
        /// The style asked for.
        style: Style,
        /// The model this was checked against.
        model: &'static ModelProfile,
    },
    /// The model does not answer in this format.
    ResponseFormatNotOffered {
        /// The format asked for.
        format: ResponseFormat,
        /// The model this was checked against.
        model: &'static ModelProfile,
    },
}

impl RequestError {
    /// The field the problem is about.
    pub fn field(&self) -> Field {
        match self {
            RequestError::EmptyPrompt | RequestError::PromptTooLong { .. } => Field::Prompt,
            RequestError::SizeNotOffered { .. } => Field::Size,
            RequestError::ImageCountOutOfRange { .. } => Field::N,
            RequestError::QualityNotOffered { .. } => Field::Quality,
            RequestError::StyleNotOffered { .. } => Field::Style,
            RequestError::ResponseFormatNotOffered { .. } => Field::ResponseFormat,
        }
    }
}

fn list<T: fmt::Display>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::EmptyPrompt => write!(f, "Write a prompt: describe the image you want."),
            RequestError::PromptTooLong { chars, max } => write!(
                f,
                "The prompt is {chars} characters long; this model reads at most {max}. Shorten it by {}.",
                chars - max
            ),
            RequestError::SizeNotOffered { size, model } => {
                write!(f, "{} does not make {size} images; choose one of {}.", model.name, list(model.sizes))
            }
            RequestError::ImageCountOutOfRange { n, model } => write!(
                f,
                "{} makes 1 to {} images per request, not {n}.",
                model.name, model.max_images_per_request
            ),
            RequestError::QualityNotOffered { quality, model } => {
                write!(f, "{} has no quality \"{quality}\"; choose one of {}.", model.name, list(model.qualities))
            }
            RequestError::StyleNotOffered { style, model } => {
                write!(f, "{} has no style \"{style}\"; choose one of {}.", model.name, list(model.styles))
            }
            RequestError::ResponseFormatNotOffered { format, model } => write!(
                f,
                "{} cannot answer as \"{format}\"; choose one of {}.",
                model.name,
                list(model.response_formats)
            ),
        }
    }
}

impl std::error::Error for RequestError {}

/// A request that has passed every rule of its model: the only kind that can be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    body: ImageRequest,
    model: &'static ModelProfile,
}

impl ImageRequest {
    /// Checks the request against every rule of `model`, reporting every problem at once.
    pub fn validate(self, model: &'static ModelProfile) -> Result<ValidRequest, Vec<RequestError>> {
        let mut problems = Vec::new();
        let chars = self.prompt.chars().count();
        if self.prompt.trim().is_empty() {
            problems.push(RequestError::EmptyPrompt);
        } else if chars > model.max_prompt_chars {
            problems.push(RequestError::PromptTooLong {
                chars,
                max: model.max_prompt_chars,
            });
        }
        if let Some(size) = self.size.filter(|size| !model.sizes.contains(size)) {
            problems.push(RequestError::SizeNotOffered { size, model });
        }
        if let Some(n) = self
            .n
            .filter(|&n| n == 0 || n > model.max_images_per_request)
        {
            problems.push(RequestError::ImageCountOutOfRange { n, model });
        }
        if let Some(quality) = self.quality.filter(|q| !model.qualities.contains(q)) {
            problems.push(RequestError::QualityNotOffered { quality, model });
        }
        if let Some(style) = self.style.filter(|s| !model.styles.contains(s)) {
            problems.push(RequestError::StyleNotOffered { style, model });
        }
        if let Some(format) = self
            .response_format
            .filter(|r| !model.response_formats.contains(r))
        {
            problems.push(RequestError::ResponseFormatNotOffered { format, model });
        }
        if problems.is_empty() {
            Ok(ValidRequest { body: self, model })
        } else {
            Err(problems)
        }
    }
}

impl ValidRequest {
    /// The body to send, exactly as validated.
    pub fn body(&self) -> &ImageRequest {
        &self.body
    }

    /// The body as the JSON text that goes on the wire.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.body).expect("an ImageRequest always serializes")
    }

    /// The model the request was validated for.
    pub fn model(&self) -> &'static ModelProfile {
        self.model
    }

    /// The prompt.
    pub fn prompt(&self) -> &str {
        &self.body.prompt
    }

    /// The size the service will make: the one asked for, or the model's default.
    pub fn size(&self) -> Size {
        self.body.size.unwrap_or_else(|| self.model.default_size())
    }

    /// How many images the service will make for this request.
    pub fn image_count(&self) -> u8 {
        self.body.n.unwrap_or(1)
    }

    /// The quality the service will use.
    pub fn quality(&self) -> Quality {
        self.body
            .quality
            .unwrap_or_else(|| self.model.default_quality())
    }

    /// The style the service will use.
    pub fn style(&self) -> Style {
        self.body
            .style
            .unwrap_or_else(|| self.model.default_style())
    }

    /// The format the service will answer in.
    pub fn response_format(&self) -> ResponseFormat {
        self.body
            .response_format
            .unwrap_or_else(|| self.model.default_response_format())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DALL_E_3;

    fn request(prompt: &str) -> ImageRequest {
        ImageRequest {
            prompt: prompt.into(),
            size: None,
            n: None,
            quality: None,
            style: None,
            response_format: None,
        }
    }

    fn problems(request: ImageRequest) -> Vec<RequestError> {
        request.validate(&DALL_E_3).expect_err("should be refused")
    }

    #[test]
    fn the_seed_documents_sample_body_is_valid_and_round_trips() {
        let json = r#"{"prompt":"A multi-colored umbrella on the beach, disposable camera","size":"1024x1024","n":1,"quality":"hd","style":"vivid"}"#;
        let parsed: ImageRequest = serde_json::from_str(json).unwrap();
        let valid = parsed.validate(&DALL_E_3).unwrap();
        assert_eq!(valid.to_json(), json);
        assert_eq!(valid.quality(), Quality::Hd);
    }

    #[test]
    fn fields_left_out_are_absent_not_null_and_take_the_models_defaults() {
        let valid = request("a fox").validate(&DALL_E_3).unwrap();
        assert_eq!(valid.to_json(), r#"{"prompt":"a fox"}"#);
        assert_eq!(valid.size(), Size::new(1024, 1024));
        assert_eq!(valid.quality(), Quality::Standard);
        assert_eq!(valid.style(), Style::Vivid);
        assert_eq!(valid.response_format(), ResponseFormat::Url);
        assert_eq!(valid.image_count(), 1);
    }

    #[test]
    fn every_dall_e_3_size_is_accepted_and_others_are_refused_by_name() {
        for size in DALL_E_3.sizes {
            assert!(ImageRequest {
                size: Some(*size),
                ..request("a fox")
            }
            .validate(&DALL_E_3)
            .is_ok());
        }
        let refused = problems(ImageRequest {
            size: Some(Size::new(512, 512)),
            ..request("a fox")
        });
        assert_eq!(refused[0].field(), Field::Size);
        assert_eq!(
            refused[0].to_string(),
            "dall-e-3 does not make 512x512 images; choose one of 1024x1024, 1792x1024, 1024x1792."
        );
    }

    #[test]
    fn dall_e_3_takes_exactly_one_image_per_request() {
        for n in [0, 2, 10] {
            let refused = problems(ImageRequest {
                n: Some(n),
                ..request("a fox")
            });
            assert_eq!(
                refused,
                vec![RequestError::ImageCountOutOfRange {
                    n,
                    model: &DALL_E_3
                }]
            );
        }
    }

    #[test]
    fn prompt_must_have_words_and_fit_the_model() {
        assert_eq!(problems(request("  \n ")), vec![RequestError::EmptyPrompt]);
        let long = "a".repeat(4001);
        assert_eq!(
            problems(request(&long)),
            vec![RequestError::PromptTooLong {
                chars: 4001,
                max: 4000
            }]
        );
        assert!(
            request(&"é".repeat(4000)).validate(&DALL_E_3).is_ok(),
            "the limit counts characters, not bytes"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let refused = problems(ImageRequest {
            size: Some(Size::new(1, 1)),
            n: Some(3),
            ..request("")
        });
        let fields: Vec<_> = refused.iter().map(RequestError::field).collect();
        assert_eq!(fields, [Field::Prompt, Field::Size, Field::N]);
    }

    #[test]
    fn unknown_wire_values_fail_to_parse_with_the_value_named() {
        let error =
            serde_json::from_str::<ImageRequest>(r#"{"prompt":"x","size":"big"}"#).unwrap_err();
        assert!(
            error.to_string().contains("\"big\" is not a size"),
            "{error}"
        );
        assert!(
            serde_json::from_str::<ImageRequest>(r#"{"prompt":"x","quality":"ultra"}"#).is_err()
        );
    }

    #[test]
    fn wire_enums_spell_values_as_the_api_does() {
        assert_eq!(Quality::from_wire("hd"), Some(Quality::Hd));
        assert_eq!(Style::Natural.as_str(), "natural");
        assert_eq!(
            serde_json::to_string(&ResponseFormat::B64Json).unwrap(),
            r#""b64_json""#
        );
        assert_eq!(ResponseFormat::from_wire("png"), None);
    }
}
