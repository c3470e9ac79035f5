//! Runs what the tiles ask for: sends queued tiles while the cap allows, settles them with what
//! came back, waits and sends again as the retry policy says, and aborts cancelled calls.

use std::collections::{HashMap, HashSet};

use easel_contract::failure::{CallError, Failure, RetryPolicy, GENERATION_TIMEOUT};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::image_api::{self, Generated};
use crate::image_store::Pending;
use crate::keeper::Keeper;
use crate::tiles::{Job, TileId, Tiles};

/// The run's state and the handles of calls in flight; `Copy`, so every handler can hold it.
#[derive(Clone, Copy)]
pub struct Engine {
    /// Every tile, the grid's source.
    pub tiles: RwSignal<Tiles<Generated>>,
    /// How many calls may be in flight at once.
    cap: Signal<usize>,
    /// One controller per call in flight, to abort it.
    aborts: StoredValue<HashMap<TileId, AbortController>, LocalStorage>,
    /// Calls aborted because they took longer than [`GENERATION_TIMEOUT`].
    timed_out: StoredValue<HashSet<TileId>>,
    /// Keeps what arrives, and notes calls in flight on the device.
    keeper: Keeper,
    /// When this page started, to tell its calls from an earlier page's on the device.
    page: u64,
}

/// Milliseconds on the page's clock.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

impl Engine {
    /// An engine with no tiles, sending at most `cap` calls at once.
    pub fn new(cap: Signal<usize>, keeper: Keeper) -> Engine {
        Engine {
            tiles: RwSignal::new(Tiles::default()),
            cap,
            aborts: StoredValue::new_local(HashMap::new()),
            timed_out: StoredValue::new(HashSet::new()),
            keeper,
            page: now_ms(),
        }
    }

    /// Queues a run: a tile per job, sent as the cap allows.
    pub fn run(self, prompt: &str, jobs: Vec<Job>) {
        self.tiles.update(|tiles| tiles.queue(prompt, jobs));
        self.pump();
    }

    /// Stops tile `id`, aborting its call if it is in flight.
    pub fn cancel(self, id: TileId) {
        if self.tiles.try_update(|tiles| tiles.cancel(id)).unwrap_or(false) {
            self.abort(id);
        }
        self.pump();
    }

    /// Stops every tile still to settle.
    pub fn cancel_all(self) {
        for id in self.tiles.try_update(Tiles::cancel_all).unwrap_or_default() {
            self.abort(id);
        }
    }

    fn abort(self, id: TileId) {
        if let Some(controller) = self.aborts.try_update_value(|aborts| aborts.remove(&id)).flatten() {
            controller.abort();
        }
    }

    /// Sends every tile the cap has room for.
    fn pump(self) {
        let cap = self.cap.get_untracked().max(1);
        let started = self.tiles.try_update(|tiles| tiles.start_due(cap, now_ms())).unwrap_or_default();
        for (id, job) in started {
            let controller = AbortController::new().expect("every browser Easel runs in has AbortController");
            let signal = controller.signal();
            self.aborts.update_value(|aborts| {
                aborts.insert(id, controller);
            });
            // A call still out after the timeout is aborted, and reads as a timeout, not a refusal.
            set_timeout(
                move || {
                    if self.aborts.with_value(|aborts| aborts.contains_key(&id)) {
                        self.timed_out.update_value(|timed_out| {
                            timed_out.insert(id);
                        });
                        self.abort(id);
                    }
                },
                GENERATION_TIMEOUT,
            );
            spawn_local(async move {
                // Noted on the device, so a reload during the call can say it was interrupted; not
                // awaited, so the request leaves at once. The note's write is queued before the
                // one that clears it, and IndexedDB runs them in that order.
                let store = self.keeper.store();
                let pending = Pending {
                    key: format!("{}-{id}", self.page),
                    prompt: self.tiles.with_untracked(|tiles| tiles.prompt_of(id)).unwrap_or_default(),
                    model: job.request.model().name.to_owned(),
                    images: job.request.image_count(),
                };
                if let Some(store) = store.clone() {
                    let pending = pending.clone();
                    spawn_local(async move {
                        let _ = store.begin(&pending).await;
                    });
                }
                let mut outcome = image_api::generate(&job.target, &job.request, &signal).await;
                self.aborts.update_value(|aborts| {
                    aborts.remove(&id);
                });
                if self.timed_out.try_update_value(|timed_out| timed_out.remove(&id)).unwrap_or(false) {
                    outcome = Err(CallError::from(Failure::Timeout));
                }
                let policy = RetryPolicy::default();
                let wait = self.tiles.try_update(|tiles| tiles.settle(id, outcome, &policy, now_ms())).flatten();
                self.tiles.with_untracked(|tiles| self.keeper.catch_up(tiles));
                if let Some(store) = &store {
                    let _ = store.end(&pending.key).await;
                }
                if let Some(wait) = wait {
                    set_timeout(
                        move || {
                            if self.tiles.try_update(|tiles| tiles.requeue_due(now_ms())).unwrap_or(false) {
                                self.pump();
                            }
                        },
                        wait,
                    );
                }
                self.pump();
            });
        }
    }
}
