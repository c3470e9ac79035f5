//! `POST .../images/edits`: the images an edit starts from, the optional mask, and the options of
//! a generation plus `input_fidelity`, sent as `multipart/form-data`; and the validation that
//! alone builds a [`ValidEdit`], so nothing Azure would refuse for its files leaves the app.
//!
//! Sources (read 2026-12-03):
//! - Azure's how-to (learn.microsoft.com/azure/foundry/openai/how-to/dall-e, 2026-04): the
//!   deployments URL with `api-version=2025-04-01-preview`, the only dated version with edits;
//!   input images "must be a PNG or JPG file" and "less than 50 MB"; the mask is a PNG whose
//!   "fully transparent pixels (alpha of zero)" mark where to edit, of "the same dimensions as
//!   the input image"; "DALL-E models don't support the Image Edit API"; input fidelity "is not
//!   supported by the `gpt-image-1-mini` model".
//! - Azure's preview reference (`latest-inference-preview.md`, 2026-05): the mask is "less than
//!   4MB" and "applied to the first image"; the prompt is at most 32,000 characters; `n` 1 to 10.
//! - openai-python `types/image_edit_params.py`: "up to 16 images"; `input_fidelity` "only
//!   supported for `gpt-image-1` and `gpt-image-1.5`"; one file is sent as `image`, several as
//!   repeated `image[]` parts (`resources/images.py`, `_utils.py`'s "brackets" array format).
//!   OpenAI refuses `input_fidelity` on gpt-image-2 (`invalid_input_fidelity_model`, captured in
//!   public issue reports), so Easel sends it only where the model profile says so.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::endpoint::ApiPath;
use crate::image_file::{ImageFile, NotAnImage};
use crate::model::ModelProfile;
use crate::request::{Field, ImageRequest, RequestError, ValidRequest};
use crate::wire::{Dimensions, OutputFormat};

/// The most images one edit may start from.
pub const MAX_EDIT_IMAGES: usize = 16;

/// Every input image must be smaller than this many bytes (50 MB).
pub const MAX_EDIT_IMAGE_BYTES: u64 = 50 * 1024 * 1024;

/// The mask must be smaller than this many bytes (4 MB).
pub const MAX_MASK_BYTES: u64 = 4 * 1024 * 1024;

/// The multipart field of the input image when there is one.
pub const IMAGE_FIELD: &str = "image";

/// The multipart field of each input image when there are several, as the official SDKs send
/// them (and as Azure's own curl example does).
pub const IMAGES_FIELD: &str = "image[]";

/// The multipart field of the mask.
pub const MASK_FIELD: &str = "mask";

/// The first api-version that serves edits on the deployments path: older ones answer 404
/// (Azure's api-version lifecycle page: "Changes between 2025-04-01-preview and
/// 2025-03-01-preview: GPT-image-1 support"; reports of 404 at 2024-02-01 and 2025-03-01-preview).
pub const EDITS_API_VERSION: &str = "2025-04-01-preview";

/// Whether the deployments path serves edits at `api_version` (a checked one): from
/// [`EDITS_API_VERSION`] on, by its date.
pub fn serves_edits(api_version: &str) -> bool {
    api_version.get(..10).is_some_and(|date| date >= &EDITS_API_VERSION[..10])
}

/// Why an edit's text fields could not be read as an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableField {
    /// The field.
    pub field: String,
    /// Why.
    pub why: String,
}

impl fmt::Display for UnreadableField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' {}", self.field, self.why)
    }
}

/// How closely an edit keeps to the input images' details (faces, logos), at the price of more
/// input tokens: `high` or `low` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFidelity {
    /// Keep the details: more input image tokens.
    High,
    /// The API's default.
    Low,
}

impl InputFidelity {
    /// The value as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFidelity::High => "high",
            InputFidelity::Low => "low",
        }
    }
}

/// An edit as the user asked for it: the generation options and the input fidelity. The files
/// are checked beside it, by what [`ImageFile::read`] found in them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EditRequest {
    /// The prompt and the options an edit shares with a generation.
    pub options: ImageRequest,
    /// How closely to keep the inputs' details, for models that take it.
    pub input_fidelity: Option<InputFidelity>,
}

/// An edit that has passed every rule of its model and of its files: the only kind that can be
/// sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEdit {
    request: ValidRequest,
    input_fidelity: Option<InputFidelity>,
    images: usize,
    masked: bool,
}

/// Why an edit cannot be sent, one variant per rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// The model takes no edits (DALL-E).
    NoEdits {
        /// The model.
        model: &'static str,
    },
    /// No image to start from.
    NoImage,
    /// More images than an edit takes.
    TooManyImages {
        /// How many were given.
        count: usize,
    },
    /// An input image (1-based place) that is not a PNG or JPEG.
    NotAnImage {
        /// Its place among the images, from 1.
        place: usize,
        /// What it is instead.
        why: NotAnImage,
    },
    /// An input image (1-based place) of 50 MB or more.
    ImageTooLarge {
        /// Its place among the images, from 1.
        place: usize,
        /// Its size in bytes.
        bytes: u64,
    },
    /// The mask is not a PNG.
    MaskNotPng,
    /// The mask has no alpha channel, so it marks nothing to change.
    MaskWithoutAlpha,
    /// The mask is 4 MB or more.
    MaskTooLarge {
        /// Its size in bytes.
        bytes: u64,
    },
    /// The mask and the first image differ in size.
    MaskSizeDiffers {
        /// The mask's size.
        mask: Dimensions,
        /// The first image's size.
        image: Dimensions,
    },
    /// `input_fidelity` for a model that does not take it.
    NoInputFidelity {
        /// The model.
        model: &'static str,
    },
    /// A problem of the prompt or of an option, as for a generation.
    Request(RequestError),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::NoEdits { model } => {
                write!(f, "{model} cannot edit images on Azure: choose a gpt-image model to edit.")
            }
            EditError::NoImage => f.write_str("Add an image to edit: drop, paste or pick one, or start from a result."),
            EditError::TooManyImages { count } => {
                write!(
                    f,
                    "An edit takes at most {MAX_EDIT_IMAGES} images, not {count}: remove {}.",
                    count - MAX_EDIT_IMAGES
                )
            }
            EditError::NotAnImage { place, why } => write!(f, "Image {place} cannot be sent: {why}."),
            EditError::ImageTooLarge { place, bytes } => write!(
                f,
                "Image {place} is {}; Azure takes images under {}.",
                megabytes(*bytes),
                megabytes(MAX_EDIT_IMAGE_BYTES)
            ),
            EditError::MaskNotPng => f.write_str("The mask must be a PNG with an alpha channel."),
            EditError::MaskWithoutAlpha => {
                f.write_str("The mask has no alpha channel, so it marks nothing to change: paint on it, or remove it.")
            }
            EditError::MaskTooLarge { bytes } => {
                write!(f, "The mask is {}; Azure takes masks under {}.", megabytes(*bytes), megabytes(MAX_MASK_BYTES))
            }
            EditError::MaskSizeDiffers { mask, image } => write!(
                f,
                "The mask is {}x{} and the first image {}x{}: they must be the same size.",
                mask.width, mask.height, image.width, image.height
            ),
            EditError::NoInputFidelity { model } => write!(f, "{model} takes no input fidelity setting."),
            EditError::Request(problem) => problem.fmt(f),
        }
    }
}

impl std::error::Error for EditError {}

/// A field's value as multipart text, when it has one.
fn text<T: ToString>(value: Option<T>) -> Option<String> {
    value.map(|value| value.to_string())
}

/// `bytes` in megabytes, as a person reads a file's size.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

impl EditRequest {
    /// The edit the text fields of a multipart body ask for, and the `model` field (the v1 path's
    /// deployment) if there is one: the reverse of [`ValidEdit::text_fields`]. Unknown fields are
    /// passed over, as the JSON body's are.
    pub fn from_text_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(EditRequest, Option<String>), UnreadableField> {
        let unreadable =
            |field: &str, why: &dyn fmt::Display| UnreadableField { field: field.into(), why: why.to_string() };
        let mut body = serde_json::Map::new();
        let (mut model, mut input_fidelity) = (None, None);
        for (name, text) in fields {
            let value = match name {
                "model" => {
                    model = Some(text.to_owned());
                    continue;
                }
                "input_fidelity" => {
                    let read = serde_json::from_value(serde_json::Value::String(text.into()));
                    input_fidelity = Some(read.map_err(|error| unreadable(name, &error))?);
                    continue;
                }
                "n" | "output_compression" => {
                    let number: u8 = text.trim().parse().map_err(|_| unreadable(name, &"must be a whole number"))?;
                    serde_json::Value::from(number)
                }
                _ => serde_json::Value::String(text.to_owned()),
            };
            body.insert(name.to_owned(), value);
        }
        let options =
            serde_json::from_value(serde_json::Value::Object(body)).map_err(|error| unreadable("body", &error))?;
        Ok((EditRequest { options, input_fidelity }, model))
    }

    /// Checks the edit for `model`, starting from `images` (in order: the mask applies to the
    /// first) and `mask`, each as read from its bytes; every problem is reported at once.
    pub fn validate(
        self,
        model: &'static ModelProfile,
        images: &[Result<ImageFile, NotAnImage>],
        mask: Option<&Result<ImageFile, NotAnImage>>,
    ) -> Result<ValidEdit, Vec<EditError>> {
        if !model.takes_edits {
            return Err(vec![EditError::NoEdits { model: model.name }]);
        }
        let mut problems = Vec::new();
        match images.len() {
            0 => problems.push(EditError::NoImage),
            count if count > MAX_EDIT_IMAGES => problems.push(EditError::TooManyImages { count }),
            _ => {}
        }
        for (place, image) in images.iter().enumerate().map(|(at, image)| (at + 1, image)) {
            match image {
                Err(why) => problems.push(EditError::NotAnImage { place, why: *why }),
                Ok(file) if file.bytes >= MAX_EDIT_IMAGE_BYTES => {
                    problems.push(EditError::ImageTooLarge { place, bytes: file.bytes });
                }
                Ok(_) => {}
            }
        }
        if let Some(mask) = mask {
            match mask {
                Ok(file) if file.format != OutputFormat::Png => problems.push(EditError::MaskNotPng),
                Err(_) => problems.push(EditError::MaskNotPng),
                Ok(file) => {
                    if !file.has_alpha {
                        problems.push(EditError::MaskWithoutAlpha);
                    }
                    if file.bytes >= MAX_MASK_BYTES {
                        problems.push(EditError::MaskTooLarge { bytes: file.bytes });
                    }
                    if let Some(Ok(first)) = images.first() {
                        if first.dimensions != file.dimensions {
                            problems
                                .push(EditError::MaskSizeDiffers { mask: file.dimensions, image: first.dimensions });
                        }
                    }
                }
            }
        }
        if self.input_fidelity.is_some() && !model.takes_input_fidelity {
            problems.push(EditError::NoInputFidelity { model: model.name });
        }
        let request = self.options.validate(model).map_err(|more| {
            problems.extend(more.into_iter().map(EditError::Request));
        });
        match request {
            Ok(request) if problems.is_empty() => Ok(ValidEdit {
                request,
                input_fidelity: self.input_fidelity,
                images: images.len(),
                masked: mask.is_some(),
            }),
            _ => Err(problems),
        }
    }
}

impl ValidEdit {
    /// The options as validated.
    pub fn request(&self) -> &ValidRequest {
        &self.request
    }

    /// How closely to keep the inputs' details, when asked.
    pub fn input_fidelity(&self) -> Option<InputFidelity> {
        self.input_fidelity
    }

    /// Whether a mask goes with it.
    pub fn is_masked(&self) -> bool {
        self.masked
    }

    /// The multipart field each input image goes in: `image` for one, `image[]` for several.
    pub fn image_field(&self) -> &'static str {
        if self.images == 1 {
            IMAGE_FIELD
        } else {
            IMAGES_FIELD
        }
    }

    /// The text fields of the multipart body, in the API's spelling and the order of a
    /// generation's JSON. On the v1 path the deployment goes as `model`; on the deployments
    /// path it is in the URL, and no `model` is sent (a deployment's own name is not a model
    /// name Azure validates there).
    pub fn text_fields(&self, path: ApiPath, deployment: &str) -> Vec<(&'static str, String)> {
        let body = self.request.body();
        let fields = [
            ("model", (path == ApiPath::V1).then(|| deployment.to_owned())),
            (Field::Prompt.wire_name(), Some(body.prompt.clone())),
            (Field::Size.wire_name(), text(body.size)),
            (Field::N.wire_name(), text(body.n)),
            (Field::Quality.wire_name(), text(body.quality)),
            (Field::OutputFormat.wire_name(), text(body.output_format)),
            (Field::OutputCompression.wire_name(), text(body.output_compression)),
            (Field::Background.wire_name(), text(body.background)),
            ("input_fidelity", self.input_fidelity.map(|fidelity| fidelity.as_str().to_owned())),
        ];
        fields.into_iter().filter_map(|(name, value)| Some((name, value?))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DALL_E_3, GPT_IMAGE_1, GPT_IMAGE_1_MINI, GPT_IMAGE_2};
    use crate::wire::{Quality, Size};

    fn file(
        format: OutputFormat,
        width: u32,
        height: u32,
        has_alpha: bool,
        bytes: u64,
    ) -> Result<ImageFile, NotAnImage> {
        Ok(ImageFile { format, dimensions: Dimensions { width, height }, has_alpha, bytes })
    }

    fn photo() -> Result<ImageFile, NotAnImage> {
        file(OutputFormat::Jpeg, 1536, 1024, false, 2_000_000)
    }

    fn mask() -> Result<ImageFile, NotAnImage> {
        file(OutputFormat::Png, 1536, 1024, true, 40_000)
    }

    fn edit(prompt: &str) -> EditRequest {
        EditRequest { options: ImageRequest { prompt: prompt.into(), ..Default::default() }, input_fidelity: None }
    }

    #[test]
    fn an_edit_of_one_image_with_a_mask_is_sent_as_azure_documents_it() {
        let request = EditRequest {
            options: ImageRequest {
                prompt: "a red kite in the sky".into(),
                size: Some(Size::exact(1536, 1024)),
                quality: Some(Quality::High),
                ..Default::default()
            },
            input_fidelity: Some(InputFidelity::High),
        };
        let valid = request.validate(&GPT_IMAGE_1, &[photo()], Some(&mask())).unwrap();
        assert_eq!((valid.image_field(), valid.is_masked()), ("image", true));
        assert_eq!(
            valid.text_fields(ApiPath::Deployments, "my-images"),
            [
                ("prompt", "a red kite in the sky".to_owned()),
                ("size", "1536x1024".into()),
                ("quality", "high".into()),
                ("input_fidelity", "high".into()),
            ]
        );
        let several = edit("a collage").validate(&GPT_IMAGE_2, &[photo(), photo()], None).unwrap();
        assert_eq!(several.image_field(), "image[]");
        assert_eq!(several.text_fields(ApiPath::V1, "my-images")[0], ("model", "my-images".into()));
    }

    #[test]
    fn the_text_fields_read_back_as_the_edit_they_came_from() {
        let asked = EditRequest {
            options: ImageRequest {
                prompt: "a kite, 1536 wide".into(),
                size: Some(Size::exact(1536, 1024)),
                n: Some(2),
                output_format: Some(OutputFormat::Jpeg),
                output_compression: Some(70),
                ..Default::default()
            },
            input_fidelity: Some(InputFidelity::Low),
        };
        let valid = asked.clone().validate(&GPT_IMAGE_1, &[photo()], None).unwrap();
        let fields = valid.text_fields(ApiPath::V1, "my-images");
        let read = EditRequest::from_text_fields(fields.iter().map(|(name, text)| (*name, text.as_str()))).unwrap();
        assert_eq!(read, (asked, Some("my-images".to_owned())));

        let bad = EditRequest::from_text_fields([("prompt", "x"), ("n", "two")]).unwrap_err();
        assert_eq!(bad.to_string(), "'n' must be a whole number");
        assert!(EditRequest::from_text_fields([("prompt", "x"), ("input_fidelity", "max")]).is_err());
        assert!(EditRequest::from_text_fields([("size", "1024x1024")]).is_err(), "no prompt");
    }

    #[test]
    fn edits_are_served_from_the_first_api_version_that_has_them() {
        assert!(serves_edits("2025-04-01-preview") && serves_edits("2025-09-01-preview"));
        assert!(!serves_edits("2025-03-01-preview") && !serves_edits("2024-02-01") && !serves_edits("preview"));
    }

    #[test]
    fn dall_e_takes_no_edits_and_says_so_before_anything_else() {
        assert_eq!(edit("").validate(&DALL_E_3, &[], None), Err(vec![EditError::NoEdits { model: "dall-e-3" }]));
        assert_eq!(
            EditError::NoEdits { model: "dall-e-3" }.to_string(),
            "dall-e-3 cannot edit images on Azure: choose a gpt-image model to edit."
        );
    }

    #[test]
    fn every_problem_of_the_files_is_found_at_once() {
        let seventeen: Vec<_> = (0..17).map(|_| photo()).collect();
        let problems = edit("x").validate(&GPT_IMAGE_1, &seventeen, None).unwrap_err();
        assert_eq!(problems, [EditError::TooManyImages { count: 17 }]);
        assert_eq!(problems[0].to_string(), "An edit takes at most 16 images, not 17: remove 1.");

        let huge = file(OutputFormat::Png, 4000, 3000, false, MAX_EDIT_IMAGE_BYTES);
        let small_mask = file(OutputFormat::Png, 1024, 1024, false, MAX_MASK_BYTES);
        let problems = edit("").validate(&GPT_IMAGE_1, &[huge, Err(NotAnImage::Webp)], Some(&small_mask)).unwrap_err();
        assert_eq!(
            problems,
            [
                EditError::ImageTooLarge { place: 1, bytes: MAX_EDIT_IMAGE_BYTES },
                EditError::NotAnImage { place: 2, why: NotAnImage::Webp },
                EditError::MaskWithoutAlpha,
                EditError::MaskTooLarge { bytes: MAX_MASK_BYTES },
                EditError::MaskSizeDiffers {
                    mask: Dimensions { width: 1024, height: 1024 },
                    image: Dimensions { width: 4000, height: 3000 }
                },
                EditError::Request(RequestError::EmptyPrompt),
            ]
        );
        let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(said[0], "Image 1 is 50.0 MB; Azure takes images under 50.0 MB.");
        assert_eq!(said[1], "Image 2 cannot be sent: it is a WebP image, and Azure edits take PNG and JPEG only.");
        assert_eq!(said[4], "The mask is 1024x1024 and the first image 4000x3000: they must be the same size.");
        assert_eq!(problems[5].clone(), EditError::Request(RequestError::EmptyPrompt));
        assert!(matches!(&problems[5], EditError::Request(problem) if problem.field() == Field::Prompt));

        let jpeg_mask = file(OutputFormat::Jpeg, 1536, 1024, false, 1000);
        assert_eq!(edit("x").validate(&GPT_IMAGE_1, &[photo()], Some(&jpeg_mask)), Err(vec![EditError::MaskNotPng]));
        assert_eq!(edit("x").validate(&GPT_IMAGE_1, &[], None), Err(vec![EditError::NoImage]));
    }

    #[test]
    fn input_fidelity_goes_only_to_the_models_that_take_it() {
        let high = |model| {
            EditRequest { input_fidelity: Some(InputFidelity::High), ..edit("x") }.validate(model, &[photo()], None)
        };
        assert!(high(&GPT_IMAGE_1).is_ok());
        assert_eq!(high(&GPT_IMAGE_2), Err(vec![EditError::NoInputFidelity { model: "gpt-image-2" }]));
        assert_eq!(high(&GPT_IMAGE_1_MINI), Err(vec![EditError::NoInputFidelity { model: "gpt-image-1-mini" }]));
    }
}
