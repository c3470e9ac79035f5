//! Export and import: the selection or every kept image as one zip (images, `manifest.json`,
//! and each PNG's record inside it), and such a zip brought back without duplicates, each file
//! that cannot be taken reported on its own.

use std::collections::HashSet;
use std::time::Duration;

use easel_contract::calendar::Date;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::archive::{self, Imported};
use crate::gallery::ImageRecord;
use crate::keeper::{keep_bytes, Keeper};
use crate::object_url::ObjectUrl;

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
    records: RwSignal<Vec<ImageRecord>>,
    /// The ids selected in the grid.
    selected: RwSignal<HashSet<String>>,
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
            let mut images = Vec::with_capacity(total);
            for (done, record) in chosen.into_iter().enumerate() {
                work.set(Some(Work::Exporting(done, total)));
                let Ok(Some(blob)) = store.image(&record.id).await else {
                    continue;
                };
                let Ok(buffer) = JsFuture::from(blob.array_buffer()).await else {
                    continue;
                };
                images.push((record, js_sys::Uint8Array::new(&buffer).to_vec()));
            }
            let count = images.len();
            match archive::export(&images, |_| ()) {
                Ok(zip) => {
                    let today = Date::from_days_since_epoch((js_sys::Date::now() / 86_400_000.0).floor() as i64);
                    download(&zip, &format!("easel-{today}-{count}-images.zip"));
                    work.set(Some(Work::Finished(format!(
                        "Exported {count} image{} as a zip.",
                        if count == 1 { "" } else { "s" }
                    ))));
                }
                Err(error) => work.set(Some(Work::Failed(error.to_string()))),
            }
        });
    };

    let import = move |file: web_sys::File| {
        let Some(store) = keeper.store() else {
            return;
        };
        spawn_local(async move {
            let Ok(buffer) = JsFuture::from(file.array_buffer()).await else {
                work.set(Some(Work::Failed("The file could not be read.".into())));
                return;
            };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let known: HashSet<String> =
                records.with_untracked(|records| records.iter().map(|r| r.id.clone()).collect());
            let Imported { images, skipped_duplicates, problems } = match archive::import(&bytes, &known) {
                Ok(imported) => imported,
                Err(error) => {
                    work.set(Some(Work::Failed(format!("{}: {error}", file.name()))));
                    return;
                }
            };
            let total = images.len();
            let mut kept = 0;
            let mut not_kept = Vec::new();
            for (done, (record, bytes)) in images.into_iter().enumerate() {
                work.set(Some(Work::Importing(done, total)));
                match keep_bytes(&store, record, &bytes).await {
                    Ok(()) => kept += 1,
                    Err(error) => not_kept.push(error.to_string()),
                }
            }
            keeper.changed();
            let mut report = format!("Imported {kept} image{}", if kept == 1 { "" } else { "s" });
            if skipped_duplicates > 0 {
                report += &format!("; skipped {skipped_duplicates} already kept");
            }
            report.push('.');
            for problem in problems.iter().map(ToString::to_string).chain(not_kept) {
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

/// Offers `bytes` to the user as a download named `name`.
fn download(bytes: &[u8], name: &str) {
    let Ok(url) = ObjectUrl::from_bytes(bytes, "application/zip") else {
        return;
    };
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
