//! The studio's state as one plain type: the connection profiles, the form and the budget as
//! typed. The model is held once, by the profile in use; the form offers that model's options,
//! and every change that can change the model (another model, another profile, a profile added
//! or removed, a dropped image's settings) goes through a method here, so the two never part.

use easel_contract::calendar::Date;
use easel_contract::endpoint::{Connection, ConnectionError, Target};
use easel_contract::model::{LifecycleStatus, ModelProfile};
use easel_contract::price::Cost;
use easel_contract::request::{ImageRequest, Plan, RequestError};

use crate::state::connections::{Connections, Profile};
use crate::state::spending::{read_budget, BudgetProblem};
use crate::state::studio_form::{KeptForm, StudioForm};
use crate::state::tiles::Job;

/// Everything the user has chosen in the studio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Studio {
    connections: Connections,
    /// The prompt and the options, for [`Studio::model`].
    pub form: StudioForm,
    /// The session's budget, as typed.
    pub budget: String,
}

/// Why a submit sends nothing: the first part found with problems (the connection, then the
/// prompt and options, then the calls at once), with them. The form shows every problem beside
/// its field; this says why nothing went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// The connection cannot be called.
    Connection(Vec<ConnectionError>),
    /// The prompt or an option cannot be sent.
    Request(Vec<RequestError>),
    /// The calls at once are out of bounds.
    AtOnce(String),
}

impl Studio {
    /// The studio on `connections`, with the form as `kept` on this device when there is one: its
    /// model comes back when it was chosen in the profile now in use (which then follows it, as
    /// it did), or else that profile's model with the kept choices it offers.
    pub fn new(connections: Connections, kept: Option<&KeptForm>) -> Studio {
        let mut studio =
            Studio { form: StudioForm::new(connections.current().model()), connections, budget: String::new() };
        if let Some(kept) = kept {
            let current = studio.connections.current();
            let chosen = ModelProfile::by_name(&kept.model).filter(|_| kept.profile == current.name);
            if let Some(model) = chosen {
                studio.follow_model(model);
            }
            studio.form = StudioForm::from_kept(kept, studio.model());
        }
        studio
    }

    /// The profiles, and the one in use.
    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// The profile in use, to change (its model changes only through [`Studio::switch_model`]).
    pub fn profile_mut(&mut self) -> &mut Profile {
        self.connections.current_mut()
    }

    /// The model the form is for: the profile in use's.
    pub fn model(&self) -> &'static ModelProfile {
        self.connections.current().model()
    }

    /// Switches to `model`: its options at their defaults, the prompt and run settings kept. A
    /// connection still on the old model's deployment name and api-version (as the local
    /// endpoint's are) follows to the new model's.
    pub fn switch_model(&mut self, model: &'static ModelProfile) {
        self.follow_model(model);
        self.form.use_model(model);
    }

    /// Uses the profile at `index`; the form offers its model's options.
    pub fn select_profile(&mut self, index: usize) {
        self.change_profile(|connections| connections.select(index));
    }

    /// Adds a blank profile of the user's own and uses it.
    pub fn add_profile(&mut self, today: Date) {
        self.change_profile(|connections| connections.add(today));
    }

    /// Deletes the profile in use if it is the user's own.
    pub fn remove_profile(&mut self, today: Date) {
        self.change_profile(|connections| connections.remove_current(today));
    }

    /// The form as it was for `request`, made with `model` (an image's settings brought back).
    pub fn restore(&mut self, model: &'static ModelProfile, request: &ImageRequest) {
        self.follow_model(model);
        self.form.restore(model, request);
    }

    /// What the device keeps of the form.
    pub fn kept(&self) -> KeptForm {
        self.form.kept(&self.connections.current().name, self.model())
    }

    /// The requests the form makes, with their cost, or every problem of the form.
    pub fn plan(&self) -> Result<Plan, Vec<RequestError>> {
        self.form.plan(self.model())
    }

    /// Where calls go, or what is wrong with the connection.
    pub fn target(&self) -> Result<Target, Vec<ConnectionError>> {
        self.connections.current().connection.target()
    }

    /// The budget as read.
    pub fn budget(&self) -> Result<Option<Cost>, BudgetProblem> {
        read_budget(&self.budget)
    }

    /// What to tell the user about the model's life on Azure on `today`, if anything.
    pub fn lifecycle_notice(&self, today: Date) -> Option<String> {
        lifecycle_notice(self.model(), today)
    }

    /// The calls a submit makes now, or why it makes none. The budget is checked by the engine,
    /// which knows what is already committed.
    pub fn submit(&self) -> Result<Vec<Job>, NotSent> {
        let target = self.target().map_err(NotSent::Connection)?;
        let plan = self.plan().map_err(NotSent::Request)?;
        if let Some(problem) = self.form.at_once_problem() {
            return Err(NotSent::AtOnce(problem));
        }
        let connection = self.connections.current().name.trim().to_owned();
        Ok(plan
            .requests
            .into_iter()
            .map(|request| Job { target: target.clone(), request, connection: connection.clone() })
            .collect())
    }

    /// Puts the profile in use on `model`, its connection following where it was on the old
    /// model's deployment name and api-version.
    fn follow_model(&mut self, model: &'static ModelProfile) {
        let profile = self.connections.current_mut();
        let old = profile.model();
        follow(&mut profile.connection, old, model);
        profile.set_model(model);
    }

    /// Makes `change` to the profiles; when the profile in use then has another model, the form
    /// offers that model's options.
    fn change_profile(&mut self, change: impl FnOnce(&mut Connections)) {
        let before = self.model();
        change(&mut self.connections);
        if self.model().name != before.name {
            self.form.use_model(self.model());
        }
    }
}

/// Moves `connection` from model `old` to `new` where it is still on `old`'s deployment name
/// and api-version (as the local endpoint's are).
fn follow(connection: &mut Connection, old: &ModelProfile, new: &ModelProfile) {
    if connection.deployment == old.name {
        connection.deployment = new.name.to_owned();
    }
    if connection.api_version == old.api_version {
        connection.api_version = new.api_version.to_owned();
    }
}

/// What to tell the user about `model`'s life on Azure on `today`, if anything.
fn lifecycle_notice(model: &ModelProfile, today: Date) -> Option<String> {
    let name = model.name;
    match model.status_on(today) {
        LifecycleStatus::Active => None,
        LifecycleStatus::RetiresSoon { on, days_left } => Some(format!(
            "Azure retires {name} on {on}, in {days_left} day{}: plan a move to a newer model.",
            if days_left == 1 { "" } else { "s" }
        )),
        LifecycleStatus::Retired { on } => Some(format!(
            "Azure retired {name} on {on}: Azure deployments of it answer with errors. \
             Servers that still speak it, such as the local endpoint, work."
        )),
    }
}

#[cfg(test)]
mod tests {
    use easel_contract::model::{DALL_E_3, GPT_IMAGE_1, GPT_IMAGE_1_5, GPT_IMAGE_2};
    use easel_contract::profiles::RuntimeConfig;
    use easel_contract::wire::{OutputFormat, Quality, Style};

    use super::*;
    use crate::state::connections::Saved;

    const TODAY: Date = Date::new(2026, 11, 24);

    /// The team's two profiles on the page's own server: "Local · dall-e-3", then "Local ·
    /// gpt-image-2", each named after its deployment.
    fn team() -> Connections {
        let profile = |model: &str, version: &str| {
            format!(
                r#"{{"name":"Local · {model}","deployment":"{model}","model":"{model}","api_version":"{version}","auth":"key","any_key":true}}"#
            )
        };
        let text = format!(
            r#"{{"profiles":[{},{}]}}"#,
            profile("dall-e-3", "2024-02-01"),
            profile("gpt-image-2", "2025-04-01-preview")
        );
        Connections::new(&RuntimeConfig::parse(&text).unwrap(), "http://127.0.0.1:8080", Saved::default(), TODAY)
    }

    #[test]
    fn switching_model_resets_its_options_keeps_the_prompt_and_moves_a_local_connection() {
        let mut studio = Studio::new(team(), None);
        studio.form.prompt = "a fox".into();
        studio.form.images = 3;
        studio.form.quality = Quality::Hd;
        studio.switch_model(&GPT_IMAGE_1);
        let form = &studio.form;
        assert_eq!((form.prompt.as_str(), form.images, form.quality), ("a fox", 3, Quality::Auto));
        assert_eq!((form.style, form.response_format, form.output_format), (None, None, Some(OutputFormat::Png)));
        let connection = &studio.connections().current().connection;
        assert_eq!(
            (connection.deployment.as_str(), connection.api_version.as_str()),
            ("gpt-image-1", "2025-04-01-preview")
        );
        assert_eq!(studio.model().name, "gpt-image-1", "the model is the profile's");

        studio.profile_mut().connection.deployment = "my-own-name".into();
        studio.switch_model(&DALL_E_3);
        let connection = &studio.connections().current().connection;
        assert_eq!(connection.deployment, "my-own-name", "a name the user chose stays");
        assert_eq!(connection.api_version, "2024-02-01");
    }

    #[test]
    fn the_notice_says_when_azure_retired_or_retires_the_model() {
        let notice = |model| lifecycle_notice(model, TODAY);
        assert_eq!(
            notice(&DALL_E_3).unwrap(),
            "Azure retired dall-e-3 on 2026-03-04: Azure deployments of it answer with errors. \
             Servers that still speak it, such as the local endpoint, work."
        );
        assert_eq!(
            notice(&GPT_IMAGE_1_5).unwrap(),
            "Azure retires gpt-image-1.5 on 2026-12-16, in 22 days: plan a move to a newer model."
        );
        assert_eq!(notice(&GPT_IMAGE_2), None);
    }

    #[test]
    fn another_profile_brings_its_model_and_the_form_offers_its_options() {
        let mut studio = Studio::new(team(), None);
        studio.form.prompt = "a heron".into();
        studio.form.style = Some(Style::Natural);
        studio.select_profile(1);
        assert_eq!(studio.model().name, "gpt-image-2");
        assert_eq!((studio.form.prompt.as_str(), studio.form.style), ("a heron", None), "gpt-image has no styles");
        assert!(studio.plan().unwrap().requests[0].to_json().contains(r#""output_format":"png""#));

        studio.form.quality = Quality::High;
        studio.select_profile(1);
        assert_eq!(studio.form.quality, Quality::High, "the same profile again changes nothing");

        studio.add_profile(TODAY);
        assert_eq!(studio.connections().selected(), 2);
        assert_eq!(studio.model().name, "gpt-image-2", "a new profile is for the newest model");
        assert_eq!(studio.form.quality, Quality::High, "so the form is left as it is");

        studio.select_profile(0);
        studio.remove_profile(TODAY);
        assert_eq!(studio.model().name, "dall-e-3", "a team profile is not removed");
    }

    #[test]
    fn a_kept_form_brings_its_model_back_only_to_the_profile_it_was_chosen_in() {
        let mut left = Studio::new(team(), None);
        left.switch_model(&GPT_IMAGE_1);
        left.form.prompt = "a kite".into();
        left.form.quality = Quality::High;
        let kept = left.kept();
        assert_eq!((kept.profile.as_str(), kept.model.as_str()), ("Local · dall-e-3", "gpt-image-1"));

        let back = Studio::new(team(), Some(&kept));
        assert_eq!(back.model().name, "gpt-image-1");
        assert_eq!(back.connections().current().connection.deployment, "gpt-image-1", "the connection follows");
        assert_eq!(back.form, left.form);

        let elsewhere = KeptForm { profile: "Another".into(), ..kept };
        let other = Studio::new(team(), Some(&elsewhere));
        assert_eq!(other.model().name, "dall-e-3", "the profile's own model");
        assert_eq!(
            (other.form.prompt.as_str(), other.form.quality),
            ("a kite", Quality::Standard),
            "dall-e-3 offers no high quality"
        );
    }

    #[test]
    fn an_images_settings_bring_its_model_and_every_option() {
        let mut made = Studio::new(team(), None);
        made.switch_model(&GPT_IMAGE_2);
        made.form.prompt = "a lighthouse".into();
        made.form.output_format = Some(OutputFormat::Jpeg);
        let request = made.plan().unwrap().requests[0].body().clone();

        let mut studio = Studio::new(team(), None);
        studio.restore(&GPT_IMAGE_2, &request);
        assert_eq!(studio.model().name, "gpt-image-2");
        assert_eq!(studio.form, made.form);
    }

    #[test]
    fn a_submit_makes_a_job_per_request_or_says_which_part_is_wrong() {
        let mut studio = Studio::new(team(), None);
        assert!(matches!(studio.submit(), Err(NotSent::Request(problems)) if problems.len() == 1));
        studio.form.prompt = "a fox".into();
        studio.form.images = 3;
        studio.profile_mut().name = " Local · dall-e-3 ".into();
        let jobs = studio.submit().unwrap();
        assert_eq!(jobs.len(), 3, "dall-e-3 makes one image a call");
        assert!(jobs.iter().all(|job| job.connection == "Local · dall-e-3" && job.request.prompt() == "a fox"));

        studio.form.at_once = 0;
        assert_eq!(studio.submit(), Err(NotSent::AtOnce("Send 1 to 10 requests at once, not 0.".into())));
        studio.profile_mut().connection.endpoint = "not an endpoint".into();
        assert!(matches!(studio.submit(), Err(NotSent::Connection(_))), "the connection is checked first");
    }
}
