//! What the user has chosen in the studio's form, as a plain type: the view only reads and
//! writes it, and everything it means (the plan of requests, its problems) is derived here.

use std::str::FromStr;

use easel_contract::model::{ModelProfile, SizeRule};
use easel_contract::request::{
    Field, ImageRequest, Plan, RequestError, DEFAULT_OUTPUT_COMPRESSION, MAX_IMAGES_PER_RUN,
};
use easel_contract::wire::{Background, Dimensions, OutputFormat, Quality, ResponseFormat, Size, Style};
use serde::{Deserialize, Serialize};

/// What of the form this device keeps between visits, so that a reload or a closed tab loses
/// nothing the user chose or was writing. The form holds no key, so none is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptForm {
    /// The connection profile the model was chosen in, by name: the model belongs to it.
    pub profile: String,
    /// The model, as Azure names it.
    pub model: String,
    /// The prompt and the options chosen from lists, in the API's spelling.
    pub request: ImageRequest,
    /// The custom size, as typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_size: Option<TypedSize>,
    /// The compression, as typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// How many images the run makes.
    pub images: u8,
    /// How many calls may be in flight at once.
    pub at_once: u8,
}

/// The prompt and options, one field per control, for a model that is not held here: it is the
/// connection profile's (see [`crate::state::studio::Studio`]), and every method that needs it
/// is handed it. Options the model does not take are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioForm {
    /// What the image should show.
    pub prompt: String,
    /// The size chosen from the list, or `auto`. While a custom size is typed, this is not sent:
    /// it is what the custom size started from.
    pub size: Size,
    /// The custom size, while "Custom…" is chosen (models that take free sizes). It is kept as
    /// the text typed, beside `size` rather than in it: a `Size` holds only numbers, and
    /// half-typed or mistyped text must stay on screen to be explained, not be lost or guessed
    /// at. `plan` reads it into a size.
    pub custom_size: Option<TypedSize>,
    /// Detail level.
    pub quality: Quality,
    /// Look of the image, for models with styles.
    pub style: Option<Style>,
    /// Link or inline data, for models that offer the choice.
    pub response_format: Option<ResponseFormat>,
    /// Image file format, for models that offer the choice (gpt-image).
    pub output_format: Option<OutputFormat>,
    /// Compression as typed, for models that take it. It is sent only while the file format
    /// takes it, and kept meanwhile, so a trip to PNG and back loses nothing.
    pub compression: Option<String>,
    /// Background, for models that offer the choice (gpt-image).
    pub background: Option<Background>,
    /// How many images the run makes.
    pub images: u8,
    /// How many calls may be in flight at once.
    pub at_once: u8,
}

impl StudioForm {
    /// An empty prompt with the API's defaults for `model`.
    pub fn new(model: &'static ModelProfile) -> Self {
        StudioForm {
            prompt: String::new(),
            size: model.default_size(),
            custom_size: None,
            quality: model.default_quality(),
            style: model.default_style(),
            response_format: model.response_formats.first().copied(),
            output_format: model.default_output_format(),
            compression: model.takes_compression.then(|| DEFAULT_OUTPUT_COMPRESSION.to_string()),
            background: model.default_background(),
            images: 1,
            at_once: 4,
        }
    }

    /// Offers `model`'s options, at their defaults; the prompt and run settings are kept.
    pub fn use_model(&mut self, model: &'static ModelProfile) {
        *self = StudioForm {
            prompt: std::mem::take(&mut self.prompt),
            images: self.images,
            at_once: self.at_once,
            ..StudioForm::new(model)
        };
    }

    /// The form as it was for `request`, made with `model`: the prompt and every option the
    /// request names that `model` offers (others at their defaults). The run settings are kept.
    pub fn restore(&mut self, model: &'static ModelProfile, request: &ImageRequest) {
        self.use_model(model);
        self.prompt = request.prompt.clone();
        match request.size {
            Some(size) if model.offered_sizes().contains(&size) => self.choose_size(size),
            Some(Size::Exact(Dimensions { width, height })) if takes_custom_size(model) => {
                self.custom_size = Some(TypedSize { width: width.to_string(), height: height.to_string() });
            }
            _ => {}
        }
        self.quality = offered(request.quality, model.qualities).unwrap_or(self.quality);
        self.style = offered(request.style, model.styles).or(self.style);
        self.response_format = offered(request.response_format, model.response_formats).or(self.response_format);
        self.output_format = offered(request.output_format, model.output_formats).or(self.output_format);
        self.background = offered(request.background, model.backgrounds).or(self.background);
        if let (Some(compression), Some(_)) = (request.output_compression, &self.compression) {
            self.compression = Some(compression.to_string());
        }
    }

    /// What to keep of the form, for `model` chosen in the connection profile `profile`.
    pub fn kept(&self, profile: &str, model: &ModelProfile) -> KeptForm {
        KeptForm {
            profile: profile.to_owned(),
            model: model.name.to_owned(),
            request: ImageRequest {
                prompt: self.prompt.clone(),
                size: Some(self.size),
                quality: Some(self.quality),
                style: self.style,
                response_format: self.response_format,
                output_format: self.output_format,
                background: self.background,
                ..ImageRequest::default()
            },
            custom_size: self.custom_size.clone(),
            compression: self.compression.clone(),
            images: self.images,
            at_once: self.at_once,
        }
    }

    /// The form as `kept`, offering `model`'s options: every kept choice that `model` offers,
    /// the others at their defaults. The prompt and the run settings come back whatever the model.
    pub fn from_kept(kept: &KeptForm, model: &'static ModelProfile) -> StudioForm {
        let mut form = StudioForm { images: kept.images, at_once: kept.at_once, ..StudioForm::new(model) };
        form.restore(model, &kept.request);
        if let (Some(typed), true) = (&kept.custom_size, takes_custom_size(model)) {
            form.custom_size = Some(typed.clone());
        }
        if let (Some(typed), Some(_)) = (&kept.compression, &form.compression) {
            form.compression = Some(typed.clone());
        }
        form
    }

    /// Chooses `size` from the list, leaving any custom size.
    pub fn choose_size(&mut self, size: Size) {
        self.size = size;
        self.custom_size = None;
    }

    /// Opens the custom size at the size chosen last, or at `model`'s first preset if that was
    /// `auto`.
    pub fn choose_custom_size(&mut self, model: &ModelProfile) {
        let exact = |size: &Size| match size {
            Size::Exact(dimensions) => Some(*dimensions),
            Size::Auto => None,
        };
        let start = exact(&self.size).or_else(|| model.offered_sizes().iter().find_map(exact));
        self.custom_size = Some(start.map_or_else(TypedSize::default, |Dimensions { width, height }| TypedSize {
            width: width.to_string(),
            height: height.to_string(),
        }));
    }

    /// Whether the compression is offered (and sent): the model takes it and the file format does.
    pub fn shows_compression(&self) -> bool {
        self.compression.is_some() && self.output_format.is_some_and(OutputFormat::takes_compression)
    }

    /// Why "at once" cannot be used, if it cannot.
    pub fn at_once_problem(&self) -> Option<String> {
        (!(1..=MAX_IMAGES_PER_RUN).contains(&self.at_once))
            .then(|| format!("Send 1 to {MAX_IMAGES_PER_RUN} requests at once, not {}.", self.at_once))
    }

    /// The requests for a run of `model`, with its cost, or every reason they cannot be sent.
    pub fn plan(&self, model: &'static ModelProfile) -> Result<Plan, Vec<RequestError>> {
        let mut unread = Vec::new();
        let size = match &self.custom_size {
            None => Some(self.size),
            Some(typed) => {
                let width = read(&typed.width, Field::Width, &mut unread);
                let height = read(&typed.height, Field::Height, &mut unread);
                width.zip(height).map(|(width, height)| Size::exact(width, height))
            }
        };
        let compression = match &self.compression {
            Some(typed) if self.shows_compression() => read(typed, Field::OutputCompression, &mut unread),
            _ => None,
        };
        // Whatever could be read is still checked, so every problem shows at once.
        let planned = ImageRequest {
            prompt: self.prompt.clone(),
            size,
            quality: Some(self.quality),
            style: self.style,
            response_format: self.response_format,
            output_format: self.output_format,
            output_compression: compression,
            background: self.background,
            ..Default::default()
        }
        .plan(model, self.images);
        if unread.is_empty() {
            return planned;
        }
        unread.extend(planned.err().unwrap_or_default());
        Err(unread)
    }
}

/// Whether `model` takes a size of any width and height within bounds (gpt-image-2).
pub fn takes_custom_size(model: &ModelProfile) -> bool {
    matches!(model.sizes, SizeRule::Free(_))
}

/// `value`, if it is one of `values`.
fn offered<T: PartialEq>(value: Option<T>, values: &[T]) -> Option<T> {
    value.filter(|value| values.contains(value))
}

/// A custom size as typed: text, not numbers, so that nothing typed is lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedSize {
    /// The width, as typed.
    pub width: String,
    /// The height, as typed.
    pub height: String,
}

/// The number typed for `field`, or `None` with the problem added to `unread`.
fn read<T: FromStr>(typed: &str, field: Field, unread: &mut Vec<RequestError>) -> Option<T> {
    let number = typed.trim().parse().ok();
    if number.is_none() {
        unread.push(RequestError::NotANumber { field });
    }
    number
}

#[cfg(test)]
mod tests {
    use super::*;
    use easel_contract::model::{DALL_E_3, GPT_IMAGE_1, GPT_IMAGE_2};

    #[test]
    fn a_kept_form_comes_back_as_it_was_even_half_typed() {
        let mut form = StudioForm::new(&GPT_IMAGE_2);
        form.prompt = "A heron in the reeds, ink wash".into();
        form.quality = Quality::High;
        form.output_format = Some(OutputFormat::Jpeg);
        form.compression = Some("7x".into());
        form.background = Some(Background::Opaque);
        form.choose_custom_size(&GPT_IMAGE_2);
        form.custom_size = Some(TypedSize { width: "1536".into(), height: "1O24".into() });
        form.images = 6;
        form.at_once = 2;
        let text = serde_json::to_string(&form.kept("Local endpoint", &GPT_IMAGE_2)).unwrap();
        let kept: KeptForm = serde_json::from_str(&text).unwrap();
        assert_eq!((kept.profile.as_str(), kept.model.as_str()), ("Local endpoint", "gpt-image-2"));
        assert_eq!(StudioForm::from_kept(&kept, &GPT_IMAGE_2), form);
    }

    #[test]
    fn a_kept_form_under_another_model_keeps_the_prompt_and_run_and_what_that_model_offers() {
        let mut form = StudioForm::new(&GPT_IMAGE_2);
        form.prompt = "A quiet harbour".into();
        form.quality = Quality::High;
        form.size = Size::exact(1024, 1024);
        form.images = 3;
        form.at_once = 1;
        let restored = StudioForm::from_kept(&form.kept("Mine", &GPT_IMAGE_2), &DALL_E_3);
        let expected =
            StudioForm { prompt: "A quiet harbour".into(), images: 3, at_once: 1, ..StudioForm::new(&DALL_E_3) };
        assert_eq!(restored, StudioForm { size: Size::exact(1024, 1024), ..expected });
    }

    #[test]
    fn a_request_restores_the_form_it_came_from() {
        use easel_contract::model::GPT_IMAGE_2;
        let sent = StudioForm {
            prompt: "a kite".into(),
            custom_size: Some(TypedSize { width: "1536".into(), height: "864".into() }),
            quality: Quality::High,
            output_format: Some(OutputFormat::Jpeg),
            compression: Some("70".into()),
            ..StudioForm::new(&GPT_IMAGE_2)
        };
        let request = sent.plan(&GPT_IMAGE_2).unwrap().requests[0].body().clone();
        let mut restored = StudioForm { images: 3, ..StudioForm::new(&DALL_E_3) };
        restored.restore(&GPT_IMAGE_2, &request);
        assert_eq!(restored, StudioForm { images: 3, ..sent });

        let dalle = StudioForm { prompt: "a fox".into(), style: Some(Style::Natural), ..StudioForm::new(&DALL_E_3) };
        let mut restored = StudioForm::new(&GPT_IMAGE_2);
        restored.restore(&DALL_E_3, &dalle.plan(&DALL_E_3).unwrap().requests[0].body().clone());
        assert_eq!(restored, dalle);
    }

    #[test]
    fn a_new_form_holds_the_seed_documents_defaults() {
        let form = StudioForm::new(&DALL_E_3);
        assert_eq!(
            (form.size.to_string(), form.quality, form.style, form.response_format),
            ("1024x1024".to_owned(), Quality::Standard, Some(Style::Vivid), Some(ResponseFormat::Url))
        );
    }

    #[test]
    fn a_filled_form_sends_every_option_explicitly() {
        let form = StudioForm { prompt: "a fox".into(), quality: Quality::Hd, ..StudioForm::new(&DALL_E_3) };
        let plan = form.plan(&DALL_E_3).unwrap();
        assert_eq!(plan.requests.len(), 1);
        assert_eq!(
            plan.requests[0].to_json(),
            r#"{"prompt":"a fox","size":"1024x1024","n":1,"quality":"hd","style":"vivid","response_format":"url"}"#
        );
    }

    #[test]
    fn options_a_model_does_not_take_are_left_out() {
        let form = StudioForm { prompt: "a fox".into(), ..StudioForm::new(&GPT_IMAGE_1) };
        assert_eq!(
            form.plan(&GPT_IMAGE_1).unwrap().requests[0].to_json(),
            r#"{"prompt":"a fox","size":"auto","n":1,"quality":"auto","output_format":"png","background":"auto"}"#
        );
    }

    #[test]
    fn four_dall_e_3_images_are_four_requests_with_their_cost() {
        let form = StudioForm { prompt: "a fox".into(), images: 4, ..StudioForm::new(&DALL_E_3) };
        let plan = form.plan(&DALL_E_3).unwrap();
        assert_eq!(plan.requests.len(), 4);
        assert_eq!(
            plan.estimate,
            easel_contract::price::Estimate::Exact(easel_contract::price::Cost::micro_usd(160_000))
        );
        let too_many = StudioForm { images: 11, ..form };
        assert_eq!(too_many.plan(&DALL_E_3).unwrap_err()[0].field(), Field::Images);
    }

    #[test]
    fn at_once_takes_1_to_10() {
        let form = StudioForm::new(&DALL_E_3);
        assert_eq!(form.at_once_problem(), None);
        assert_eq!(
            StudioForm { at_once: 0, ..form.clone() }.at_once_problem().unwrap(),
            "Send 1 to 10 requests at once, not 0."
        );
        assert!(StudioForm { at_once: 12, ..form }.at_once_problem().is_some());
    }

    #[test]
    fn an_empty_prompt_is_the_forms_one_problem() {
        let problems = StudioForm::new(&DALL_E_3).plan(&DALL_E_3).unwrap_err();
        assert_eq!(problems.iter().map(RequestError::field).collect::<Vec<_>>(), [Field::Prompt]);
    }

    fn custom(width: &str, height: &str) -> StudioForm {
        StudioForm {
            prompt: "a fox".into(),
            custom_size: Some(TypedSize { width: width.into(), height: height.into() }),
            ..StudioForm::new(&GPT_IMAGE_2)
        }
    }

    /// The problems of `form`, made for `model`.
    fn problems_for(form: &StudioForm, model: &'static ModelProfile) -> Vec<(Field, String)> {
        form.plan(model).unwrap_err().iter().map(|problem| (problem.field(), problem.to_string())).collect()
    }

    #[test]
    fn a_custom_size_opens_at_the_last_size_chosen_and_is_sent_as_typed() {
        let mut form = StudioForm::new(&GPT_IMAGE_2);
        assert!(takes_custom_size(&GPT_IMAGE_2) && !takes_custom_size(&GPT_IMAGE_1));
        form.choose_custom_size(&GPT_IMAGE_2);
        assert_eq!(form.custom_size, Some(TypedSize { width: "1024".into(), height: "1024".into() }), "auto: a preset");
        form.choose_size(Size::exact(2560, 1440));
        assert_eq!(form.custom_size, None);
        form.choose_custom_size(&GPT_IMAGE_2);
        assert_eq!(form.custom_size, Some(TypedSize { width: "2560".into(), height: "1440".into() }));

        let json = custom("1536", " 864 ").plan(&GPT_IMAGE_2).unwrap().requests[0].to_json();
        assert!(json.contains(r#""size":"1536x864""#), "{json}");
    }

    #[test]
    fn a_custom_size_out_of_bounds_gets_the_contracts_problem_on_the_size() {
        assert_eq!(
            problems_for(&custom("1530", "864"), &GPT_IMAGE_2),
            [(Field::Size, "1530x864 does not fit: width and height must both be multiples of 16.".to_owned())]
        );
    }

    #[test]
    fn text_that_is_not_a_number_is_kept_and_explained_on_its_own_field() {
        let form = StudioForm { prompt: String::new(), ..custom("15o0", "864") };
        assert_eq!(
            problems_for(&form, &GPT_IMAGE_2),
            [
                (Field::Width, "Width must be a whole number of pixels, like 1536.".to_owned()),
                (Field::Prompt, "Write a prompt: describe the image you want.".to_owned()),
            ],
            "the rest of the request is still checked"
        );
        assert_eq!(form.custom_size.unwrap().width, "15o0");
        assert_eq!(problems_for(&custom("1536", ""), &GPT_IMAGE_2)[0].0, Field::Height);
    }

    #[test]
    fn switching_model_drops_the_custom_size() {
        let mut form = custom("1536", "864");
        form.use_model(&GPT_IMAGE_1);
        assert_eq!((form.custom_size.as_ref(), form.size), (None, Size::Auto));
        form.use_model(&GPT_IMAGE_2);
        assert_eq!(form.custom_size, None);
    }

    #[test]
    fn compression_is_sent_for_jpeg_only() {
        let form = StudioForm { prompt: "a fox".into(), ..StudioForm::new(&GPT_IMAGE_1) };
        assert!(!form.shows_compression(), "PNG is the default");
        let jpeg = StudioForm { output_format: Some(OutputFormat::Jpeg), compression: Some("80".into()), ..form };
        assert!(jpeg.shows_compression());
        let json = jpeg.plan(&GPT_IMAGE_1).unwrap().requests[0].to_json();
        assert!(json.contains(r#""output_format":"jpeg","output_compression":80"#), "{json}");

        let png = StudioForm { output_format: Some(OutputFormat::Png), ..jpeg };
        assert!(!png.plan(&GPT_IMAGE_1).unwrap().requests[0].to_json().contains("output_compression"));
        assert_eq!(png.compression.as_deref(), Some("80"), "kept for a return to JPEG");
        assert_eq!(StudioForm::new(&DALL_E_3).compression, None);
    }

    #[test]
    fn jpeg_starts_at_the_apis_default_compression_and_explains_what_is_out_of_range() {
        let jpeg = |compression: &str| StudioForm {
            prompt: "a fox".into(),
            output_format: Some(OutputFormat::Jpeg),
            compression: Some(compression.into()),
            ..StudioForm::new(&GPT_IMAGE_1)
        };
        let default = StudioForm {
            prompt: "a fox".into(),
            output_format: Some(OutputFormat::Jpeg),
            ..StudioForm::new(&GPT_IMAGE_1)
        };
        let default = default.plan(&GPT_IMAGE_1).unwrap();
        assert!(default.requests[0].to_json().contains(r#""output_compression":100"#));
        assert_eq!(
            problems_for(&jpeg("120"), &GPT_IMAGE_1),
            [(Field::OutputCompression, "Compression goes from 0 to 100, not 120.".to_owned())]
        );
        assert_eq!(
            problems_for(&jpeg("much"), &GPT_IMAGE_1),
            [(Field::OutputCompression, "Compression must be a whole number from 0 to 100, like 80.".to_owned())]
        );
    }
}
