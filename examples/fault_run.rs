//! The fault run: `./dev faults [IMAGES] [FAULT_RATE]` (default 100 images, 0.2) generates
//! images through the release build against a local endpoint that fails that share of its calls
//! at random (429, 500, 503, a filtered prompt, a filtered image, a slow answer), reloads the
//! page once at a random moment, and prints how every image ended. How it counts: `tests/support/fault_run.rs`.

#[path = "../tests/support/mod.rs"]
mod support;

use support::fault_run::fault_run;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let images = args.next().map_or(100, |images| images.parse().expect("IMAGES is a whole number"));
    let fault_rate = args.next().map_or(0.2, |rate| rate.parse().expect("FAULT_RATE is a number from 0 to 1"));
    println!(
        "Fault run: {images} images, {:.0} % of calls given a fault, the page reloaded once at a random moment\n",
        fault_rate * 100.0
    );
    let run = fault_run(images, fault_rate, None).await;
    println!("{run}");
    let passed = run.lost() == 0 && run.duplicated() == 0 && run.failed_silently == 0;
    println!(
        "\n{}",
        if passed { "Passed: nothing lost, nothing duplicated, every failure with its message." } else { "FAILED." }
    );
    std::process::exit(if passed { 0 } else { 1 });
}
