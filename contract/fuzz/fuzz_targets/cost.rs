//! Any token count an answer might report, at any price, for any size, quality and count: the
//! cost arithmetic must never panic or wrap, so a bigger count never costs less.
#![no_main]

use easel_contract::price::{Cost, Price};
use easel_contract::wire::{Quality, Size};
use libfuzzer_sys::fuzz_target;

const QUALITIES: [Quality; 6] =
    [Quality::Standard, Quality::Hd, Quality::Auto, Quality::Low, Quality::Medium, Quality::High];

fuzz_target!(|input: (u64, u64, u64, u32, u32, u8, u32)| {
    let (usd_per_million, tokens, more, width, height, quality, images) = input;
    let price = Price::tokens(usd_per_million);
    let cost = price.cost_of_usage(tokens).expect("a token price prices usage");
    let dearer = price.cost_of_usage(tokens.saturating_add(more)).expect("a token price prices usage");
    assert!(dearer >= cost, "{} tokens cost less than {tokens}", tokens.saturating_add(more));
    assert!(cost + dearer >= dearer);
    let _ = cost.to_string();
    let quality = QUALITIES[usize::from(quality) % QUALITIES.len()];
    for price in [price, Price::DALL_E_3] {
        let one = price.estimate(Size::exact(width, height), quality, 1).at_most();
        let many = price.estimate(Size::exact(width, height), quality, images.max(1)).at_most();
        assert!(many >= one, "{images} images cost less than one");
        assert!(many.unwrap_or_default() + Cost::micro_usd(u64::MAX) == Cost::micro_usd(u64::MAX));
    }
});
