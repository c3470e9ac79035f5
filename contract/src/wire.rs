//! The API's vocabulary, as it spells it on the wire: sizes, and each option's values. Requests
//! send only the values known here; answers may carry values the service added since, read as
//! [`Wire::Added`] rather than refused.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Width and height in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dimensions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The `size` field: exact pixels written `WIDTHxHEIGHT` (`"1024x1792"`), or `"auto"`, where the
/// gpt-image models choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Size {
    /// The model chooses (gpt-image only).
    Auto,
    /// These dimensions.
    Exact(Dimensions),
}

impl Size {
    /// A size of `width` by `height` pixels.
    pub const fn exact(width: u32, height: u32) -> Self {
        Size::Exact(Dimensions { width, height })
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Size::Auto => f.write_str("auto"),
            Size::Exact(Dimensions { width, height }) => write!(f, "{width}x{height}"),
        }
    }
}

/// Text that is not a size: holds the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotASize(pub String);

impl fmt::Display for NotASize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" is not a size: write it as WIDTHxHEIGHT, for example 1024x1024, or auto", self.0)
    }
}

impl std::error::Error for NotASize {}

impl FromStr for Size {
    type Err = NotASize;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "auto" {
            return Ok(Size::Auto);
        }
        let malformed = || NotASize(text.to_owned());
        let (width, height) = text.split_once('x').ok_or_else(malformed)?;
        let number =
            |digits: &str| digits.parse::<u32>().ok().filter(|n| *n > 0 && digits.bytes().all(|b| b.is_ascii_digit()));
        Ok(Size::exact(number(width).ok_or_else(malformed)?, number(height).ok_or_else(malformed)?))
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A value of the API with a fixed spelling.
pub trait WireValue: Sized + fmt::Display {
    /// The value the API spells `wire`, if this contract knows it.
    fn from_wire(wire: &str) -> Option<Self>;
}

impl WireValue for Size {
    fn from_wire(wire: &str) -> Option<Self> {
        wire.parse().ok()
    }
}

/// A value as the service sends it back: one this contract knows, or one the service added
/// since, kept as it was spelled, so an answer with it is still read and shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wire<T> {
    /// A value this contract knows.
    Known(T),
    /// A value the service added since, as it spells it.
    Added(String),
}

impl<T: WireValue> Wire<T> {
    /// The value the service spells `text`.
    pub fn read(text: &str) -> Wire<T> {
        T::from_wire(text).map_or_else(|| Wire::Added(text.to_owned()), Wire::Known)
    }
}

impl<T: WireValue> From<&str> for Wire<T> {
    fn from(text: &str) -> Wire<T> {
        Wire::read(text)
    }
}

impl<T: fmt::Display> fmt::Display for Wire<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wire::Known(value) => value.fmt(f),
            Wire::Added(text) => f.write_str(text),
        }
    }
}

impl<T: fmt::Display> Serialize for Wire<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, T: WireValue> Deserialize<'de> for Wire<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Wire::read(&String::deserialize(deserializer)?))
    }
}

/// Declares a wire enum whose values are fixed strings, with `as_str`, a label for people, and
/// [`WireValue::from_wire`].
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

        }

        impl WireValue for $name {
            fn from_wire(wire: &str) -> Option<Self> {
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
    /// How much detail the model puts in.
    Quality {
        /// DALL-E: the default, faster.
        Standard = "standard", "Standard";
        /// DALL-E 3: finer detail and more consistency, slower.
        Hd = "hd", "HD";
        /// gpt-image: the model chooses.
        Auto = "auto", "Auto";
        /// gpt-image: fastest, fewest tokens.
        Low = "low", "Low";
        /// gpt-image.
        Medium = "medium", "Medium";
        /// gpt-image: most detail, most tokens.
        High = "high", "High";
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
    /// How a DALL-E service returns each image.
    ResponseFormat {
        /// A link to the image, valid for 24 hours.
        Url = "url", "Link (24 h)";
        /// The image's bytes, base64-encoded in the answer.
        B64Json = "b64_json", "Image data";
    }
}

wire_enum! {
    /// The image file format of a gpt-image answer.
    OutputFormat {
        /// Lossless; the only format with transparency.
        Png = "png", "PNG";
        /// Smaller files; takes a compression level.
        Jpeg = "jpeg", "JPEG";
        /// Listed by the v1 spec only; Azure's docs do not offer it.
        Webp = "webp", "WebP";
    }
}

wire_enum! {
    /// The background of a gpt-image image.
    Background {
        /// The model chooses.
        Auto = "auto", "Auto";
        /// Always filled.
        Opaque = "opaque", "Opaque";
        /// See-through (PNG only).
        Transparent = "transparent", "Transparent";
    }
}

impl OutputFormat {
    /// Whether `output_compression` applies to images in this format: JPEG only, on Azure.
    pub fn takes_compression(self) -> bool {
        self == OutputFormat::Jpeg
    }

    /// The MIME type of an image in this format.
    pub fn mime(self) -> &'static str {
        match self {
            OutputFormat::Png => "image/png",
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Webp => "image/webp",
        }
    }

    /// The format `bytes` are in, by their first bytes (each format's signature); `None` for
    /// anything the image API does not make.
    pub fn of_bytes(bytes: &[u8]) -> Option<OutputFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(OutputFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(OutputFormat::Jpeg)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(OutputFormat::Webp)
        } else {
            None
        }
    }
}
