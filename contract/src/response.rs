//! The body of a successful image generation answer.

use serde::{Deserialize, Serialize};

/// `{"created": ..., "data": [...]}`: what the service answers when it made the images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagesResponse {
    /// When the images were made, in seconds since the Unix epoch.
    pub created: i64,
    /// One entry per image.
    pub data: Vec<GeneratedImage>,
}

/// One image in an answer: a link or the bytes, and the prompt the model actually used.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GeneratedImage {
    /// A link to the image, valid for 24 hours (`response_format: url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The image's bytes in base64 (`response_format: b64_json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b64_json: Option<String>,
    /// The prompt after the service rewrote it, as DALL-E 3 always does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
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

    #[test]
    fn parses_the_seed_documents_answer_and_ignores_unknown_fields() {
        let answer: ImagesResponse = serde_json::from_str(
            r#"{"created":1698116662,"data":[{"url":"https://x/img.png","revised_prompt":"A red fox",
                "content_filter_results":{"violence":{"filtered":false,"severity":"safe"}}}]}"#,
        )
        .unwrap();
        assert_eq!(answer.created, 1698116662);
        assert_eq!(
            answer.data[0].source(),
            Some(ImageSource::Url("https://x/img.png"))
        );
        assert_eq!(answer.data[0].revised_prompt.as_deref(), Some("A red fox"));
    }

    #[test]
    fn base64_answers_carry_data_and_absent_fields_stay_absent() {
        let image = GeneratedImage {
            b64_json: Some("iVBO".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&image).unwrap(),
            r#"{"b64_json":"iVBO"}"#
        );
        assert_eq!(image.source(), Some(ImageSource::Base64("iVBO")));
        assert_eq!(GeneratedImage::default().source(), None);
    }
}
