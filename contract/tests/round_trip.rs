//! Property: whatever the validator accepts serializes to a body that the server's parser
//! accepts, that parses back to the same request, and that passes validation again. Nothing the
//! app can send is refused by the local endpoint for its shape.

use easel_contract::model::{ModelProfile, MODELS};
use easel_contract::request::ImageRequest;
use easel_contract::wire::{Background, OutputFormat, Quality, ResponseFormat, Size, Style};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

fn maybe<T: Clone + std::fmt::Debug + 'static>(values: &'static [T]) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(select(values))
}

fn size() -> impl Strategy<Value = Size> {
    prop_oneof![
        Just(Size::Auto),
        select(&[1024u32, 1792, 1536, 512, 256][..])
            .prop_flat_map(|w| select(&[1024u32, 1792, 1536, 512][..]).prop_map(move |h| Size::exact(w, h))),
        (1u32..4000, 1u32..4000).prop_map(|(w, h)| Size::exact(w / 16 * 16 + 16, h / 16 * 16 + 16)),
    ]
}

fn request() -> impl Strategy<Value = ImageRequest> {
    (
        "\\PC{0,80}",
        proptest::option::of(size()),
        proptest::option::of(0u8..12),
        maybe(&[Quality::Standard, Quality::Hd, Quality::Auto, Quality::Low, Quality::Medium, Quality::High]),
        maybe(&[Style::Vivid, Style::Natural]),
        maybe(&[ResponseFormat::Url, ResponseFormat::B64Json]),
        maybe(&[OutputFormat::Png, OutputFormat::Jpeg, OutputFormat::Webp]),
        proptest::option::of(0u8..=120),
        maybe(&[Background::Auto, Background::Opaque, Background::Transparent]),
    )
        .prop_map(
            |(prompt, size, n, quality, style, response_format, output_format, output_compression, background)| {
                ImageRequest {
                    model: None,
                    prompt,
                    size,
                    n,
                    quality,
                    style,
                    response_format,
                    output_format,
                    output_compression,
                    background,
                }
            },
        )
}

fn model() -> impl Strategy<Value = &'static ModelProfile> {
    select(MODELS.iter().collect::<Vec<_>>())
}

/// An option drawn from the model's own values, or left out; `None` when the model has none.
fn from<T: Copy + std::fmt::Debug + 'static>(values: &'static [T]) -> BoxedStrategy<Option<T>> {
    if values.is_empty() {
        Just(None).boxed()
    } else {
        proptest::option::of(select(values)).boxed()
    }
}

/// A model with a request built mostly from what it offers, so most cases are accepted.
fn model_and_likely_request() -> impl Strategy<Value = (&'static ModelProfile, ImageRequest)> {
    model().prop_flat_map(|model| {
        (
            "\\PC{1,60}",
            from(model.offered_sizes()),
            proptest::option::of(1..=model.max_images_per_request),
            from(model.qualities),
            from(model.styles),
            from(model.response_formats),
            from(model.output_formats),
            from(model.backgrounds),
            proptest::option::of(0u8..=100),
        )
            .prop_map(
                move |(prompt, size, n, quality, style, response_format, output_format, background, compression)| {
                    let jpeg = output_format == Some(OutputFormat::Jpeg);
                    let request = ImageRequest {
                        model: None,
                        prompt,
                        size,
                        n,
                        quality,
                        style,
                        response_format,
                        output_format,
                        output_compression: compression.filter(|_| jpeg),
                        background: background.filter(|b| *b != Background::Transparent || !jpeg),
                    };
                    (model, request)
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn accepted_requests_round_trip_through_the_wire((model, request) in model_and_likely_request()) {
        if let Ok(valid) = request.clone().validate(model) {
            let json = valid.to_json();
            let parsed: ImageRequest = serde_json::from_slice(json.as_bytes()).expect("the server's parser accepts it");
            prop_assert_eq!(&parsed, &request);
            prop_assert!(parsed.validate(model).is_ok());
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            prop_assert!(value.as_object().unwrap().values().all(|v| !v.is_null()), "absent, never null: {}", json);
        }
    }

    #[test]
    fn any_request_is_accepted_or_refused_with_reasons(request in request(), model in model()) {
        if let Err(problems) = request.validate(model) {
            prop_assert!(!problems.is_empty());
            prop_assert!(problems.iter().all(|problem| problem.to_string().ends_with('.')));
        }
    }

    #[test]
    fn plans_add_up_to_the_images_asked_for((model, request) in model_and_likely_request(), images in 1u8..=10) {
        if let Ok(plan) = request.plan(model, images) {
            let total: u32 = plan.requests.iter().map(|r| u32::from(r.image_count())).sum();
            prop_assert_eq!(total, u32::from(images));
            prop_assert!(plan.requests.iter().all(|r| r.image_count() <= model.max_images_per_request));
        }
    }
}

#[test]
fn most_generated_requests_are_accepted_so_the_round_trip_property_is_not_vacuous() {
    let mut runner = TestRunner::deterministic();
    let strategy = model_and_likely_request();
    let accepted = (0..1000)
        .filter(|_| {
            let (model, request) = strategy.new_tree(&mut runner).unwrap().current();
            request.validate(model).is_ok()
        })
        .count();
    assert!(accepted > 500, "only {accepted} of 1000 generated requests were valid");
}
