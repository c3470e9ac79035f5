//! The grid's contents and the rules of a run: a tile per request from the moment it is asked
//! for, at most a cap of them in flight, failed ones retried as the contract's policy says,
//! and any of them cancelled. Plain data: the app's driver does the calls and the timers.

use std::time::Duration;

use easel_contract::endpoint::Target;
use easel_contract::failure::{CallError, Failure, RetryPolicy};
use easel_contract::price::{Cost, Estimate};
use easel_contract::request::ValidRequest;

use crate::state::spending::{self, BudgetProblem, OverBudget};

/// A tile's identity, stable for its life; the grid keys on it.
pub type TileId = u64;

/// What one tile sends: a checked request to a checked target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Where it goes, with its credential.
    pub target: Target,
    /// What it asks for.
    pub request: ValidRequest,
    /// The name of the connection profile it goes through, kept with the image.
    pub connection: String,
}

/// Where one asked-for image stands. Times are milliseconds on the page's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileState<Image> {
    /// Waiting for a place under the cap.
    Queued,
    /// The request is on its way.
    Running {
        /// When it was sent.
        since_ms: u64,
    },
    /// Failed for now; sent again when the wait is over.
    Waiting {
        /// When it goes back in the queue.
        until_ms: u64,
        /// Why it waits.
        after: CallError,
    },
    /// The image arrived.
    Done(Image),
    /// No image: why, in plain words, and the answer's details.
    Failed(CallError),
    /// The user stopped it.
    Cancelled,
}

impl<Image> TileState<Image> {
    /// Whether the tile is still to settle.
    pub fn is_pending(&self) -> bool {
        matches!(self, TileState::Queued | TileState::Running { .. } | TileState::Waiting { .. })
    }
}

/// One image asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile<Image> {
    /// Its identity.
    pub id: TileId,
    /// Its place in its run, from 0.
    pub index: usize,
    /// What it sends.
    pub job: Job,
    /// Calls made so far.
    pub attempts: u32,
    /// Where it stands.
    pub state: TileState<Image>,
}

/// Every tile, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiles<Image> {
    list: Vec<Tile<Image>>,
    next_id: TileId,
}

impl<Image> Default for Tiles<Image> {
    fn default() -> Self {
        Tiles { list: Vec::new(), next_id: 0 }
    }
}

impl<Image> Tile<Image> {
    /// The prompt as the user wrote it: the request's, held there only.
    pub fn prompt(&self) -> &str {
        self.job.request.prompt()
    }
}

impl<Image: Clone> Tiles<Image> {
    /// The tiles, newest first.
    pub fn list(&self) -> &[Tile<Image>] {
        &self.list
    }

    /// How many requests are on their way.
    pub fn running(&self) -> usize {
        self.list.iter().filter(|tile| matches!(tile.state, TileState::Running { .. })).count()
    }

    /// How many tiles are still to settle.
    pub fn pending(&self) -> usize {
        self.list.iter().filter(|tile| tile.state.is_pending()).count()
    }

    /// What the session has spent, by each finished image's `cost_of`, and the most its calls
    /// still to settle may add (calls Easel has no price for add nothing).
    pub fn spending(&self, cost_of: impl Fn(&Image) -> Option<Cost>) -> (Cost, Cost) {
        self.list.iter().fold((Cost::default(), Cost::default()), |(spent, pending), tile| match &tile.state {
            TileState::Done(image) => (spent + cost_of(image).unwrap_or_default(), pending),
            state if state.is_pending() => (spent, pending + tile.job.request.estimate().at_most().unwrap_or_default()),
            _ => (spent, pending),
        })
    }

    /// Where a run stands, while anything is still to settle: "Generating 2 images · 1 waiting to
    /// retry · 3 queued…".
    pub fn progress(&self) -> String {
        let count = |wanted: fn(&TileState<Image>) -> bool| self.list.iter().filter(|tile| wanted(&tile.state)).count();
        let running = count(|state| matches!(state, TileState::Running { .. }));
        let parts = [
            (running > 0).then(|| format!("Generating {running} image{}", if running == 1 { "" } else { "s" })),
            Some(count(|state| matches!(state, TileState::Waiting { .. })))
                .filter(|n| *n > 0)
                .map(|n| format!("{n} waiting to retry")),
            Some(count(|state| matches!(state, TileState::Queued))).filter(|n| *n > 0).map(|n| format!("{n} queued")),
        ];
        format!("{}…", parts.into_iter().flatten().collect::<Vec<_>>().join(" · "))
    }

    /// What the settled tiles came to, as a person reads it: "2 images · 1 failed · 3 cancelled."
    pub fn outcome(&self) -> String {
        let count = |wanted: fn(&TileState<Image>) -> bool| self.list.iter().filter(|tile| wanted(&tile.state)).count();
        let done = count(|state| matches!(state, TileState::Done(_)));
        let parts = [
            (done > 0 || self.list.is_empty()).then(|| format!("{done} image{}", if done == 1 { "" } else { "s" })),
            Some(count(|state| matches!(state, TileState::Failed(_))))
                .filter(|n| *n > 0)
                .map(|n| format!("{n} failed")),
            Some(count(|state| matches!(state, TileState::Cancelled)))
                .filter(|n| *n > 0)
                .map(|n| format!("{n} cancelled")),
        ];
        format!("{}.", parts.into_iter().flatten().collect::<Vec<_>>().join(" · "))
    }

    /// Whether a run of `run` fits under `budget` with what the session has spent (each finished
    /// image at `cost_of`) and what its calls still to settle may cost.
    pub fn budget_allows(
        &self,
        budget: Result<Option<Cost>, BudgetProblem>,
        cost_of: impl Fn(&Image) -> Option<Cost>,
        run: Estimate,
    ) -> Result<(), OverBudget> {
        let (spent, pending) = self.spending(cost_of);
        spending::check(budget, spent + pending, run)
    }

    /// Queues a tile per job of one run, if the budget allows the whole run: the one way a call
    /// is asked for, so every call the app sends (a new run, "Again") passes this same check.
    pub fn queue_within(
        &mut self,
        budget: Result<Option<Cost>, BudgetProblem>,
        cost_of: impl Fn(&Image) -> Option<Cost>,
        jobs: Vec<Job>,
    ) -> Result<(), OverBudget> {
        self.budget_allows(budget, cost_of, jobs.iter().map(|job| job.request.estimate()).sum())?;
        self.queue(jobs);
        Ok(())
    }

    /// Queues a tile per job of one run, in order, ahead of the older tiles.
    fn queue(&mut self, jobs: Vec<Job>) {
        let tiles: Vec<_> = jobs
            .into_iter()
            .enumerate()
            .map(|(index, job)| {
                let tile = Tile { id: self.next_id, index, job, attempts: 0, state: TileState::Queued };
                self.next_id += 1;
                tile
            })
            .collect();
        self.list.splice(0..0, tiles);
    }

    /// Starts queued tiles, oldest first, while fewer than `cap` run; returns what to send.
    pub fn start_due(&mut self, cap: usize, now_ms: u64) -> Vec<(TileId, Job)> {
        let free = cap.saturating_sub(self.running());
        // Ids only grow, so the smallest queued ids were asked for first.
        let mut queued: Vec<usize> =
            (0..self.list.len()).filter(|&index| matches!(self.list[index].state, TileState::Queued)).collect();
        queued.sort_by_key(|&index| self.list[index].id);
        queued
            .into_iter()
            .take(free)
            .map(|index| {
                let tile = &mut self.list[index];
                tile.state = TileState::Running { since_ms: now_ms };
                tile.attempts += 1;
                (tile.id, tile.job.clone())
            })
            .collect()
    }

    /// Settles running tile `id` with what its call gave: done (an answer with several images
    /// puts the extra ones in tiles of their own beside it), failed, or waiting to be sent again
    /// when `policy` says so, for the wait it returns. A tile no longer running (cancelled) is
    /// left as it is.
    pub fn settle(
        &mut self,
        id: TileId,
        outcome: Result<Vec<Image>, CallError>,
        policy: &RetryPolicy,
        now_ms: u64,
    ) -> Option<Duration> {
        let index = self.list.iter().position(|tile| tile.id == id)?;
        if !matches!(self.list[index].state, TileState::Running { .. }) {
            return None;
        }
        match outcome {
            Err(error) => {
                let wait = policy.next_wait(&error.failure, self.list[index].attempts);
                self.list[index].state = match wait {
                    Some(wait) => TileState::Waiting { until_ms: now_ms + wait.as_millis() as u64, after: error },
                    None => TileState::Failed(error),
                };
                wait
            }
            Ok(images) => {
                let mut images = images.into_iter();
                let first = images.next().map_or(TileState::Failed(Failure::Unreachable.into()), TileState::Done);
                self.list[index].state = first;
                let first = &self.list[index];
                let (job, run_index) = (first.job.clone(), first.index);
                for (offset, image) in images.enumerate() {
                    let tile = Tile {
                        id: self.next_id,
                        index: run_index + offset + 1,
                        job: job.clone(),
                        attempts: 1,
                        state: TileState::Done(image),
                    };
                    self.next_id += 1;
                    self.list.insert(index + 1 + offset, tile);
                }
                None
            }
        }
    }

    /// Puts waiting tiles back in the queue when the timer set for `due_ms` fires: every tile
    /// due by then, whatever the page's clock reads. A browser may run a timer a moment before
    /// its own clock reaches the deadline (Firefox does, under load), and a tile left waiting
    /// then would wait for good: no other timer wakes it. Says whether any moved.
    pub fn requeue_when_timer_fires(&mut self, due_ms: u64, now_ms: u64) -> bool {
        self.requeue_due(due_ms.max(now_ms))
    }

    /// Puts waiting tiles whose wait is over at `now_ms` back in the queue; says whether any
    /// moved.
    fn requeue_due(&mut self, now_ms: u64) -> bool {
        let mut moved = false;
        for tile in &mut self.list {
            if matches!(tile.state, TileState::Waiting { until_ms, .. } if until_ms <= now_ms) {
                tile.state = TileState::Queued;
                moved = true;
            }
        }
        moved
    }

    /// Cancels tile `id` if it is still to settle; says whether its request was in flight.
    pub fn cancel(&mut self, id: TileId) -> bool {
        let Some(tile) = self.list.iter_mut().find(|tile| tile.id == id && tile.state.is_pending()) else {
            return false;
        };
        let was_running = matches!(tile.state, TileState::Running { .. });
        tile.state = TileState::Cancelled;
        was_running
    }

    /// Cancels every tile still to settle; returns those whose requests were in flight.
    pub fn cancel_all(&mut self) -> Vec<TileId> {
        let ids: Vec<TileId> = self.list.iter().filter(|tile| tile.state.is_pending()).map(|tile| tile.id).collect();
        ids.into_iter().filter(|id| self.cancel(*id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use easel_contract::endpoint::{ApiPath, Auth, Connection};
    use easel_contract::model::{DALL_E_3, GPT_IMAGE_1};
    use easel_contract::request::ImageRequest;

    fn jobs(model: &'static easel_contract::model::ModelProfile, images: u8) -> Vec<Job> {
        let target = Connection {
            endpoint: "http://127.0.0.1:8080".into(),
            deployment: model.name.into(),
            api_version: model.api_version.into(),
            path: ApiPath::Deployments,
            auth: Auth::ApiKey("k".into()),
        }
        .target()
        .unwrap();
        let plan = ImageRequest { prompt: "a fox".into(), ..Default::default() }.plan(model, images).unwrap();
        plan.requests
            .into_iter()
            .map(|request| Job { target: target.clone(), request, connection: "Local".into() })
            .collect()
    }

    fn states(tiles: &Tiles<&'static str>) -> Vec<String> {
        tiles
            .list()
            .iter()
            .map(|tile| match &tile.state {
                TileState::Queued => "queued".into(),
                TileState::Running { .. } => "running".into(),
                TileState::Waiting { .. } => "waiting".into(),
                TileState::Done(image) => format!("done:{image}"),
                TileState::Failed(_) => "failed".into(),
                TileState::Cancelled => "cancelled".into(),
            })
            .collect()
    }

    #[test]
    fn a_run_starts_no_more_than_the_cap_oldest_first() {
        let mut tiles = Tiles::<&str>::default();
        tiles.queue(jobs(&DALL_E_3, 5));
        let started = tiles.start_due(2, 0);
        assert_eq!(started.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [0, 1], "the first asked for go first");
        assert_eq!(tiles.running(), 2);
        assert!(tiles.start_due(2, 0).is_empty(), "the cap is full");
        tiles.settle(0, Ok(vec!["a"]), &RetryPolicy::default(), 10);
        assert_eq!(tiles.start_due(2, 10).iter().map(|(id, _)| *id).collect::<Vec<_>>(), [2]);
        assert_eq!(tiles.pending(), 4);
    }

    #[test]
    fn a_retry_goes_out_when_its_timer_fires_even_if_the_clock_reads_a_moment_early() {
        let mut tiles = Tiles::<&str>::default();
        tiles.queue(jobs(&DALL_E_3, 1));
        tiles.start_due(1, 0);
        let busy = Failure::ServiceError { status: 503 };
        let wait = tiles.settle(0, Err(busy.into()), &RetryPolicy::default(), 100).unwrap();
        let due = 100 + wait.as_millis() as u64;
        // Firefox ran the timer while its clock still read a millisecond before the deadline.
        assert!(tiles.requeue_when_timer_fires(due, due - 1), "the tile is not left waiting for good");
        assert_eq!(tiles.list()[0].state, TileState::Queued);
        assert!(!tiles.requeue_when_timer_fires(due, due), "nothing else was waiting");
    }

    #[test]
    fn transient_failures_wait_then_queue_again_until_the_policy_gives_up() {
        let mut tiles = Tiles::<&str>::default();
        let policy = RetryPolicy::default();
        tiles.queue(jobs(&DALL_E_3, 1));
        let busy = Failure::RateLimited { retry_after: Some(Duration::from_secs(3)) };
        tiles.start_due(1, 0);
        assert_eq!(tiles.settle(0, Err(busy.clone().into()), &policy, 100), Some(Duration::from_secs(3)));
        assert_eq!(tiles.list()[0].state, TileState::Waiting { until_ms: 3100, after: busy.clone().into() });
        assert!(!tiles.requeue_due(3099));
        assert!(tiles.requeue_due(3100));
        assert_eq!(tiles.list()[0].state, TileState::Queued);
        for attempt in 2..=3 {
            tiles.start_due(1, 4000);
            assert_eq!(tiles.list()[0].attempts, attempt);
            let wait = tiles.settle(0, Err(busy.clone().into()), &policy, 4000);
            if attempt < 3 {
                assert!(wait.is_some());
                tiles.requeue_due(u64::MAX);
            } else {
                assert_eq!(wait, None, "three calls in all");
            }
        }
        assert_eq!(tiles.list()[0].state, TileState::Failed(busy.into()));
        let refused = Failure::PromptFiltered { categories: vec![] };
        tiles.queue(jobs(&DALL_E_3, 1));
        tiles.start_due(1, 0);
        assert_eq!(tiles.settle(1, Err(refused.clone().into()), &policy, 0), None, "a refusal is final");
        assert_eq!(tiles.list()[0].state, TileState::Failed(refused.into()));
    }

    #[test]
    fn an_answer_with_several_images_fills_a_tile_for_each() {
        let mut tiles = Tiles::<&str>::default();
        tiles.queue(jobs(&GPT_IMAGE_1, 3));
        assert_eq!(tiles.list().len(), 1, "gpt-image makes three in one request");
        tiles.start_due(4, 0);
        tiles.settle(0, Ok(vec!["a", "b", "c"]), &RetryPolicy::default(), 0);
        assert_eq!(states(&tiles), ["done:a", "done:b", "done:c"]);
        let ids: Vec<_> = tiles.list().iter().map(|tile| (tile.id, tile.index)).collect();
        assert_eq!(ids, [(0, 0), (1, 1), (2, 2)], "each image keeps its place in the run");
    }

    #[test]
    fn cancelling_stops_whatever_is_still_to_settle_and_names_the_calls_to_abort() {
        let mut tiles = Tiles::<&str>::default();
        tiles.queue(jobs(&DALL_E_3, 4));
        tiles.start_due(2, 0);
        tiles.settle(0, Ok(vec!["a"]), &RetryPolicy::default(), 0);
        assert!(!tiles.cancel(0), "a finished tile stays finished");
        assert!(tiles.cancel(1), "tile 1 was in flight");
        assert_eq!(tiles.settle(1, Ok(vec!["late"]), &RetryPolicy::default(), 5), None);
        assert_eq!(
            tiles.list().iter().find(|tile| tile.id == 1).unwrap().state,
            TileState::Cancelled,
            "a late answer is dropped"
        );
        tiles.start_due(2, 0);
        assert_eq!(tiles.cancel_all(), [2, 3]);
        assert_eq!(tiles.pending(), 0);
        assert_eq!(states(&tiles), ["done:a", "cancelled", "cancelled", "cancelled"], "a run reads in asking order");
        assert_eq!(tiles.outcome(), "1 image · 3 cancelled.");
    }

    #[test]
    fn no_run_is_queued_past_the_budget_counting_what_is_spent_and_on_its_way() {
        let mut tiles = Tiles::<u64>::default();
        let cost_of = |micro_usd: &u64| Some(Cost::micro_usd(*micro_usd));
        let budget = || Ok(Some(Cost::micro_usd(100_000)));
        assert_eq!(tiles.queue_within(budget(), cost_of, jobs(&DALL_E_3, 1)), Ok(()));
        tiles.start_due(1, 0);
        tiles.settle(0, Ok(vec![40_000]), &RetryPolicy::default(), 0);
        assert_eq!(tiles.queue_within(budget(), cost_of, jobs(&DALL_E_3, 1)), Ok(()), "$0.08 of $0.10");
        let again = tiles.list()[0].job.clone();
        assert_eq!(
            tiles.queue_within(budget(), cost_of, vec![again.clone()]),
            Err(OverBudget::WouldPass {
                run: Cost::micro_usd(40_000),
                committed: Cost::micro_usd(80_000),
                budget: Cost::micro_usd(100_000)
            }),
            "one done and one on its way leave no room for the same request again"
        );
        assert_eq!(tiles.list().len(), 2, "nothing was queued");
        assert!(tiles.queue_within(crate::state::spending::read_budget("two"), cost_of, vec![again]).is_err());
        assert_eq!(tiles.list().len(), 2, "an unreadable budget sends nothing");
    }

    #[test]
    fn the_outcome_counts_what_the_tiles_came_to() {
        let mut tiles = Tiles::<&str>::default();
        assert_eq!(tiles.outcome(), "0 images.");
        tiles.queue(jobs(&DALL_E_3, 3));
        tiles.start_due(3, 0);
        tiles.settle(0, Ok(vec!["a"]), &RetryPolicy::default(), 0);
        tiles.settle(1, Ok(vec!["b"]), &RetryPolicy::default(), 0);
        tiles.settle(2, Err(Failure::Unauthorized.into()), &RetryPolicy::default(), 0);
        assert_eq!(tiles.outcome(), "2 images · 1 failed.");
    }

    #[test]
    fn progress_tells_running_from_waiting_and_queued() {
        let mut tiles = Tiles::<&str>::default();
        tiles.queue(jobs(&DALL_E_3, 4));
        tiles.start_due(2, 0);
        assert_eq!(tiles.progress(), "Generating 2 images · 2 queued…");
        let busy = Failure::RateLimited { retry_after: Some(Duration::from_secs(3)) };
        tiles.settle(0, Err(busy.into()), &RetryPolicy::default(), 0);
        assert_eq!(tiles.progress(), "Generating 1 image · 1 waiting to retry · 2 queued…");
    }

    #[test]
    fn spending_counts_finished_images_and_the_most_the_rest_may_cost() {
        let mut tiles = Tiles::<u64>::default();
        tiles.queue(jobs(&DALL_E_3, 3));
        assert_eq!(tiles.spending(|_| None), (Cost::default(), Cost::micro_usd(120_000)), "three at $0.04 to come");
        tiles.start_due(3, 0);
        tiles.settle(0, Ok(vec![40_000]), &RetryPolicy::default(), 0);
        tiles.settle(1, Err(Failure::Unauthorized.into()), &RetryPolicy::default(), 0);
        let cost_of = |micro_usd: &u64| Some(Cost::micro_usd(*micro_usd));
        assert_eq!(
            tiles.spending(cost_of),
            (Cost::micro_usd(40_000), Cost::micro_usd(40_000)),
            "a failure costs nothing"
        );
    }
}
