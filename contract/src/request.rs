//! The body of `POST .../images/generations`, the validation that stands between what a user
//! typed and what is sent, and the plan that turns "k images" into requests.
//!
//! Only [`ImageRequest::validate`] builds a [`ValidRequest`], and only a `ValidRequest` can be
//! sent, so nothing the API would reject for its shape leaves the app.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{ModelProfile, SizeRule, SizeUnfit};
use crate::price::Estimate;
use crate::wire::{Background, OutputFormat, Quality, ResponseFormat, Size, Style};

/// The JSON body of an image generation request, exactly as it goes on the wire.
///
/// Fields left `None` are left out of the JSON, and the API applies the model's default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImageRequest {
    /// The deployment name; required on the v1 path only, where the URL does not carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// What the image should show, and in what style.
    pub prompt: String,
    /// Size in pixels, or `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Size>,
    /// How many images this one request asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u8>,
    /// Detail level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// Look of the image (DALL-E 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<Style>,
    /// Link or inline data (DALL-E).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// Image file format (gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<OutputFormat>,
    /// JPEG compression, 0 to 100 (gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_compression: Option<u8>,
    /// Background (gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Background>,
}

/// The request fields a validation problem can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `prompt`
    Prompt,
    /// `size`
    Size,
    /// A free size's width, as typed.
    Width,
    /// A free size's height, as typed.
    Height,
    /// `n`, images per request
    N,
    /// How many images a run asks for, across requests.
    Images,
    /// `quality`
    Quality,
    /// `style`
    Style,
    /// `response_format`
    ResponseFormat,
    /// `output_format`
    OutputFormat,
    /// `output_compression`
    OutputCompression,
    /// `background`
    Background,
}

impl Field {
    /// The field's name in the JSON body.
    pub fn wire_name(self) -> &'static str {
        match self {
            Field::Prompt => "prompt",
            Field::Size | Field::Width | Field::Height => "size",
            Field::N | Field::Images => "n",
            Field::Quality => "quality",
            Field::Style => "style",
            Field::ResponseFormat => "response_format",
            Field::OutputFormat => "output_format",
            Field::OutputCompression => "output_compression",
            Field::Background => "background",
        }
    }

    /// The field as a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Prompt => "prompt",
            Field::Size => "size",
            Field::Width => "width",
            Field::Height => "height",
            Field::N => "images per request",
            Field::Images => "number of images",
            Field::Quality => "quality",
            Field::Style => "style",
            Field::ResponseFormat => "response format",
            Field::OutputFormat => "file format",
            Field::OutputCompression => "compression",
            Field::Background => "background",
        }
    }
}

/// The most images one run may ask for, across all its requests.
pub const MAX_IMAGES_PER_RUN: u8 = 10;

/// The highest `output_compression`: the best quality and the largest file.
pub const MAX_OUTPUT_COMPRESSION: u8 = 100;

/// The `output_compression` the API uses when the request names none.
pub const DEFAULT_OUTPUT_COMPRESSION: u8 = MAX_OUTPUT_COMPRESSION;

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
    /// The model does not offer this value for this field, or takes no such field at all.
    NotOffered {
        /// The field.
        field: Field,
        /// The value asked for, as the API spells it.
        value: String,
        /// The model this was checked against.
        model: &'static ModelProfile,
    },
    /// A free size breaks one of the model's bounds.
    SizeOutOfBounds {
        /// The size asked for.
        size: Size,
        /// The bound it breaks.
        reason: SizeUnfit,
    },
    /// `n` is outside what one request to this model may ask for.
    ImageCountOutOfRange {
        /// The count asked for.
        n: u8,
        /// The model this was checked against.
        model: &'static ModelProfile,
    },
    /// A run asks for no images, or more than [`MAX_IMAGES_PER_RUN`].
    RunSizeOutOfRange {
        /// The count asked for.
        images: u8,
    },
    /// Text typed where a whole number belongs (a free size's width or height, the
    /// compression) that is not one. No request holds text, so only a form finds this, before
    /// it can build the request; it is reported with the request's other problems.
    NotANumber {
        /// The field it was typed for.
        field: Field,
    },
    /// `output_compression` is above [`MAX_OUTPUT_COMPRESSION`].
    CompressionOutOfRange {
        /// The value asked for.
        value: u8,
    },
    /// `output_compression` is given for a format other than JPEG.
    CompressionNeedsJpeg,
    /// A transparent background is asked for in a format other than PNG.
    TransparencyNeedsPng,
}

impl RequestError {
    /// The field the problem is about.
    pub fn field(&self) -> Field {
        match self {
            RequestError::EmptyPrompt | RequestError::PromptTooLong { .. } => Field::Prompt,
            RequestError::NotOffered { field, .. } | RequestError::NotANumber { field } => *field,
            RequestError::SizeOutOfBounds { .. } => Field::Size,
            RequestError::ImageCountOutOfRange { .. } => Field::N,
            RequestError::RunSizeOutOfRange { .. } => Field::Images,
            RequestError::CompressionOutOfRange { .. } | RequestError::CompressionNeedsJpeg => Field::OutputCompression,
            RequestError::TransparencyNeedsPng => Field::Background,
        }
    }
}

/// The values `model` offers for `field`, as the API spells them.
fn offered(model: &ModelProfile, field: Field) -> Vec<String> {
    fn spelled<T: fmt::Display>(values: &[T]) -> Vec<String> {
        values.iter().map(ToString::to_string).collect()
    }
    match field {
        Field::Size => spelled(model.offered_sizes()),
        Field::Quality => spelled(model.qualities),
        Field::Style => spelled(model.styles),
        Field::ResponseFormat => spelled(model.response_formats),
        Field::OutputFormat => spelled(model.output_formats),
        Field::Background => spelled(model.backgrounds),
        Field::Prompt | Field::Width | Field::Height | Field::N | Field::Images | Field::OutputCompression => {
            Vec::new()
        }
    }
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
            RequestError::NotOffered { field, value, model } => {
                let choices = offered(model, *field);
                if choices.is_empty() {
                    write!(f, "{} takes no {}; leave it out.", model.name, field.label())
                } else {
                    write!(
                        f,
                        "{} has no {} \"{value}\"; choose one of {}.",
                        model.name,
                        field.label(),
                        choices.join(", ")
                    )
                }
            }
            RequestError::SizeOutOfBounds { size, reason } => write!(f, "{size} does not fit: {reason}."),
            RequestError::ImageCountOutOfRange { n, model } => {
                write!(f, "{} makes 1 to {} images per request, not {n}.", model.name, model.max_images_per_request)
            }
            RequestError::RunSizeOutOfRange { images } => {
                write!(f, "Ask for 1 to {MAX_IMAGES_PER_RUN} images at a time, not {images}.")
            }
            RequestError::NotANumber { field } => match field {
                Field::Width => f.write_str("Width must be a whole number of pixels, like 1536."),
                Field::Height => f.write_str("Height must be a whole number of pixels, like 1024."),
                Field::OutputCompression => {
                    write!(f, "Compression must be a whole number from 0 to {MAX_OUTPUT_COMPRESSION}, like 80.")
                }
                other => write!(f, "The {} must be a whole number.", other.label()),
            },
            RequestError::CompressionOutOfRange { value } => {
                write!(f, "Compression goes from 0 to {MAX_OUTPUT_COMPRESSION}, not {value}.")
            }
            RequestError::CompressionNeedsJpeg => {
                write!(f, "Compression applies to JPEG only: choose JPEG, or leave compression out.")
            }
            RequestError::TransparencyNeedsPng => {
                write!(f, "A transparent background needs PNG: choose PNG, or another background.")
            }
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

/// The requests that make one run of "k images", and what they are estimated to cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The requests, to be sent in parallel; their `n` add up to the images asked for.
    pub requests: Vec<ValidRequest>,
    /// The cost of the whole run.
    pub estimate: Estimate,
}

impl ImageRequest {
    /// Checks the request against every rule of `model`, reporting every problem at once.
    pub fn validate(self, model: &'static ModelProfile) -> Result<ValidRequest, Vec<RequestError>> {
        let mut problems = Vec::new();
        let chars = self.prompt.chars().count();
        if self.prompt.trim().is_empty() {
            problems.push(RequestError::EmptyPrompt);
        } else if chars > model.max_prompt_chars {
            problems.push(RequestError::PromptTooLong { chars, max: model.max_prompt_chars });
        }
        if let Some(size) = self.size {
            match (model.sizes, size) {
                (SizeRule::OneOf(sizes), _) if !sizes.contains(&size) => {
                    problems.push(not_offered(Field::Size, size, model));
                }
                (SizeRule::Free(rule), Size::Exact(dimensions)) => {
                    if let Err(reason) = rule.check(dimensions) {
                        problems.push(RequestError::SizeOutOfBounds { size, reason });
                    }
                }
                _ => {}
            }
        }
        if let Some(n) = self.n.filter(|&n| n == 0 || n > model.max_images_per_request) {
            problems.push(RequestError::ImageCountOutOfRange { n, model });
        }
        check_offered(&mut problems, Field::Quality, self.quality, model.qualities, model);
        check_offered(&mut problems, Field::Style, self.style, model.styles, model);
        check_offered(&mut problems, Field::ResponseFormat, self.response_format, model.response_formats, model);
        check_offered(&mut problems, Field::OutputFormat, self.output_format, model.output_formats, model);
        check_offered(&mut problems, Field::Background, self.background, model.backgrounds, model);
        let output_format = self.output_format.or(model.default_output_format());
        if let Some(value) = self.output_compression {
            if !model.takes_compression {
                problems.push(not_offered(Field::OutputCompression, value, model));
            } else if value > MAX_OUTPUT_COMPRESSION {
                problems.push(RequestError::CompressionOutOfRange { value });
            } else if !output_format.is_some_and(OutputFormat::takes_compression) {
                problems.push(RequestError::CompressionNeedsJpeg);
            }
        }
        if self.background == Some(Background::Transparent)
            && model.backgrounds.contains(&Background::Transparent)
            && output_format != Some(OutputFormat::Png)
        {
            problems.push(RequestError::TransparencyNeedsPng);
        }
        if problems.is_empty() {
            Ok(ValidRequest { body: self, model })
        } else {
            Err(problems)
        }
    }

    /// Plans a run of `images` images: DALL-E 3 takes one per request, so it makes that many
    /// requests of `n = 1` (the seed document's rule); other models batch up to their limit.
    /// The `n` of `self` is ignored.
    pub fn plan(self, model: &'static ModelProfile, images: u8) -> Result<Plan, Vec<RequestError>> {
        if images == 0 || images > MAX_IMAGES_PER_RUN {
            let mut problems = vec![RequestError::RunSizeOutOfRange { images }];
            if let Err(more) = (ImageRequest { n: None, ..self }).validate(model) {
                problems.extend(more);
            }
            return Err(problems);
        }
        let per_request = model.max_images_per_request.max(1);
        let mut requests = Vec::new();
        let mut left = images;
        while left > 0 {
            let n = left.min(per_request);
            requests.push(ImageRequest { n: Some(n), ..self.clone() }.validate(model)?);
            left -= n;
        }
        let estimate = requests.iter().map(ValidRequest::estimate).sum();
        Ok(Plan { requests, estimate })
    }
}

fn not_offered(field: Field, value: impl fmt::Display, model: &'static ModelProfile) -> RequestError {
    RequestError::NotOffered { field, value: value.to_string(), model }
}

fn check_offered<T: PartialEq + fmt::Display>(
    problems: &mut Vec<RequestError>,
    field: Field,
    value: Option<T>,
    allowed: &[T],
    model: &'static ModelProfile,
) {
    if let Some(value) = value.filter(|value| !allowed.contains(value)) {
        problems.push(not_offered(field, value, model));
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

    /// The same request with the deployment named in the body, as the v1 path requires.
    pub fn with_model_field(mut self, deployment: &str) -> ValidRequest {
        self.body.model = Some(deployment.to_owned());
        self
    }

    /// The model the request was validated for.
    pub fn model(&self) -> &'static ModelProfile {
        self.model
    }

    /// What this one request will cost, before it is sent.
    pub fn estimate(&self) -> crate::price::Estimate {
        self.model.price.estimate(self.size(), self.quality(), u32::from(self.image_count()))
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
        self.body.quality.unwrap_or_else(|| self.model.default_quality())
    }

    /// The style the service will use, for a model that has styles.
    pub fn style(&self) -> Option<Style> {
        self.body.style.or(self.model.default_style())
    }

    /// The format the service will answer in.
    pub fn response_format(&self) -> ResponseFormat {
        self.body.response_format.unwrap_or_else(|| self.model.default_response_format())
    }

    /// The image file format, for a model that has a choice (DALL-E always makes PNG).
    pub fn output_format(&self) -> OutputFormat {
        self.body.output_format.or(self.model.default_output_format()).unwrap_or(OutputFormat::Png)
    }

    /// The background, for a model that has a choice.
    pub fn background(&self) -> Option<Background> {
        self.body.background.or(self.model.default_background())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DALL_E_2, DALL_E_3, GPT_IMAGE_1, GPT_IMAGE_2};
    use crate::price::Cost;

    fn request(prompt: &str) -> ImageRequest {
        ImageRequest { prompt: prompt.into(), ..Default::default() }
    }

    fn problems(request: ImageRequest, model: &'static ModelProfile) -> Vec<RequestError> {
        request.validate(model).expect_err("should be refused")
    }

    fn messages(request: ImageRequest, model: &'static ModelProfile) -> Vec<String> {
        problems(request, model).iter().map(ToString::to_string).collect()
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
        assert_eq!(valid.size(), Size::exact(1024, 1024));
        assert_eq!(valid.quality(), Quality::Standard);
        assert_eq!(valid.style(), Some(Style::Vivid));
        assert_eq!(valid.response_format(), ResponseFormat::Url);
        assert_eq!(valid.image_count(), 1);

        let gpt = request("a fox").validate(&GPT_IMAGE_1).unwrap();
        assert_eq!((gpt.size(), gpt.quality(), gpt.style()), (Size::Auto, Quality::Auto, None));
        assert_eq!((gpt.response_format(), gpt.output_format()), (ResponseFormat::B64Json, OutputFormat::Png));
    }

    #[test]
    fn each_model_takes_exactly_its_own_sizes() {
        for (model, size, ok) in [
            (&DALL_E_3, "1792x1024", true),
            (&DALL_E_3, "1024x1536", false),
            (&DALL_E_3, "auto", false),
            (&GPT_IMAGE_1, "1024x1536", true),
            (&GPT_IMAGE_1, "auto", true),
            (&GPT_IMAGE_1, "1792x1024", false),
            (&DALL_E_2, "256x256", true),
            (&DALL_E_2, "1024x1792", false),
            (&GPT_IMAGE_2, "2048x1152", true),
            (&GPT_IMAGE_2, "auto", true),
        ] {
            let result = ImageRequest { size: Some(size.parse().unwrap()), ..request("a fox") }.validate(model);
            assert_eq!(result.is_ok(), ok, "{} {size}", model.name);
        }
        assert_eq!(
            messages(ImageRequest { size: Some(Size::exact(512, 512)), ..request("a fox") }, &DALL_E_3),
            ["dall-e-3 has no size \"512x512\"; choose one of 1024x1024, 1792x1024, 1024x1792."]
        );
        assert_eq!(
            messages(ImageRequest { size: Some(Size::exact(1000, 1000)), ..request("a fox") }, &GPT_IMAGE_2),
            ["1000x1000 does not fit: width and height must both be multiples of 16."]
        );
    }

    #[test]
    fn images_per_request_follow_each_models_limit() {
        for (model, n, ok) in [
            (&DALL_E_3, 1, true),
            (&DALL_E_3, 2, false),
            (&GPT_IMAGE_1, 10, true),
            (&GPT_IMAGE_1, 11, false),
            (&DALL_E_2, 0, false),
        ] {
            let result = ImageRequest { n: Some(n), ..request("a fox") }.validate(model);
            assert_eq!(result.is_ok(), ok, "{} n={n}", model.name);
        }
        assert_eq!(
            problems(ImageRequest { n: Some(2), ..request("a fox") }, &DALL_E_3),
            [RequestError::ImageCountOutOfRange { n: 2, model: &DALL_E_3 }]
        );
    }

    #[test]
    fn fields_a_model_does_not_take_are_refused_by_name() {
        assert_eq!(
            messages(ImageRequest { style: Some(Style::Natural), ..request("a fox") }, &GPT_IMAGE_1),
            ["gpt-image-1 takes no style; leave it out."]
        );
        assert_eq!(
            messages(ImageRequest { response_format: Some(ResponseFormat::Url), ..request("a fox") }, &GPT_IMAGE_2),
            ["gpt-image-2 takes no response format; leave it out."]
        );
        assert_eq!(
            messages(ImageRequest { output_format: Some(OutputFormat::Jpeg), ..request("a fox") }, &DALL_E_3),
            ["dall-e-3 takes no file format; leave it out."]
        );
        assert_eq!(
            messages(ImageRequest { quality: Some(Quality::Hd), ..request("a fox") }, &GPT_IMAGE_1),
            ["gpt-image-1 has no quality \"hd\"; choose one of auto, low, medium, high."]
        );
        assert_eq!(
            messages(ImageRequest { output_format: Some(OutputFormat::Webp), ..request("a fox") }, &GPT_IMAGE_1),
            ["gpt-image-1 has no file format \"webp\"; choose one of png, jpeg."]
        );
    }

    #[test]
    fn compression_and_transparency_follow_the_file_format() {
        let jpeg = |compression| ImageRequest {
            output_format: Some(OutputFormat::Jpeg),
            output_compression: Some(compression),
            ..request("a fox")
        };
        assert!(jpeg(80).validate(&GPT_IMAGE_1).is_ok());
        assert_eq!(problems(jpeg(101), &GPT_IMAGE_1), [RequestError::CompressionOutOfRange { value: 101 }]);
        assert_eq!(
            problems(ImageRequest { output_compression: Some(50), ..request("a fox") }, &GPT_IMAGE_1),
            [RequestError::CompressionNeedsJpeg],
            "the default format is PNG"
        );
        assert_eq!(
            messages(ImageRequest { output_compression: Some(50), ..request("a fox") }, &DALL_E_3),
            ["dall-e-3 takes no compression; leave it out."]
        );
        let transparent = |format| ImageRequest {
            background: Some(Background::Transparent),
            output_format: Some(format),
            ..request("a fox")
        };
        assert!(transparent(OutputFormat::Png).validate(&GPT_IMAGE_1).is_ok());
        assert_eq!(problems(transparent(OutputFormat::Jpeg), &GPT_IMAGE_1), [RequestError::TransparencyNeedsPng]);
        assert_eq!(
            messages(transparent(OutputFormat::Png), &GPT_IMAGE_2),
            ["gpt-image-2 has no background \"transparent\"; choose one of auto, opaque."]
        );
    }

    #[test]
    fn text_that_is_not_a_number_is_explained_for_its_field() {
        let problem = |field| RequestError::NotANumber { field };
        assert_eq!(problem(Field::Width).to_string(), "Width must be a whole number of pixels, like 1536.");
        assert_eq!(problem(Field::Height).field(), Field::Height);
        assert_eq!(problem(Field::Height).field().wire_name(), "size");
        assert_eq!(
            problem(Field::OutputCompression).to_string(),
            "Compression must be a whole number from 0 to 100, like 80."
        );
        assert!(OutputFormat::Jpeg.takes_compression() && !OutputFormat::Png.takes_compression());
    }

    #[test]
    fn prompt_must_have_words_and_fit_the_model() {
        assert_eq!(problems(request("  \n "), &DALL_E_3), [RequestError::EmptyPrompt]);
        assert_eq!(
            problems(request(&"a".repeat(4001)), &DALL_E_3),
            [RequestError::PromptTooLong { chars: 4001, max: 4000 }]
        );
        assert!(request(&"é".repeat(4000)).validate(&DALL_E_3).is_ok(), "the limit counts characters, not bytes");
        assert_eq!(
            problems(request(&"a".repeat(1001)), &DALL_E_2),
            [RequestError::PromptTooLong { chars: 1001, max: 1000 }]
        );
        assert!(request(&"a".repeat(32_000)).validate(&GPT_IMAGE_2).is_ok());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let refused = problems(ImageRequest { size: Some(Size::exact(1, 1)), n: Some(3), ..request("") }, &DALL_E_3);
        let fields: Vec<_> = refused.iter().map(RequestError::field).collect();
        assert_eq!(fields, [Field::Prompt, Field::Size, Field::N]);
    }

    #[test]
    fn sizes_and_wire_values_parse_strictly_with_the_value_named() {
        for bad in ["big", "1024", "1024x", "x1024", "0x1024", "+1024x1024", "1024X1024"] {
            assert!(bad.parse::<Size>().is_err(), "{bad}");
        }
        let error = serde_json::from_str::<ImageRequest>(r#"{"prompt":"x","size":"big"}"#).unwrap_err();
        assert!(error.to_string().contains("\"big\" is not a size"), "{error}");
        assert!(serde_json::from_str::<ImageRequest>(r#"{"prompt":"x","quality":"ultra"}"#).is_err());
        assert_eq!(<Quality as crate::wire::WireValue>::from_wire("hd"), Some(Quality::Hd));
        assert_eq!(serde_json::to_string(&ResponseFormat::B64Json).unwrap(), r#""b64_json""#);
        assert_eq!(OutputFormat::Jpeg.mime(), "image/jpeg");
    }

    #[test]
    fn a_run_of_k_dall_e_3_images_is_k_requests_of_one() {
        let plan = request("a fox").plan(&DALL_E_3, 4).unwrap();
        assert_eq!(plan.requests.len(), 4);
        assert!(plan.requests.iter().all(|r| r.to_json() == r#"{"prompt":"a fox","n":1}"#));
        assert_eq!(plan.estimate, Estimate::Exact(Cost::micro_usd(160_000)));
    }

    #[test]
    fn other_models_batch_up_to_their_limit() {
        let plan = request("a fox").plan(&GPT_IMAGE_1, 10).unwrap();
        assert_eq!(plan.requests.iter().map(ValidRequest::image_count).collect::<Vec<_>>(), [10]);
        let plan = request("a fox").plan(&DALL_E_2, 7).unwrap();
        assert_eq!(plan.requests.iter().map(ValidRequest::image_count).collect::<Vec<_>>(), [7]);
        assert_eq!(plan.estimate, Estimate::Unknown);
    }

    #[test]
    fn a_run_is_1_to_10_images_and_still_reports_the_requests_problems() {
        assert_eq!(problems_of_plan(request("a fox"), 0), [RequestError::RunSizeOutOfRange { images: 0 }]);
        assert_eq!(
            problems_of_plan(request(""), 11),
            [RequestError::RunSizeOutOfRange { images: 11 }, RequestError::EmptyPrompt]
        );
    }

    fn problems_of_plan(request: ImageRequest, images: u8) -> Vec<RequestError> {
        request.plan(&DALL_E_3, images).expect_err("should be refused")
    }

    #[test]
    fn the_v1_path_carries_the_deployment_in_the_body() {
        let valid = request("a fox").validate(&GPT_IMAGE_2).unwrap().with_model_field("my-images");
        assert_eq!(valid.to_json(), r#"{"model":"my-images","prompt":"a fox"}"#);
    }
}
