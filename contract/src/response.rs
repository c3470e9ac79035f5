//! The body of a successful image generation answer.

use serde::{Deserialize, Serialize};

use crate::content_filter::FilterResults;
use crate::failure::Failure;
use crate::price::{Cost, Estimate};
use crate::request::{Field, ValidRequest};
use crate::wire::{Background, OutputFormat, Quality, Size, Wire};

/// How long the service's image links (`response_format: url`) work after the image was made:
/// 24 hours on Azure.
pub const LINK_LIFETIME: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// `{"created": ..., "data": [...]}`: what the service answers when it made the images. Fields
/// Easel does not know are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImagesResponse {
    /// When the images were made, in seconds since the Unix epoch.
    pub created: i64,
    /// One entry per image.
    pub data: Vec<GeneratedImage>,
    /// Tokens billed (gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// The background the service used (gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Wire<Background>>,
    /// The file format the service used (gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<Wire<OutputFormat>>,
    /// The quality the service used (gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Wire<Quality>>,
    /// The size the service made (gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Wire<Size>>,
}

impl ImagesResponse {
    /// Reads a successful call's body: an answer with at least one image, each with a link or
    /// data. Anything else is a [`Failure::UnexpectedAnswer`]. The body is read as the bytes that
    /// came: a `b64_json` answer is megabytes, and checking it as text first would read it twice.
    pub fn read(status: u16, body: &[u8]) -> Result<ImagesResponse, Failure> {
        serde_json::from_slice::<ImagesResponse>(body)
            .ok()
            .filter(|answer| !answer.data.is_empty() && answer.data.iter().all(|image| image.source().is_some()))
            .ok_or(Failure::UnexpectedAnswer { status })
    }

    /// What the call cost: the billed output tokens of a gpt-image answer, or the price of the
    /// images made for a model priced per image; `None` when Easel has no price for it.
    pub fn cost(&self, asked: &ValidRequest) -> Option<Cost> {
        let price = asked.model().price;
        match self.usage {
            Some(usage) => price.cost_of_usage(usage.output_tokens),
            None => match price.estimate(asked.size(), asked.quality(), self.data.len() as u32) {
                Estimate::Exact(cost) => Some(cost),
                Estimate::AtMost(_) | Estimate::Unknown => None,
            },
        }
    }

    /// The parameters the service reports using (gpt-image), each beside the value asked for:
    /// one entry per parameter in the answer, in the order size, quality, output format,
    /// background. A DALL-E answer reports none.
    pub fn reported(&self, asked: &ValidRequest) -> Vec<Reported> {
        // A model without a choice of background leaves it to the service, which is what auto asks.
        let background = asked.background().unwrap_or(Background::Auto);
        [
            (Field::Size, self.size.as_ref().map(ToString::to_string), asked.size().to_string()),
            (Field::Quality, self.quality.as_ref().map(ToString::to_string), asked.quality().to_string()),
            (
                Field::OutputFormat,
                self.output_format.as_ref().map(ToString::to_string),
                asked.output_format().to_string(),
            ),
            (Field::Background, self.background.as_ref().map(ToString::to_string), background.to_string()),
        ]
        .into_iter()
        .filter_map(|(field, reported, asked)| Some(Reported { field, asked, reported: reported? }))
        .collect()
    }
}

/// A parameter as asked for and as the service reports using it, both as the API spells them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// The parameter.
    pub field: Field,
    /// The value asked for, or the model's default when none was.
    pub asked: String,
    /// The value the service used.
    pub reported: String,
}

impl Reported {
    /// Whether the service used something other than what was asked. Never after `auto`: the
    /// service's choice is then what was asked for, worth showing but not a difference.
    pub fn differs(&self) -> bool {
        self.asked != "auto" && self.asked != self.reported
    }
}

/// One image in an answer: a link or the bytes, the prompt the model actually used, and what
/// the content filters found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GeneratedImage {
    /// A link to the image, valid for 24 hours (`response_format: url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The image's bytes in base64 (`response_format: b64_json`, and always for gpt-image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b64_json: Option<String>,
    /// The prompt after the service rewrote it, as DALL-E 3 always does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
    /// What the filters found in the prompt (Azure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_filter_results: Option<FilterResults>,
    /// What the filters found in the image (Azure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_filter_results: Option<FilterResults>,
}

/// Tokens a gpt-image answer was billed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens of the prompt (and input images).
    #[serde(default)]
    pub input_tokens: u64,
    /// Tokens of the images made: what the price is for.
    #[serde(default)]
    pub output_tokens: u64,
    /// Both together.
    #[serde(default)]
    pub total_tokens: u64,
    /// The input tokens by kind: an edit's input images are billed as image tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens_details: Option<InputTokens>,
}

/// `usage.input_tokens_details`: the input tokens of the prompt, and of an edit's images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InputTokens {
    /// Tokens of the prompt.
    #[serde(default)]
    pub text_tokens: u64,
    /// Tokens of the input images.
    #[serde(default)]
    pub image_tokens: u64,
}

/// Where an image's pixels are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSource<'a> {
    /// At this URL.
    Url(&'a str),
    /// In this base64 text.
    Base64(&'a str),
}

impl GeneratedImage {
    /// Where the pixels are; `None` for an entry with neither a link nor data.
    pub fn source(&self) -> Option<ImageSource<'_>> {
        match (&self.b64_json, &self.url) {
            (Some(data), _) => Some(ImageSource::Base64(data)),
            (None, Some(url)) => Some(ImageSource::Url(url)),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DALL_E_3, GPT_IMAGE_1};
    use crate::request::ImageRequest;
    use crate::wire::{OutputFormat, Quality, Size};

    #[test]
    fn a_calls_cost_is_its_billed_tokens_or_the_price_of_the_images_made() {
        let gpt =
            ImageRequest { prompt: "a fox".into(), n: Some(2), ..Default::default() }.validate(&GPT_IMAGE_1).unwrap();
        let billed = ImagesResponse {
            usage: Some(Usage { input_tokens: 5, output_tokens: 2_112, total_tokens: 2_117, ..Default::default() }),
            ..Default::default()
        };
        assert_eq!(billed.cost(&gpt), Some(Cost::micro_usd(84_480)), "2,112 tokens at $40 per million");
        assert_eq!(ImagesResponse::default().cost(&gpt), None, "no usage and no per-image price");

        let dalle = ImageRequest { prompt: "a fox".into(), ..Default::default() }.validate(&DALL_E_3).unwrap();
        let one_image = ImagesResponse { data: vec![GeneratedImage::default()], ..Default::default() };
        assert_eq!(one_image.cost(&dalle), Some(Cost::micro_usd(40_000)));
    }

    #[test]
    fn parses_the_seed_documents_answer() {
        let answer: ImagesResponse = serde_json::from_str(
            r#"{"created":1698116662,"data":[{"url":"https://x/img.png","revised_prompt":"A red fox"}]}"#,
        )
        .unwrap();
        assert_eq!(answer.created, 1698116662);
        assert_eq!(answer.data[0].source(), Some(ImageSource::Url("https://x/img.png")));
        assert_eq!(answer.data[0].revised_prompt.as_deref(), Some("A red fox"));
        assert_eq!(answer.usage, None);
    }

    #[test]
    fn parses_azures_filter_results_and_ignores_unknown_fields() {
        let answer: ImagesResponse = serde_json::from_str(
            r#"{"created":1698342300,"future_field":{"x":1},"data":[{"url":"https://dalleproduse.blob.core.windows.net/private/images/u/generated_00.png?se=1&sig=2",
                "revised_prompt":"...",
                "prompt_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"detected":false,"filtered":false},
                    "custom_blocklists":[{"id":"b","filtered":false}]},
                "content_filter_results":{"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,"severity":"medium"}}}]}"#,
        )
        .unwrap();
        let image = &answer.data[0];
        let prompt = image.prompt_filter_results.as_ref().unwrap();
        assert_eq!(
            prompt.0["jailbreak"],
            crate::content_filter::CategoryResult { filtered: false, severity: None, detected: Some(false) }
        );
        assert!(!prompt.0.contains_key("custom_blocklists"), "entries of another shape are skipped");
        assert_eq!(image.content_filter_results.as_ref().unwrap().triggered(), ["violence"]);
    }

    #[test]
    fn parses_gpt_image_usage_and_the_parameters_it_reports() {
        let answer: ImagesResponse = serde_json::from_str(
            r#"{"created":1,"background":"opaque","output_format":"png","quality":"medium","size":"1024x1024",
                "data":[{"b64_json":"iVBO"}],"usage":{"input_tokens":12,"output_tokens":1056,"total_tokens":1068,
                "input_tokens_details":{"text_tokens":12}}}"#,
        )
        .unwrap();
        assert_eq!(
            answer.usage,
            Some(Usage {
                input_tokens: 12,
                output_tokens: 1056,
                total_tokens: 1068,
                input_tokens_details: Some(InputTokens { text_tokens: 12, image_tokens: 0 })
            })
        );
        assert_eq!(
            (answer.quality, answer.size),
            (Some(Wire::Known(Quality::Medium)), Some(Wire::Known(Size::exact(1024, 1024))))
        );
        assert_eq!(answer.data[0].source(), Some(ImageSource::Base64("iVBO")));
    }

    #[test]
    fn a_value_the_service_added_since_is_read_and_shown_as_it_spells_it() {
        let answer =
            ImagesResponse::read(200, br#"{"created":1,"quality":"ultra","data":[{"b64_json":"iVBO"}]}"#).unwrap();
        assert_eq!(answer.quality, Some(Wire::Added("ultra".into())));
        let gpt = ImageRequest { prompt: "a fox".into(), ..Default::default() }.validate(&GPT_IMAGE_1).unwrap();
        assert_eq!(answer.reported(&gpt), [reported(Field::Quality, "auto", "ultra")]);
        assert_eq!(serde_json::to_value(&answer).unwrap()["quality"], "ultra", "written back as it came");
    }

    fn gpt_image_answer(size: &str, quality: &str, output_format: &str, background: &str) -> ImagesResponse {
        ImagesResponse {
            created: 1,
            data: vec![GeneratedImage { b64_json: Some("iVBO".into()), ..Default::default() }],
            size: Some(size.into()),
            quality: Some(quality.into()),
            output_format: Some(output_format.into()),
            background: Some(background.into()),
            ..Default::default()
        }
    }

    fn reported(field: Field, asked: &str, reported: &str) -> Reported {
        Reported { field, asked: asked.into(), reported: reported.into() }
    }

    #[test]
    fn an_answer_that_echoes_what_was_asked_differs_in_nothing() {
        let asked = ImageRequest {
            prompt: "a fox".into(),
            size: Some(Size::exact(1024, 1024)),
            quality: Some(Quality::High),
            output_format: Some(OutputFormat::Jpeg),
            background: Some(Background::Opaque),
            ..Default::default()
        }
        .validate(&GPT_IMAGE_1)
        .unwrap();
        let echoed = gpt_image_answer("1024x1024", "high", "jpeg", "opaque").reported(&asked);
        assert_eq!(
            echoed,
            [
                reported(Field::Size, "1024x1024", "1024x1024"),
                reported(Field::Quality, "high", "high"),
                reported(Field::OutputFormat, "jpeg", "jpeg"),
                reported(Field::Background, "opaque", "opaque"),
            ]
        );
        assert!(!echoed.iter().any(Reported::differs));
    }

    #[test]
    fn what_the_service_chose_for_auto_is_listed_and_anything_else_is_a_difference() {
        let asked = ImageRequest { prompt: "a fox".into(), quality: Some(Quality::High), ..Default::default() }
            .validate(&GPT_IMAGE_1)
            .unwrap();
        let answer = gpt_image_answer("1024x1536", "medium", "png", "opaque").reported(&asked);
        let differs: Vec<_> = answer.iter().map(|entry| (entry.field, entry.differs())).collect();
        assert_eq!(
            differs,
            [(Field::Size, false), (Field::Quality, true), (Field::OutputFormat, false), (Field::Background, false)]
        );
        assert_eq!(answer[0], reported(Field::Size, "auto", "1024x1536"));
        assert_eq!(answer[1], reported(Field::Quality, "high", "medium"));
    }

    #[test]
    fn only_the_parameters_in_the_answer_are_reported() {
        let dall_e_3 = ImageRequest { prompt: "a fox".into(), ..Default::default() }.validate(&DALL_E_3).unwrap();
        let answer = ImagesResponse::read(200, br#"{"created":1,"data":[{"url":"https://x/a.png"}]}"#).unwrap();
        assert_eq!(answer.reported(&dall_e_3), []);

        let gpt = ImageRequest { prompt: "a fox".into(), ..Default::default() }.validate(&GPT_IMAGE_1).unwrap();
        let answer = ImagesResponse {
            created: 1,
            data: vec![GeneratedImage { b64_json: Some("iVBO".into()), ..Default::default() }],
            quality: Some("low".into()),
            ..Default::default()
        };
        assert_eq!(answer.reported(&gpt), [reported(Field::Quality, "auto", "low")]);
    }

    #[test]
    fn an_answer_without_images_is_not_a_success() {
        assert!(ImagesResponse::read(200, br#"{"created":1,"data":[{"url":"https://x/a.png"}]}"#).is_ok());
        for body in [r#"{"created":1,"data":[]}"#, r#"{"created":1,"data":[{"revised_prompt":"x"}]}"#, "<html>", ""] {
            assert_eq!(
                ImagesResponse::read(200, body.as_bytes()),
                Err(Failure::UnexpectedAnswer { status: 200 }),
                "{body}"
            );
        }
    }

    #[test]
    fn absent_fields_stay_absent_when_written() {
        let image = GeneratedImage { b64_json: Some("iVBO".into()), ..Default::default() };
        assert_eq!(serde_json::to_string(&image).unwrap(), r#"{"b64_json":"iVBO"}"#);
        assert_eq!(GeneratedImage::default().source(), None);
        let answer = ImagesResponse { created: 5, data: vec![], ..Default::default() };
        assert_eq!(serde_json::to_string(&answer).unwrap(), r#"{"created":5,"data":[]}"#);
    }
}
