//! Runs what the tiles ask for: sends queued tiles while the cap allows, settles them with what
//! came back, waits and sends again as the retry policy says, and aborts cancelled calls.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use easel_contract::failure::{CallError, Failure, RetryPolicy};
use easel_contract::price::{Cost, Estimate};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::browser::api::{self, Generated};
use crate::browser::clock::now_ms;
use crate::browser::keeper::{Keeper, Keeping};
use crate::state::interrupted::{Noted, Pending};
use crate::state::spending::{BudgetProblem, OverBudget};
use crate::state::tiles::{Job, Tile, TileId, TileState, Tiles};

/// The run's state and the handles of calls in flight; `Copy`, so every handler can hold it.
#[derive(Clone, Copy)]
pub struct Engine {
    /// Every tile, the grid's source.
    pub tiles: RwSignal<Tiles<Generated>>,
    /// How many calls may be in flight at once.
    cap: Signal<usize>,
    /// The session's budget as the user typed it; every run is checked against it.
    budget: Signal<Result<Option<Cost>, BudgetProblem>>,
    /// How long one call may take before it is aborted as timed out.
    call_timeout: Duration,
    /// One per call in flight, to abort it.
    in_flight: StoredValue<HashMap<TileId, InFlight>, LocalStorage>,
    /// Calls aborted because they took longer than `call_timeout`.
    timed_out: StoredValue<HashSet<TileId>>,
    /// The tiles noted on the device as not finished.
    noted: StoredValue<Noted>,
    /// Keeps what arrives, and notes on the device what is not finished.
    keeper: Keeper,
}

/// A call on its way: the means to abort it, and its own time-out, cleared when it settles so
/// that it can never cut short a later attempt of the same tile.
struct InFlight {
    controller: AbortController,
    timer: Option<TimeoutHandle>,
}

impl Engine {
    /// An engine with no tiles, sending at most `cap` calls at once within `budget`, each
    /// allowed `call_timeout`.
    pub fn new(
        cap: Signal<usize>,
        budget: Signal<Result<Option<Cost>, BudgetProblem>>,
        call_timeout: Duration,
        keeper: Keeper,
    ) -> Engine {
        let engine = Engine {
            tiles: RwSignal::new(Tiles::default()),
            cap,
            budget,
            call_timeout,
            in_flight: StoredValue::new_local(HashMap::new()),
            timed_out: StoredValue::new(HashSet::new()),
            noted: StoredValue::new(Noted::default()),
            keeper,
        };
        engine.note_unfinished_on_the_device();
        engine
    }

    /// Keeps a note on the device of every tile this page has not finished: queued, generating,
    /// waiting to retry, or made but not yet kept. A reload then lists what it interrupted, and
    /// nothing the user asked for disappears without a word.
    fn note_unfinished_on_the_device(self) {
        Effect::new(move |_| {
            self.keeper.changes.track();
            if let Some(write) = self.follow_notes() {
                spawn_local(write);
            }
        });
    }

    /// The one way the device's notes change: notes the tiles not finished that are not noted
    /// yet and forgets the notes of those that finished, in one write (`None` when nothing
    /// changed, or with no store).
    fn follow_notes(self) -> Option<impl Future<Output = ()>> {
        let store = self.keeper.store()?;
        let unfinished: HashMap<TileId, Pending> = self.tiles.with(|tiles| {
            self.keeper.keeping.with(|keeping| {
                tiles
                    .list()
                    .iter()
                    .filter(|tile| match &tile.state {
                        TileState::Done(_) => matches!(keeping.get(&tile.id), None | Some(Keeping::Saving)),
                        state => state.is_pending(),
                    })
                    .map(|tile| (tile.id, self.pending_of(tile)))
                    .collect()
            })
        });
        let ids = unfinished.keys().copied().collect();
        let (begun, ended) = self.noted.try_update_value(|noted| noted.follow(&ids))?;
        if begun.is_empty() && ended.is_empty() {
            return None;
        }
        let begun: Vec<Pending> = begun.iter().filter_map(|id| unfinished.get(id).cloned()).collect();
        let ended: Vec<String> = ended.into_iter().map(|id| self.keeper.note_key(id)).collect();
        Some(async move {
            let _ = store.note_unfinished(&begun, &ended).await;
        })
    }

    /// The note on the device of `tile` while it is not finished.
    fn pending_of(self, tile: &Tile<Generated>) -> Pending {
        Pending {
            key: self.keeper.note_key(tile.id),
            page: self.keeper.page(),
            prompt: tile.prompt().to_owned(),
            model: tile.job.request.model().name.to_owned(),
            images: tile.job.request.image_count(),
        }
    }

    /// Whether the budget allows a run that may cost `run`, as things stand.
    pub fn budget_allows(self, run: Estimate) -> Result<(), OverBudget> {
        let budget = self.budget.get();
        self.tiles.with(|tiles| tiles.budget_allows(budget, |image| image.cost, run))
    }

    /// Queues a run, if the budget allows it: a tile per job, sent as the cap allows.
    pub fn run(self, jobs: Vec<Job>) -> Result<(), OverBudget> {
        let budget = self.budget.get_untracked();
        self.tiles.try_update(|tiles| tiles.queue_within(budget, |image| image.cost, jobs)).unwrap_or(Ok(()))?;
        // The run is noted on the device before its first call goes out, so a page closed at any
        // moment lists a sent call as interrupted, never loses it.
        match untrack(|| self.follow_notes()) {
            Some(write) => spawn_local(async move {
                write.await;
                self.pump();
            }),
            None => self.pump(),
        }
        Ok(())
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
        if let Some(call) = self.settled(id) {
            call.controller.abort();
        }
    }

    /// Forgets tile `id`'s call in flight, and its time-out with it.
    fn settled(self, id: TileId) -> Option<InFlight> {
        let call = self.in_flight.try_update_value(|in_flight| in_flight.remove(&id)).flatten()?;
        if let Some(timer) = call.timer {
            timer.clear();
        }
        Some(call)
    }

    /// Sends every tile the cap has room for.
    fn pump(self) {
        let cap = self.cap.get_untracked().max(1);
        let started = self.tiles.try_update(|tiles| tiles.start_due(cap, now_ms())).unwrap_or_default();
        for (id, job) in started {
            let controller = AbortController::new().expect("every browser Easel runs in has AbortController");
            let signal = controller.signal();
            // A call still out after the timeout is aborted, and reads as a timeout, not a refusal.
            let timer = set_timeout_with_handle(
                move || {
                    self.timed_out.update_value(|timed_out| {
                        timed_out.insert(id);
                    });
                    self.abort(id);
                },
                self.call_timeout,
            )
            .ok();
            self.in_flight.update_value(|in_flight| {
                in_flight.insert(id, InFlight { controller, timer });
            });
            spawn_local(async move {
                let mut outcome = api::generate(&job.target, &job.request, &signal).await;
                self.settled(id);
                if self.timed_out.try_update_value(|timed_out| timed_out.remove(&id)).unwrap_or(false) {
                    outcome = Err(CallError::from(Failure::Timeout));
                }
                let policy = RetryPolicy::default();
                let settled_at = now_ms();
                let wait = self.tiles.try_update(|tiles| tiles.settle(id, outcome, &policy, settled_at)).flatten();
                self.tiles.with_untracked(|tiles| self.keeper.catch_up(tiles));
                if let Some(wait) = wait {
                    let due = settled_at + wait.as_millis() as u64;
                    set_timeout(
                        move || {
                            let moved = self.tiles.try_update(|tiles| tiles.requeue_when_timer_fires(due, now_ms()));
                            if moved.unwrap_or(false) {
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
