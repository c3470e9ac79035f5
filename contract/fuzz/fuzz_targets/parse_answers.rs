//! Any bytes an endpoint might answer with: the success parser, the error parser and the failure
//! classifier must never panic, and whatever parses must write back out and parse the same.
#![no_main]

use easel_contract::failure::Failure;

use easel_contract::api_error::ErrorEnvelope;
use easel_contract::response::ImagesResponse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&status, body)) = data.split_first() else { return };
    let Ok(body) = std::str::from_utf8(body) else { return };
    // Statuses from 400 to 655, so every error class is reached.
    let status = 400 + u16::from(status);
    let failure = Failure::classify(status, body, |name| (name == "retry-after").then(|| body.chars().take(4).collect()));
    assert!(!failure.message().is_empty() && !failure.next_step().is_empty());

    if let Ok(answer) = serde_json::from_str::<ImagesResponse>(body) {
        let again: ImagesResponse = serde_json::from_str(&serde_json::to_string(&answer).unwrap()).unwrap();
        assert_eq!(again, answer);
    }
    if let Ok(error) = serde_json::from_str::<ErrorEnvelope>(body) {
        let again: ErrorEnvelope = serde_json::from_str(&serde_json::to_string(&error).unwrap()).unwrap();
        assert_eq!(again, error);
    }
});
