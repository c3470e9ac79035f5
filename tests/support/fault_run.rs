//! The fault run: images generated through the app against a local endpoint that fails a share of
//! its calls at random (429, 500, 503, a filtered prompt, a filtered image, a slow answer), with
//! the page reloaded once at a random moment. `./dev faults` runs 100 images; the end-to-end tests run 20.
//!
//! How it counts, so anyone can check it:
//! - The first half is asked for, a press of Generate at a time, each press waiting for its tiles
//!   to appear as a user would see them (a press that shows none stops the run, named). Once a
//!   number of them drawn at random (from none to all) has settled, one script in the page notes
//!   the failed tiles' messages and asks for the reload, so no tile settles between the two. (The old
//!   page still runs for the few milliseconds until the new one replaces it: a tile finishing
//!   then is kept or still listed as interrupted; a tile failing then could only read as lost.)
//! - After the reload, the studio's notice lists what the reload interrupted. The run asks for
//!   those again, with the second half, as a user reading the notice would.
//! - Every image asked for must end exactly one way: kept on the device (counted in IndexedDB,
//!   where an image is kept once, by the hash of its bytes), failed with a message on its tile,
//!   or listed as interrupted and asked again. Anything else is lost; anything counted twice is
//!   duplicated.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use easel_server::{Backend, LocalEndpointConfig};
use serde_json::Value;

use super::{Harness, Studio};

/// What a fault run saw.
#[derive(Debug, Default)]
pub struct FaultRun {
    /// Images asked for.
    pub asked: usize,
    /// Kept on the device at the end.
    pub kept: usize,
    /// Failed tiles, by the message each showed.
    pub failed: BTreeMap<String, usize>,
    /// Tiles that failed with no message.
    pub failed_silently: usize,
    /// Listed by the reload's notice, and asked for again.
    pub interrupted: usize,
    /// Tiles settled when the page was reloaded, of those asked for before it.
    pub reloaded_after: (usize, usize),
    /// Calls the endpoint took.
    pub calls: usize,
    /// Calls the endpoint gave a fault.
    pub faults: usize,
    /// From the first Generate to the last tile settled.
    pub wall: Duration,
}

impl FaultRun {
    /// Failed tiles, with or without a message.
    pub fn failed(&self) -> usize {
        self.failed.values().sum::<usize>() + self.failed_silently
    }

    /// Images that ended no way the user was told of.
    pub fn lost(&self) -> usize {
        self.asked.saturating_sub(self.kept + self.failed())
    }

    /// Images counted more than once.
    pub fn duplicated(&self) -> usize {
        (self.kept + self.failed()).saturating_sub(self.asked)
    }
}

impl fmt::Display for FaultRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "asked for      {:>4} images: {} calls to the endpoint, {} of them given a fault; {:.1} s",
            self.asked,
            self.calls,
            self.faults,
            self.wall.as_secs_f64()
        )?;
        writeln!(f, "done (kept)    {:>4}", self.kept)?;
        writeln!(f, "failed         {:>4}, each with its message:", self.failed())?;
        for (message, count) in &self.failed {
            writeln!(f, "               {count:>4} × {message}")?;
        }
        if self.failed_silently > 0 {
            writeln!(f, "               {:>4} × (no message)", self.failed_silently)?;
        }
        let (settled, of) = self.reloaded_after;
        writeln!(
            f,
            "interrupted    {:>4} by the reload (after {settled} of {of} settled), listed by the studio, asked for again",
            self.interrupted
        )?;
        writeln!(f, "lost           {:>4}", self.lost())?;
        write!(f, "duplicated     {:>4}", self.duplicated())
    }
}

/// Generates `images` through the app with `fault_rate` of the calls failing, reloading once at a
/// moment drawn at random; `fault_seed` fixes which calls fail and when the reload comes (by
/// default the clock picks).
pub async fn fault_run(images: usize, fault_rate: f64, fault_seed: Option<u64>) -> FaultRun {
    let endpoint = LocalEndpointConfig {
        fault_rate,
        fault_seed,
        latency: Duration::from_millis(300),
        slow_latency: Duration::from_secs(3),
        retry_after_secs: 1,
        max_concurrent: 4,
        ..Default::default()
    };
    let stats = endpoint.stats.clone();
    let harness = Harness::serving(Backend::Local(endpoint)).await;
    let studio = Studio::open(&harness).await;
    studio.fill("At once", "4").await;
    let started = Instant::now();
    let first_half = images / 2;
    let draw = fault_seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos().into()
    });
    let reload_after = (draw % (first_half as u64 + 1)) as usize;
    ask_for(&studio, first_half, "before the reload").await;
    while settled(&harness).await < reload_after {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Notes the failures and asks for the reload in one script: nothing settles between the two.
    let before = harness
        .browser
        .execute(
            "const failed = [...document.querySelectorAll('.tile.failed')].map(tile =>
                 (tile.querySelector('.what') || {}).textContent || '');
             const unfinished = document.querySelectorAll('.tile.queued, .tile.running, .tile.waiting').length;
             location.reload();
             return [failed, unfinished];",
            vec![],
        )
        .await
        .unwrap();
    let (failed_before, unfinished) = (before[0].clone(), before[1].as_u64().unwrap_or(0));
    let studio = loop {
        // Waits for the new page: the old one may still answer for a moment.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let fresh = harness.browser.execute("return document.querySelectorAll('.tile').length", vec![]).await;
        if fresh.is_ok_and(|tiles| tiles == 0) {
            break Studio::open_page(&harness, "Prompt").await;
        }
    };
    let interrupted = interrupted_count(&harness, unfinished).await;

    studio.fill("At once", "4").await;
    ask_for(&studio, images - first_half + interrupted, "after the reload").await;
    studio.settled().await;
    let wall = started.elapsed();
    let failed_after = harness
        .browser
        .execute("return [...document.querySelectorAll('.tile.failed .what')].map(what => what.textContent)", vec![])
        .await
        .unwrap();

    let mut run = FaultRun {
        asked: images,
        interrupted,
        wall,
        reloaded_after: (reload_after, first_half),
        ..FaultRun::default()
    };
    for message in [failed_before, failed_after].iter().flat_map(|list| list.as_array().unwrap().clone()) {
        match message.as_str().unwrap_or_default().trim() {
            "" => run.failed_silently += 1,
            message => *run.failed.entry(message.to_owned()).or_default() += 1,
        }
    }
    // What is kept settles a moment after the tile does (the bytes and thumbnail are written).
    let done_tiles = studio.count(".tile.done").await;
    studio.count_eventually(".keeping.kept", done_tiles).await;
    run.kept = kept_on_the_device(&harness).await;
    run.calls = stats.calls.load(Ordering::SeqCst);
    run.faults = stats.faults.load(Ordering::SeqCst);
    harness.stop().await;
    run
}

/// Asks for `images` in runs of at most 10 (the most one run takes), each press of Generate
/// seen through: its tiles appear on the page, or the run stops and says so.
async fn ask_for(studio: &Studio<'_>, images: usize, when: &str) {
    let mut left = images;
    let mut run = 1;
    while left > 0 {
        let this_run = left.min(10);
        let prompt = format!("a fault run, {when}, run {run}");
        studio.fill("Prompt", &prompt).await;
        studio.fill("Images", &this_run.to_string()).await;
        let before = studio.count(".tile").await;
        studio.press("Generate").await;
        // dall-e-3, the default model, makes one image a call: a tile for each, at once.
        let shown = studio.count_eventually(".tile", before + this_run).await;
        assert!(
            shown >= before + this_run,
            "Generate was pressed for {this_run} images of \"{prompt}\", and the page showed {} new tiles",
            shown.saturating_sub(before)
        );
        left -= this_run;
        run += 1;
    }
}

/// Tiles settled on the page now: done, failed or cancelled.
async fn settled(harness: &Harness) -> usize {
    let script = "return document.querySelectorAll('.tile.done, .tile.failed, .tile.cancelled').length";
    harness.browser.execute(script, vec![]).await.unwrap().as_u64().unwrap_or(0) as usize
}

/// The images the studio's notice says the reload interrupted, `unfinished` of them at least
/// (the calls still to settle then; images made but not yet kept may be listed too, or kept).
/// The notice comes once the new page has read the notes: with calls unfinished, it must come.
async fn interrupted_count(harness: &Harness, unfinished: u64) -> usize {
    let script = "const notice = document.querySelector('.interrupted');
                  return notice ? [...notice.querySelectorAll('li')].map(item => item.textContent) : null;";
    let listed = || async {
        match harness.browser.execute(script, vec![]).await.unwrap() {
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(|item| item.as_str().unwrap().split(' ').next().unwrap().parse::<usize>().unwrap())
                    .sum::<usize>(),
            ),
            _ => None,
        }
    };
    let waits = if unfinished > 0 { 600 } else { 100 };
    for _ in 0..waits {
        if let Some(mut count) = listed().await {
            // Notes of a page still going when the new one read them come when it has gone.
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                match listed().await {
                    Some(again) if again != count => count = again,
                    _ => return count,
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(unfinished, 0, "{unfinished} images were unfinished at the reload, and the studio listed none");
    0
}

/// Images in the device's store.
async fn kept_on_the_device(harness: &Harness) -> usize {
    let script = "const count = db.transaction('records').objectStore('records').count();
                  count.onsuccess = () => done(count.result);";
    harness.in_store(script, vec![]).await.as_u64().unwrap() as usize
}
