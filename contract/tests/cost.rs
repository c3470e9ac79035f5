//! Property: cost arithmetic on whatever token counts the service reports never panics and never
//! wraps, so more tokens or more images never cost less (`./dev fuzz` runs the same check as a
//! fuzz target, `fuzz/fuzz_targets/cost.rs`).

use easel_contract::price::{Cost, Price};
use easel_contract::wire::{Quality, Size};
use proptest::prelude::*;
use proptest::sample::select;

const QUALITIES: [Quality; 6] =
    [Quality::Standard, Quality::Hd, Quality::Auto, Quality::Low, Quality::Medium, Quality::High];

proptest! {
    #[test]
    fn more_tokens_never_cost_less(usd_per_million in any::<u64>(), tokens in any::<u64>(), more in any::<u64>()) {
        let price = Price::tokens(usd_per_million);
        let cost = price.cost_of_usage(tokens).unwrap();
        let dearer = price.cost_of_usage(tokens.saturating_add(more)).unwrap();
        prop_assert!(dearer >= cost);
        prop_assert!(cost + dearer >= dearer);
        prop_assert!(!cost.to_string().is_empty());
    }

    #[test]
    fn more_images_never_cost_less(
        usd_per_million in any::<u64>(),
        width in any::<u32>(),
        height in any::<u32>(),
        quality in select(&QUALITIES[..]),
        images in 1u32..,
    ) {
        for price in [Price::tokens(usd_per_million), Price::DALL_E_3] {
            let one = price.estimate(Size::exact(width, height), quality, 1).at_most();
            let many = price.estimate(Size::exact(width, height), quality, images).at_most();
            prop_assert!(many >= one);
            prop_assert_eq!(many.unwrap_or_default() + Cost::micro_usd(u64::MAX), Cost::micro_usd(u64::MAX));
        }
    }
}
