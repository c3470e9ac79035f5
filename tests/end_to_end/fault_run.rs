//! End to end: the short fault run (see `tests/support/fault_run.rs`, and `./dev faults` for
//! the full one): 20 images, a fifth of the calls failing, a reload at a moment the seed picks.

use crate::support::fault_run::fault_run;

#[tokio::test(flavor = "multi_thread")]
async fn twenty_images_with_a_fifth_of_calls_failing_and_a_reload_lose_nothing() {
    // A fixed order of faults: 20 % of 20-odd calls could, by chance, be none at all.
    let run = fault_run(20, 0.2, Some(0x5eed)).await;
    println!("{run}");
    assert!(run.faults > 0, "the endpoint gave no fault, so nothing was tested:\n{run}");
    assert_eq!((run.lost(), run.duplicated(), run.failed_silently), (0, 0, 0), "\n{run}");
    assert!(run.kept > 0, "{run}");
}
