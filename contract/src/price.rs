//! What images cost, estimated before a run and counted after it.
//!
//! Source: the API digest (`azure-api.md`, "Time, quota, price", collected 2026-11). Its figures
//! come from third-party tables, not verified against Azure's pricing page: Easel shows them as
//! estimates. DALL-E 3 is priced per image; gpt-image bills output tokens, whose counts per size
//! and quality are published for gpt-image-1 and assumed to hold for the family.

use std::fmt;

use crate::wire::{Dimensions, Quality, Size};

/// An amount of money in millionths of a US dollar, so sums are exact.
///
/// Its arithmetic saturates: token counts come from the service, and an absurd count must read
/// as the most money there is (so a budget stops the next run), never wrap round to a small sum
/// or panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Cost {
    /// Millionths of a dollar.
    pub micro_usd: u64,
}

impl Cost {
    /// `micro_usd` millionths of a dollar.
    pub const fn micro_usd(micro_usd: u64) -> Cost {
        Cost { micro_usd }
    }
}

impl std::ops::Add for Cost {
    type Output = Cost;
    fn add(self, other: Cost) -> Cost {
        Cost::micro_usd(self.micro_usd.saturating_add(other.micro_usd))
    }
}

impl fmt::Display for Cost {
    /// Dollars to a tenth of a cent: `$0.042`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths_of_cents = self.micro_usd.saturating_add(500) / 1000;
        write!(f, "${}.{:03}", tenths_of_cents / 1000, tenths_of_cents % 1000)
    }
}

/// A cost known before the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimate {
    /// This much, from the price table.
    Exact(Cost),
    /// At most this much: the service picks the quality (`auto`) or the size.
    AtMost(Cost),
    /// Easel has no price for this model.
    Unknown,
}

impl Estimate {
    /// The most it may cost, when Easel knows.
    pub fn at_most(self) -> Option<Cost> {
        match self {
            Estimate::Exact(cost) | Estimate::AtMost(cost) => Some(cost),
            Estimate::Unknown => None,
        }
    }
}

impl std::iter::Sum for Estimate {
    /// Exact only if every part is; unknown if any part is.
    fn sum<I: Iterator<Item = Estimate>>(parts: I) -> Estimate {
        parts.fold(Estimate::Exact(Cost::default()), |total, part| match (total, part) {
            (Estimate::Unknown, _) | (_, Estimate::Unknown) => Estimate::Unknown,
            (Estimate::Exact(a), Estimate::Exact(b)) => Estimate::Exact(a + b),
            (a, b) => Estimate::AtMost(a.at_most().unwrap_or_default() + b.at_most().unwrap_or_default()),
        })
    }
}

/// How a model is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Price {
    /// A price per image for each size and quality.
    PerImage(&'static [(Size, Quality, Cost)]),
    /// Output tokens, at this many dollars per million.
    OutputTokens {
        /// Dollars per million output tokens.
        usd_per_million: u64,
    },
    /// Not known to Easel.
    Unknown,
}

/// Output tokens of one gpt-image-1 image at 1024x1024 and at 1024x1536 (or 1536x1024), for
/// low, medium and high quality.
const TOKENS_SQUARE: [u64; 3] = [272, 1_056, 4_160];
const TOKENS_OBLONG: [u64; 3] = [408, 1_584, 6_240];

/// Output tokens of one gpt-image image of `size` and `quality`, and whether the figure is
/// published (`true`) or an upper bound (`false`): for `auto`, the dearest choice the service may
/// make; for sizes outside the table, the square's count scaled by area.
pub fn output_tokens_per_image(size: Size, quality: Quality) -> (u64, bool) {
    let (level, quality_known) = match quality {
        Quality::Low => (0, true),
        Quality::Medium => (1, true),
        Quality::High => (2, true),
        _ => (2, false),
    };
    match size {
        Size::Auto => (TOKENS_OBLONG[level], false),
        Size::Exact(Dimensions { width: 1024, height: 1024 }) => (TOKENS_SQUARE[level], quality_known),
        Size::Exact(Dimensions { width, height }) if width.min(height) == 1024 && width.max(height) == 1536 => {
            (TOKENS_OBLONG[level], quality_known)
        }
        Size::Exact(Dimensions { width, height }) => {
            let pixels = u64::from(width) * u64::from(height);
            (TOKENS_SQUARE[level].saturating_mul(pixels).div_ceil(1024 * 1024), false)
        }
    }
}

impl Price {
    /// DALL-E 3's per-image prices.
    pub const DALL_E_3: Price = Price::PerImage(&[
        (Size::exact(1024, 1024), Quality::Standard, Cost::micro_usd(40_000)),
        (Size::exact(1024, 1024), Quality::Hd, Cost::micro_usd(80_000)),
        (Size::exact(1792, 1024), Quality::Standard, Cost::micro_usd(80_000)),
        (Size::exact(1792, 1024), Quality::Hd, Cost::micro_usd(120_000)),
        (Size::exact(1024, 1792), Quality::Standard, Cost::micro_usd(80_000)),
        (Size::exact(1024, 1792), Quality::Hd, Cost::micro_usd(120_000)),
    ]);

    /// Billed by output tokens at `usd_per_million` dollars per million.
    pub const fn tokens(usd_per_million: u64) -> Price {
        Price::OutputTokens { usd_per_million }
    }

    /// The cost of `images` images of `size` and `quality`.
    pub fn estimate(&self, size: Size, quality: Quality, images: u32) -> Estimate {
        match *self {
            Price::PerImage(table) => {
                table.iter().find(|(s, q, _)| *s == size && *q == quality).map_or(Estimate::Unknown, |(_, _, cost)| {
                    Estimate::Exact(Cost::micro_usd(cost.micro_usd.saturating_mul(u64::from(images))))
                })
            }
            Price::OutputTokens { usd_per_million } => {
                let (tokens, exact) = output_tokens_per_image(size, quality);
                let cost = Price::cost_of_tokens(usd_per_million, tokens.saturating_mul(u64::from(images)));
                if exact {
                    Estimate::Exact(cost)
                } else {
                    Estimate::AtMost(cost)
                }
            }
            Price::Unknown => Estimate::Unknown,
        }
    }

    /// The cost of an answer that reports `output_tokens`, for a model billed by tokens.
    pub fn cost_of_usage(&self, output_tokens: u64) -> Option<Cost> {
        match *self {
            Price::OutputTokens { usd_per_million } => Some(Price::cost_of_tokens(usd_per_million, output_tokens)),
            _ => None,
        }
    }

    fn cost_of_tokens(usd_per_million: u64, tokens: u64) -> Cost {
        // usd_per_million dollars per million tokens is exactly usd_per_million micro-dollars per token.
        Cost::micro_usd(usd_per_million.saturating_mul(tokens))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dall_e_3_is_priced_per_image_by_size_and_quality() {
        let price = Price::DALL_E_3;
        assert_eq!(
            price.estimate(Size::exact(1024, 1024), Quality::Standard, 1),
            Estimate::Exact(Cost::micro_usd(40_000))
        );
        assert_eq!(price.estimate(Size::exact(1792, 1024), Quality::Hd, 3), Estimate::Exact(Cost::micro_usd(360_000)));
        assert_eq!(price.estimate(Size::exact(512, 512), Quality::Standard, 1), Estimate::Unknown);
    }

    #[test]
    fn gpt_image_is_priced_by_output_tokens() {
        let gpt_image_1 = Price::tokens(40);
        // 1,056 tokens at $40 per million.
        assert_eq!(
            gpt_image_1.estimate(Size::exact(1024, 1024), Quality::Medium, 1),
            Estimate::Exact(Cost::micro_usd(42_240))
        );
        assert_eq!(
            gpt_image_1.estimate(Size::exact(1536, 1024), Quality::High, 2),
            Estimate::Exact(Cost::micro_usd(499_200))
        );
        assert_eq!(gpt_image_1.estimate(Size::Auto, Quality::Auto, 1), Estimate::AtMost(Cost::micro_usd(249_600)));
        assert_eq!(
            Price::tokens(30).estimate(Size::exact(2048, 2048), Quality::Low, 1),
            Estimate::AtMost(Cost::micro_usd(32_640))
        );
        assert_eq!(gpt_image_1.cost_of_usage(4_160), Some(Cost::micro_usd(166_400)));
        assert_eq!(Price::DALL_E_3.cost_of_usage(4_160), None);
    }

    #[test]
    fn costs_read_as_dollars_to_a_tenth_of_a_cent() {
        assert_eq!(Cost::micro_usd(40_000).to_string(), "$0.040");
        assert_eq!(Cost::micro_usd(42_240).to_string(), "$0.042");
        assert_eq!(Cost::micro_usd(1_234_567).to_string(), "$1.235");
        assert_eq!((Cost::micro_usd(10_880) + Cost::micro_usd(10_880)).to_string(), "$0.022");
    }

    #[test]
    fn an_absurd_token_count_from_the_service_costs_the_most_there_is_and_never_wraps() {
        let most = Cost::micro_usd(u64::MAX);
        assert_eq!(Price::tokens(40).cost_of_usage(u64::MAX), Some(most));
        assert_eq!(Price::tokens(40).cost_of_usage(u64::MAX / 39), Some(most), "wrapping would make this small");
        assert_eq!(Cost::micro_usd(u64::MAX - 1) + Cost::micro_usd(2), most);
        assert_eq!(most.to_string(), "$18446744073709.551");
        assert_eq!(
            Price::tokens(u64::MAX).estimate(Size::exact(3840, 2160), Quality::High, 10),
            Estimate::AtMost(most)
        );
    }
}
