//! What each image model accepts, what the API assumes when a field is left out, what it costs,
//! and when Azure retires it.
//!
//! Sources: the seed document (`azure-dalle-how-to.txt`) and the API digest (`azure-api.md`,
//! collected 2026-11 from Microsoft's docs and the REST specs). Adding a model is adding one
//! [`ModelProfile`] to [`MODELS`]; nothing else in Easel names a model.

use std::fmt;

use crate::calendar::Date;
use crate::price::Price;
use crate::wire::{Background, Dimensions, OutputFormat, Quality, ResponseFormat, Size, Style};

/// Which sizes a model makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeRule {
    /// Exactly these; the first is the API's default.
    OneOf(&'static [Size]),
    /// `auto`, or any width and height within these bounds (gpt-image-2).
    Free(FreeSize),
}

/// The bounds on a freely chosen size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreeSize {
    /// Width and height must both be multiples of this.
    pub multiple_of: u32,
    /// The longer edge must be shorter than this.
    pub edge_below: u32,
    /// The longer edge may be at most this many times the shorter.
    pub max_ratio: u32,
    /// Fewest pixels in all.
    pub min_pixels: u64,
    /// Most pixels in all.
    pub max_pixels: u64,
    /// Sizes offered as presets; the first is the API's default.
    pub presets: &'static [Size],
}

/// Azure's lifecycle of a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    /// The day Azure stops (or stopped) serving the model.
    pub retires: Date,
}

/// How a model stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleStatus {
    /// Served, and not retiring within [`RETIREMENT_NOTICE_DAYS`].
    Active,
    /// Retires within [`RETIREMENT_NOTICE_DAYS`].
    RetiresSoon {
        /// The retirement day.
        on: Date,
        /// Days from today until then.
        days_left: i64,
    },
    /// Retired: Azure deployments of it answer with errors.
    Retired {
        /// The retirement day.
        on: Date,
    },
}

/// How many days ahead a coming retirement is worth telling the user about.
pub const RETIREMENT_NOTICE_DAYS: i64 = 60;

/// The options one model accepts, with the API's defaults for each. In every list, the first
/// value is the API's default; an empty list means the model takes no such field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelProfile {
    /// The model's name as Azure spells it, which is also the default deployment name.
    pub name: &'static str,
    /// Sizes the model makes.
    pub sizes: SizeRule,
    /// Quality values.
    pub qualities: &'static [Quality],
    /// Styles (DALL-E 3 only).
    pub styles: &'static [Style],
    /// Response formats; empty for gpt-image, which always answers with base64 data.
    pub response_formats: &'static [ResponseFormat],
    /// Image file formats (gpt-image only).
    pub output_formats: &'static [OutputFormat],
    /// Whether `output_compression` (0-100) is taken, for JPEG output.
    pub takes_compression: bool,
    /// Background choices (gpt-image only).
    pub backgrounds: &'static [Background],
    /// The most images one request may ask for.
    pub max_images_per_request: u8,
    /// The longest prompt, in characters.
    pub max_prompt_chars: usize,
    /// Whether the model edits images (`/images/edits`): the gpt-image family; "DALL-E models
    /// don't support the Image Edit API" on Azure.
    pub takes_edits: bool,
    /// Whether an edit may set `input_fidelity`: gpt-image-1 and gpt-image-1.5 only
    /// (openai-python's `image_edit_params.py`; Azure's how-to excludes gpt-image-1-mini, and
    /// OpenAI refuses it for gpt-image-2, whose inputs are always kept at high fidelity).
    pub takes_input_fidelity: bool,
    /// An api-version that serves the model on the deployments path (gpt-image needs
    /// 2025-04-01-preview or later).
    pub api_version: &'static str,
    /// When Azure retires it.
    pub lifecycle: Lifecycle,
    /// What an image costs.
    pub price: Price,
}

const DALL_E_3_SIZES: &[Size] = &[Size::exact(1024, 1024), Size::exact(1792, 1024), Size::exact(1024, 1792)];
const GPT_IMAGE_SIZES: &[Size] =
    &[Size::Auto, Size::exact(1024, 1024), Size::exact(1024, 1536), Size::exact(1536, 1024)];
const GPT_IMAGE_QUALITIES: &[Quality] = &[Quality::Auto, Quality::Low, Quality::Medium, Quality::High];
const GPT_IMAGE_OUTPUT_FORMATS: &[OutputFormat] = &[OutputFormat::Png, OutputFormat::Jpeg];
const GPT_IMAGE_BACKGROUNDS: &[Background] = &[Background::Auto, Background::Opaque, Background::Transparent];
const GPT_IMAGE_PROMPT_CHARS: usize = 32_000;

/// DALL-E 3, the seed document's model: one image per request, three sizes, `standard`/`hd`,
/// `vivid`/`natural`. Retired on Azure on 2026-03-04; OpenAI-compatible servers still speak it.
pub const DALL_E_3: ModelProfile = ModelProfile {
    name: "dall-e-3",
    sizes: SizeRule::OneOf(DALL_E_3_SIZES),
    qualities: &[Quality::Standard, Quality::Hd],
    styles: &[Style::Vivid, Style::Natural],
    response_formats: &[ResponseFormat::Url, ResponseFormat::B64Json],
    output_formats: &[],
    takes_compression: false,
    backgrounds: &[],
    max_images_per_request: 1,
    max_prompt_chars: 4000,
    takes_edits: false,
    takes_input_fidelity: false,
    api_version: "2024-02-01",
    lifecycle: Lifecycle { retires: Date::new(2026, 3, 4) },
    price: Price::DALL_E_3,
};

/// gpt-image-2, generally available from 2026-04-21: gpt-image-1 with any size within bounds,
/// and no transparent background.
pub const GPT_IMAGE_2: ModelProfile = ModelProfile {
    name: "gpt-image-2",
    sizes: SizeRule::Free(FreeSize {
        multiple_of: 16,
        edge_below: 3840,
        max_ratio: 3,
        min_pixels: 655_360,
        max_pixels: 8_294_400,
        presets: &[
            Size::Auto,
            Size::exact(1024, 1024),
            Size::exact(1536, 1024),
            Size::exact(1024, 1536),
            Size::exact(2048, 2048),
            Size::exact(2560, 1440),
            Size::exact(1440, 2560),
            Size::exact(3520, 1984),
        ],
    }),
    backgrounds: &[Background::Auto, Background::Opaque],
    takes_input_fidelity: false,
    lifecycle: Lifecycle { retires: Date::new(2027, 4, 21) },
    price: Price::tokens(30),
    ..GPT_IMAGE_1
};

/// gpt-image-1.5.
pub const GPT_IMAGE_1_5: ModelProfile = ModelProfile {
    name: "gpt-image-1.5",
    lifecycle: Lifecycle { retires: Date::new(2026, 12, 16) },
    price: Price::tokens(32),
    ..GPT_IMAGE_1
};

/// gpt-image-1-mini.
pub const GPT_IMAGE_1_MINI: ModelProfile = ModelProfile {
    name: "gpt-image-1-mini",
    takes_input_fidelity: false,
    lifecycle: Lifecycle { retires: Date::new(2027, 4, 7) },
    price: Price::tokens(8),
    ..GPT_IMAGE_1
};

/// gpt-image-1 (preview); retired on Azure on 2026-10-23.
pub const GPT_IMAGE_1: ModelProfile = ModelProfile {
    name: "gpt-image-1",
    sizes: SizeRule::OneOf(GPT_IMAGE_SIZES),
    qualities: GPT_IMAGE_QUALITIES,
    styles: &[],
    response_formats: &[],
    output_formats: GPT_IMAGE_OUTPUT_FORMATS,
    takes_compression: true,
    backgrounds: GPT_IMAGE_BACKGROUNDS,
    max_images_per_request: 10,
    max_prompt_chars: GPT_IMAGE_PROMPT_CHARS,
    takes_edits: true,
    takes_input_fidelity: true,
    api_version: "2025-04-01-preview",
    lifecycle: Lifecycle { retires: Date::new(2026, 10, 23) },
    price: Price::tokens(40),
};

/// DALL-E 2: square sizes, up to 10 images per request; retired on Azure on 2025-01-27.
pub const DALL_E_2: ModelProfile = ModelProfile {
    name: "dall-e-2",
    sizes: SizeRule::OneOf(&[Size::exact(1024, 1024), Size::exact(512, 512), Size::exact(256, 256)]),
    qualities: &[Quality::Standard],
    styles: &[],
    response_formats: &[ResponseFormat::Url, ResponseFormat::B64Json],
    output_formats: &[],
    takes_compression: false,
    backgrounds: &[],
    max_images_per_request: 10,
    max_prompt_chars: 1000,
    takes_edits: false,
    takes_input_fidelity: false,
    api_version: "2024-02-01",
    lifecycle: Lifecycle { retires: Date::new(2025, 1, 27) },
    price: Price::Unknown,
};

/// Every model Easel knows, today's first.
pub const MODELS: &[ModelProfile] = &[GPT_IMAGE_2, GPT_IMAGE_1_5, GPT_IMAGE_1_MINI, GPT_IMAGE_1, DALL_E_3, DALL_E_2];

impl ModelProfile {
    /// The profile of the model with this name, if Easel knows it.
    pub fn by_name(name: &str) -> Option<&'static ModelProfile> {
        MODELS.iter().find(|model| model.name == name)
    }

    /// Whether this is a gpt-image model, which answers with base64 data and token usage.
    pub fn is_gpt_image(&self) -> bool {
        self.response_formats.is_empty()
    }

    /// The sizes to offer in a list: all of them, or a free-size model's presets.
    pub fn offered_sizes(&self) -> &'static [Size] {
        match self.sizes {
            SizeRule::OneOf(sizes) => sizes,
            SizeRule::Free(rule) => rule.presets,
        }
    }

    /// The size the API uses when the request names none.
    pub fn default_size(&self) -> Size {
        self.offered_sizes()[0]
    }

    /// The quality the API uses when the request names none.
    pub fn default_quality(&self) -> Quality {
        self.qualities[0]
    }

    /// The style the API uses when the request names none, for a model that has styles.
    pub fn default_style(&self) -> Option<Style> {
        self.styles.first().copied()
    }

    /// The format the service answers in when the request names none.
    pub fn default_response_format(&self) -> ResponseFormat {
        self.response_formats.first().copied().unwrap_or(ResponseFormat::B64Json)
    }

    /// The image file format when the request names none, for a model that has a choice.
    pub fn default_output_format(&self) -> Option<OutputFormat> {
        self.output_formats.first().copied()
    }

    /// The background when the request names none, for a model that has a choice.
    pub fn default_background(&self) -> Option<Background> {
        self.backgrounds.first().copied()
    }

    /// How the model stands on `today`.
    pub fn status_on(&self, today: Date) -> LifecycleStatus {
        let on = self.lifecycle.retires;
        let days_left = today.days_until(on);
        if days_left <= 0 {
            LifecycleStatus::Retired { on }
        } else if days_left <= RETIREMENT_NOTICE_DAYS {
            LifecycleStatus::RetiresSoon { on, days_left }
        } else {
            LifecycleStatus::Active
        }
    }
}

/// The bound of a [`FreeSize`] a size breaks, with the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeUnfit {
    /// Width or height is not a multiple of this.
    NotMultipleOf(u32),
    /// The longer edge is not under this.
    EdgeNotUnder(u32),
    /// The longer edge is more than this many times the shorter.
    RatioOver(u32),
    /// The pixels in all (the last) are not within the bounds (the first two).
    Pixels(u64, u64, u64),
}

impl fmt::Display for SizeUnfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SizeUnfit::NotMultipleOf(multiple) => write!(f, "width and height must both be multiples of {multiple}"),
            SizeUnfit::EdgeNotUnder(edge) => write!(f, "the longer edge must be under {edge} pixels"),
            SizeUnfit::RatioOver(ratio) => write!(f, "the longer edge may be at most {ratio} times the shorter"),
            SizeUnfit::Pixels(min, max, pixels) => {
                write!(f, "the image must have between {min} and {max} pixels in all (this has {pixels})")
            }
        }
    }
}

impl FreeSize {
    /// Whether `dimensions` fit every bound; `Err` says which one it breaks.
    pub fn check(&self, dimensions: Dimensions) -> Result<(), SizeUnfit> {
        let Dimensions { width, height } = dimensions;
        let (long, short) = (width.max(height), width.min(height));
        let pixels = u64::from(width) * u64::from(height);
        if width % self.multiple_of != 0 || height % self.multiple_of != 0 {
            Err(SizeUnfit::NotMultipleOf(self.multiple_of))
        } else if long >= self.edge_below {
            Err(SizeUnfit::EdgeNotUnder(self.edge_below))
        } else if long > short * self.max_ratio {
            Err(SizeUnfit::RatioOver(self.max_ratio))
        } else if !(self.min_pixels..=self.max_pixels).contains(&pixels) {
            Err(SizeUnfit::Pixels(self.min_pixels, self.max_pixels, pixels))
        } else {
            Ok(())
        }
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
        assert_eq!(model.default_style(), Some(Style::Vivid));
        assert_eq!(model.default_response_format(), ResponseFormat::Url);
        assert_eq!(model.max_images_per_request, 1);
        assert_eq!(model.max_prompt_chars, 4000);
    }

    #[test]
    fn every_model_in_the_digest_has_a_profile_with_its_limits() {
        let check = |name: &str, max_n: u8, max_prompt: usize, gpt_image: bool| {
            let model = ModelProfile::by_name(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(
                (model.max_images_per_request, model.max_prompt_chars, model.is_gpt_image()),
                (max_n, max_prompt, gpt_image),
                "{name}"
            );
        };
        check("dall-e-3", 1, 4000, false);
        check("dall-e-2", 10, 1000, false);
        for name in ["gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini", "gpt-image-2"] {
            check(name, 10, 32_000, true);
        }
        assert_eq!(ModelProfile::by_name("dall-e-4"), None);
    }

    #[test]
    fn gpt_image_answers_in_base64_and_has_no_style() {
        for model in MODELS.iter().filter(|model| model.is_gpt_image()) {
            assert_eq!(model.default_response_format(), ResponseFormat::B64Json, "{}", model.name);
            assert_eq!(model.default_style(), None, "{}", model.name);
            assert_eq!(model.default_output_format(), Some(OutputFormat::Png), "{}", model.name);
        }
        assert!(!GPT_IMAGE_2.backgrounds.contains(&Background::Transparent), "gpt-image-2 refuses transparent");
        assert!(GPT_IMAGE_1.backgrounds.contains(&Background::Transparent));
    }

    #[test]
    fn lifecycle_follows_azures_dates() {
        let check = |model: &ModelProfile, today: Date, expected: LifecycleStatus| {
            assert_eq!(model.status_on(today), expected, "{} on {today}", model.name);
        };
        let today = Date::new(2026, 11, 24);
        check(&DALL_E_3, today, LifecycleStatus::Retired { on: Date::new(2026, 3, 4) });
        check(&DALL_E_2, today, LifecycleStatus::Retired { on: Date::new(2025, 1, 27) });
        check(&GPT_IMAGE_1, today, LifecycleStatus::Retired { on: Date::new(2026, 10, 23) });
        check(&GPT_IMAGE_1_5, today, LifecycleStatus::RetiresSoon { on: Date::new(2026, 12, 16), days_left: 22 });
        check(&GPT_IMAGE_1_MINI, today, LifecycleStatus::Active);
        check(&GPT_IMAGE_2, today, LifecycleStatus::Active);
        check(
            &DALL_E_3,
            Date::new(2026, 3, 3),
            LifecycleStatus::RetiresSoon { on: Date::new(2026, 3, 4), days_left: 1 },
        );
        check(&DALL_E_3, Date::new(2026, 3, 4), LifecycleStatus::Retired { on: Date::new(2026, 3, 4) });
        check(
            &GPT_IMAGE_1_MINI,
            Date::new(2027, 2, 6),
            LifecycleStatus::RetiresSoon { on: Date::new(2027, 4, 7), days_left: 60 },
        );
        check(&GPT_IMAGE_1_MINI, Date::new(2027, 2, 5), LifecycleStatus::Active);
    }

    #[test]
    fn gpt_image_2_sizes_follow_the_free_size_bounds() {
        let SizeRule::Free(rule) = GPT_IMAGE_2.sizes else { panic!("gpt-image-2 takes free sizes") };
        for (width, height, expected) in [
            (1024, 1024, Ok(())),
            (3824, 2160, Ok(())),
            (2048, 2048, Ok(())),
            (1000, 1000, Err("width and height must both be multiples of 16")),
            (3840, 2160, Err("the longer edge must be under 3840 pixels")),
            (2400, 784, Err("the longer edge may be at most 3 times the shorter")),
            (640, 640, Err("the image must have between 655360 and 8294400 pixels in all (this has 409600)")),
            (3088, 2704, Err("the image must have between 655360 and 8294400 pixels in all (this has 8349952)")),
        ] {
            let checked = rule.check(Dimensions { width, height }).map_err(|unfit| unfit.to_string());
            assert_eq!(checked, expected.map_err(str::to_owned), "{width}x{height}");
        }
        for preset in rule.presets {
            if let Size::Exact(dimensions) = preset {
                assert_eq!(rule.check(*dimensions), Ok(()), "preset {preset}");
            }
        }
    }
}
