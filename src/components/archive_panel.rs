//! Export and import: the selection or every kept image as one zip (images, `manifest.json`,
//! and each PNG's record inside it), and such a zip brought back without duplicates, each file
//! that cannot be taken reported on its own. Both go an image at a time, so a gallery of any
//! size passes through wasm's memory one image at a time.

use std::collections::HashSet;
use std::ops::Range;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::browser::clock;
use crate::browser::keeper::{keep_bytes, Keeper};
use crate::browser::object_url::ObjectUrl;
use crate::state::archive::file_parts::Parts;
use crate::state::archive::{ArchiveError, Export, Import, Piece, Step, Taken};
use crate::state::gallery::ImageRecord;

/// How long a finished export's download link is kept alive, so the browser can read it.
const DOWNLOAD_GRACE: Duration = Duration::from_secs(60);

/// Where an export or import stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Work {
    /// Reading images: done so far, out of.
    Exporting(usize, usize),
    /// Keeping imported images: done so far, out of.
    Importing(usize, usize),
    /// What the last one came to.
    Finished(String),
    /// Why it failed; nothing changed.
    Failed(String),
}

/// The export and import buttons and their progress.
#[component]
pub fn ArchivePanel(
    /// Every kept record.
    records: ReadSignal<Vec<ImageRecord>>,
    /// The ids selected in the grid.
    selected: ReadSignal<HashSet<String>>,
    /// The device's store.
    keeper: Keeper,
) -> impl IntoView {
    let work = RwSignal::new(None::<Work>);
    let busy = move || matches!(work.get(), Some(Work::Exporting(..) | Work::Importing(..)));

    let export = move |only_selected: bool| {
        let Some(store) = keeper.store() else {
            return;
        };
        let chosen: Vec<ImageRecord> = records.with_untracked(|records| {
            selected.with_untracked(|selected| {
                records.iter().filter(|record| !only_selected || selected.contains(&record.id)).cloned().collect()
            })
        });
        spawn_local(async move {
            let total = chosen.len();
            let mut export = Export::default();
            // The zip's pieces: small ones made here, and slices of the kept images themselves, so
            // only one image at a time passes through wasm's memory.
            let pieces = js_sys::Array::new();
            for (done, record) in chosen.into_iter().enumerate() {
                work.set(Some(Work::Exporting(done, total)));
                let Ok(Some(blob)) = store.image(&record.id).await else {
                    export.leave_out(&record);
                    continue;
                };
                let Ok(buffer) = JsFuture::from(blob.array_buffer()).await else {
                    export.leave_out(&record);
                    continue;
                };
                let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
                match export.add(&record, &bytes) {
                    Ok(parts) => {
                        for piece in parts {
                            match piece {
                                Piece::Made(made) => pieces.push(&js_sys::Uint8Array::from(&made[..])),
                                Piece::Kept(range) => pieces.push(
                                    &blob
                                        .slice_with_f64_and_f64(range.start as f64, range.end as f64)
                                        .unwrap_or(blob.clone()),
                                ),
                            };
                        }
                    }
                    Err(error) => {
                        work.set(Some(Work::Failed(error.to_string())));
                        return;
                    }
                }
            }
            let (end, exported) = match export.finish(clock::today()) {
                Ok(finished) => finished,
                Err(error) => {
                    work.set(Some(Work::Failed(error.to_string())));
                    return;
                }
            };
            pieces.push(&js_sys::Uint8Array::from(&end[..]));
            let options = web_sys::BlobPropertyBag::new();
            options.set_type("application/zip");
            let report = match web_sys::Blob::new_with_blob_sequence_and_options(&pieces, &options) {
                Ok(zip) => match ObjectUrl::from_blob(zip) {
                    Ok(url) => {
                        download(url, &exported.name);
                        Work::Finished(exported.to_string())
                    }
                    Err(_) => Work::Failed("The browser could not offer the zip as a download.".into()),
                },
                Err(_) => Work::Failed(
                    "The browser could not hold a zip this large: export fewer images at a time (select some).".into(),
                ),
            };
            work.set(Some(report));
        });
    };

    let import = move |file: web_sys::File| {
        let Some(store) = keeper.store() else {
            return;
        };
        spawn_local(async move {
            let name = file.name();
            let parts = Parts::new(file.size() as u64);
            // A part asked for twice was not what the reader lacked: the zip is damaged, and an
            // import that asked again would never end.
            let mut last_load = None;
            let mut load = async |range: Range<u64>| -> Result<(), ArchiveError> {
                if last_load.replace(range.clone()) == Some(range.clone()) {
                    return Err(ArchiveError::Damaged("a part of it cannot be read".into()));
                }
                let read = |_| ArchiveError::Damaged("the file could not be read".into());
                let slice = file.slice_with_f64_and_f64(range.start as f64, range.end as f64).map_err(read)?;
                let buffer = JsFuture::from(slice.array_buffer()).await.map_err(read)?;
                parts.borrow_mut().load(range.start, js_sys::Uint8Array::new(&buffer).to_vec());
                Ok(())
            };
            let known: HashSet<String> =
                records.with_untracked(|records| records.iter().map(|r| r.id.clone()).collect());
            let opened = loop {
                match Import::open(&parts, known.clone()) {
                    Ok(Step::Ready(import)) => break Ok(import),
                    Ok(Step::Load(range)) => {
                        if let Err(error) = load(range).await {
                            break Err(error);
                        }
                    }
                    Err(error) => break Err(error),
                }
            };
            let mut import = match opened {
                Ok(import) => import,
                Err(error) => {
                    work.set(Some(Work::Failed(format!("{name}: {error}"))));
                    return;
                }
            };
            let total = import.total();
            let (mut kept, mut skipped) = (0, 0);
            let mut problems = Vec::new();
            loop {
                work.set(Some(Work::Importing(total - import.left(), total)));
                match import.take_next() {
                    Step::Load(range) => {
                        if let Err(error) = load(range).await {
                            work.set(Some(Work::Failed(format!("{name}: {error}"))));
                            return;
                        }
                    }
                    Step::Ready(None) => break,
                    Step::Ready(Some(Taken::Image(record, bytes))) => match keep_bytes(&store, record, &bytes).await {
                        Ok(true) => kept += 1,
                        Ok(false) => skipped += 1,
                        Err(error) => problems.push(error.to_string()),
                    },
                    Step::Ready(Some(Taken::Duplicate)) => skipped += 1,
                    Step::Ready(Some(Taken::Problem(problem))) => problems.push(problem.to_string()),
                }
            }
            problems.extend(import.unlisted().iter().map(ToString::to_string));
            keeper.changed();
            let mut report = format!("Imported {kept} image{}", if kept == 1 { "" } else { "s" });
            if skipped > 0 {
                report += &format!("; skipped {skipped} already kept");
            }
            report.push('.');
            for problem in problems {
                report += &format!("\n{problem}");
            }
            work.set(Some(Work::Finished(report)));
        });
    };

    view! {
        <div class="archive">
            <button type="button" class="action" disabled=move || busy() || selected.with(HashSet::is_empty)
                on:click=move |_| export(true)>
                {move || format!("Export selected ({})", selected.with(HashSet::len))}
            </button>
            <button type="button" class="action" disabled=move || busy() || records.with(Vec::is_empty)
                on:click=move |_| export(false)>"Export all"</button>
            <label class="action file">
                "Import a zip"
                <input
                    type="file"
                    accept=".zip,application/zip"
                    disabled=busy
                    on:change:target=move |event| {
                        let input = event.target();
                        if let Some(file) = input.files().and_then(|files| files.get(0)) {
                            import(file);
                        }
                        // Cleared, so choosing the same file again imports it again.
                        input.set_value("");
                    }
                />
            </label>
            <div class="archive-progress" role="status" aria-live="polite">
                {move || work.get().map(|work| match work {
                    Work::Exporting(done, total) => progress("Reading images for the zip", done, total).into_any(),
                    Work::Importing(done, total) => progress("Keeping imported images", done, total).into_any(),
                    Work::Finished(report) => view! { <p class="report">{report}</p> }.into_any(),
                    Work::Failed(why) => view! { <p class="problem">{why}</p> }.into_any(),
                })}
            </div>
        </div>
    }
}

fn progress(what: &'static str, done: usize, total: usize) -> impl IntoView {
    view! {
        <label class="progress">
            {format!("{what}: {done} of {total}")}
            <progress max=total value=done></progress>
        </label>
    }
}

/// Offers the file behind `url` to the user as a download named `name`.
fn download(url: ObjectUrl, name: &str) {
    let Some(link) = document().create_element("a").ok().and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    else {
        return;
    };
    link.set_href(url.as_str());
    link.set_download(name);
    link.click();
    // Revoking at once can cancel the download; the URL is dropped (and revoked) a minute later.
    set_timeout(move || drop(url), DOWNLOAD_GRACE);
}
