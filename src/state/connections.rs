//! The connection profiles: the team's, from the server's `config.json`, and the user's own,
//! kept on this device. A profile's key stays in memory unless the user chose to remember it.

use std::collections::BTreeMap;

use easel_contract::calendar::Date;
use easel_contract::endpoint::{read_endpoint, ApiPath, Auth, AuthKind, Connection, Pasted};
use easel_contract::model::{LifecycleStatus, ModelProfile, MODELS};
use easel_contract::profiles::{ProfileSpec, RuntimeConfig};
use serde::{Deserialize, Serialize};

/// What Easel sends as the key to an endpoint that takes any key: the local endpoint.
const ANY_KEY: &str = "local";

/// Where a profile comes from, which decides what is kept of it on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The team's, from `config.json`: only its key is kept, if the user chose to, bound to
    /// where the file sent it then.
    Team(Destination),
    /// Made by the user on this device: kept whole, its key only if the user chose to.
    Mine,
}

/// Where a team profile sends its key: the endpoint (the page's own origin when `config.json`
/// names none) and the deployment `config.json` gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// The endpoint, as the key is sent to it.
    pub endpoint: String,
    /// The deployment `config.json` names.
    pub deployment: String,
}

/// One named connection and the model behind its deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// What the user sees in the list.
    pub name: String,
    /// Where calls go, with the credential.
    pub connection: Connection,
    /// The model the deployment runs, the one place the studio's model is held; it changes only
    /// through [`crate::state::studio::Studio`], which keeps the form's options for it.
    model: &'static ModelProfile,
    /// Where it comes from.
    pub origin: Origin,
    /// Whether the key is kept on this device, not only in memory.
    pub remember_key: bool,
}

impl Profile {
    /// The model the deployment runs.
    pub fn model(&self) -> &'static ModelProfile {
        self.model
    }

    /// Puts the deployment on `model`; the studio's form follows it there.
    pub(super) fn set_model(&mut self, model: &'static ModelProfile) {
        self.model = model;
    }

    /// The kind of credential the profile sends.
    pub fn auth_kind(&self) -> AuthKind {
        self.connection.auth.kind()
    }

    /// Sends `kind` of credential from now on; a key typed is kept as a token and back.
    pub fn set_auth_kind(&mut self, kind: AuthKind) {
        let secret = self.secret().unwrap_or_default().to_owned();
        self.connection.auth = Auth::of_kind(kind, secret);
    }

    /// The key or token, if the profile sends one.
    pub fn secret(&self) -> Option<&str> {
        self.connection.auth.secret()
    }

    /// Replaces the key or token; a profile that sends none is left as it is.
    pub fn set_secret(&mut self, secret: String) {
        match &mut self.connection.auth {
            Auth::ApiKey(old) | Auth::Bearer(old) => *old = secret,
            Auth::None => {}
        }
    }

    /// Puts a pasted endpoint or the portal's Target URI into the profile. Returns what a Target
    /// URI filled in besides the endpoint, to tell the user, or `None` when it named nothing more.
    pub fn paste_endpoint(&mut self, text: &str) -> Option<String> {
        match read_endpoint(text) {
            Ok(pasted @ Pasted { deployment: Some(_), .. })
            | Ok(pasted @ Pasted { api_version: Some(_), .. })
            | Ok(pasted @ Pasted { path: Some(_), .. }) => {
                let filled = [
                    pasted.deployment.as_ref().map(|d| format!("deployment {d}")),
                    pasted.api_version.as_ref().map(|v| format!("api-version {v}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
                self.connection.fill_from(pasted);
                Some(format!(
                    "Read the Target URI: endpoint {}{}{}.",
                    self.connection.endpoint,
                    if filled.is_empty() { "" } else { ", " },
                    filled.join(", ")
                ))
            }
            _ => {
                self.connection.endpoint = text.to_owned();
                None
            }
        }
    }

    fn from_team(spec: &ProfileSpec, page_origin: &str) -> Option<Profile> {
        let model = ModelProfile::by_name(&spec.model)?;
        let secret = if spec.any_key { ANY_KEY } else { "" };
        let connection = connection_of(spec, page_origin, secret.to_owned());
        let destination =
            Destination { endpoint: connection.endpoint.clone(), deployment: connection.deployment.clone() };
        Some(Profile {
            name: spec.name.clone(),
            connection,
            model,
            origin: Origin::Team(destination),
            remember_key: false,
        })
    }

    fn spec(&self) -> ProfileSpec {
        let connection = &self.connection;
        ProfileSpec {
            name: self.name.clone(),
            endpoint: Some(connection.endpoint.clone()),
            deployment: connection.deployment.clone(),
            model: self.model.name.to_owned(),
            api_version: connection.api_version.clone(),
            path: connection.path,
            auth: self.auth_kind(),
            any_key: false,
        }
    }
}

fn connection_of(spec: &ProfileSpec, page_origin: &str, secret: String) -> Connection {
    Connection {
        endpoint: spec.endpoint.clone().unwrap_or_else(|| page_origin.to_owned()),
        deployment: spec.deployment.clone(),
        api_version: spec.api_version.clone(),
        path: spec.path,
        auth: Auth::of_kind(spec.auth, secret),
    }
}

/// What this device keeps of the profiles (in the browser's local storage). A key is here only
/// for a profile whose user ticked "remember".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Saved {
    /// The user's own profiles, as typed, even half-finished.
    #[serde(default)]
    pub mine: Vec<SavedProfile>,
    /// Remembered keys of team profiles, by profile name, each with where it was sent.
    #[serde(default, deserialize_with = "bound_keys_only")]
    pub team_keys: BTreeMap<String, TeamKey>,
    /// The profile in use, by name.
    #[serde(default)]
    pub selected: Option<String>,
}

/// What of an unreadable kept value may be set aside: the same JSON with every key and token
/// taken out (a set-aside copy is never read back, so a key in it would only wait there), or
/// nothing when it is not JSON at all, since a key could then be anywhere in it.
pub fn set_aside_without_secrets(text: &str) -> Option<String> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(fields) => {
                fields.retain(|name, _| name != "secret");
                if let Some(keys) = fields.get_mut("team_keys") {
                    *keys = serde_json::Value::Object(Default::default());
                }
                fields.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    strip(&mut value);
    Some(value.to_string())
}

/// A team profile's remembered key, and where it was sent when the user chose to remember it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamKey {
    /// The endpoint and deployment the key was remembered for: a profile `config.json` now
    /// sends elsewhere gets no key.
    #[serde(flatten)]
    pub destination: Destination,
    /// The key or token.
    pub secret: String,
}

/// Team keys as kept: a key kept before keys were bound to their destination (a bare string)
/// is dropped, since nothing says where it may go; the user types it once more.
fn bound_keys_only<'de, D: serde::Deserializer<'de>>(from: D) -> Result<BTreeMap<String, TeamKey>, D::Error> {
    let kept = BTreeMap::<String, serde_json::Value>::deserialize(from)?;
    Ok(kept.into_iter().filter_map(|(name, key)| Some((name, serde_json::from_value(key).ok()?))).collect())
}

/// One of the user's profiles as kept on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedProfile {
    /// Everything but the key.
    pub profile: ProfileSpec,
    /// The key or token, when the user chose to remember it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Every profile, and the one in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connections {
    list: Vec<Profile>,
    selected: usize,
}

impl Connections {
    /// The team's profiles, then the user's own as saved, with the one last used selected. With
    /// neither, one blank profile for the user's Azure resource.
    pub fn new(team: &RuntimeConfig, page_origin: &str, saved: Saved, today: Date) -> Connections {
        let mut list: Vec<Profile> = team
            .profiles
            .iter()
            .filter_map(|spec| Profile::from_team(spec, page_origin))
            .map(|mut profile| {
                let kept = saved.team_keys.get(&profile.name);
                if let (Some(kept), Origin::Team(destination)) = (kept, &profile.origin) {
                    if &kept.destination == destination {
                        profile.remember_key = true;
                        profile.set_secret(kept.secret.clone());
                    }
                }
                profile
            })
            .collect();
        list.extend(saved.mine.into_iter().map(|SavedProfile { profile, secret }| Profile {
            name: profile.name.clone(),
            connection: connection_of(&profile, page_origin, secret.clone().unwrap_or_default()),
            model: ModelProfile::by_name(&profile.model).unwrap_or_else(|| newest_model(today)),
            origin: Origin::Mine,
            remember_key: secret.is_some(),
        }));
        let mut connections = Connections { list, selected: 0 };
        if connections.list.is_empty() {
            connections.add(today);
        }
        connections.selected = saved
            .selected
            .and_then(|name| connections.list.iter().position(|profile| profile.name == name))
            .unwrap_or(0);
        connections
    }

    /// Every profile, in the order offered.
    pub fn list(&self) -> &[Profile] {
        &self.list
    }

    /// The place of the profile in use.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// The profile in use.
    pub fn current(&self) -> &Profile {
        &self.list[self.selected]
    }

    /// The profile in use, to change.
    pub(super) fn current_mut(&mut self) -> &mut Profile {
        &mut self.list[self.selected]
    }

    /// Uses the profile at `index`, if there is one.
    pub(super) fn select(&mut self, index: usize) {
        if index < self.list.len() {
            self.selected = index;
        }
    }

    /// Adds a blank profile of the user's own, for the newest model Azure offers, and uses it.
    pub(super) fn add(&mut self, today: Date) {
        let name = (1..)
            .map(|n| if n == 1 { "My Azure resource".to_owned() } else { format!("My Azure resource {n}") })
            .find(|name| self.list.iter().all(|profile| &profile.name != name))
            .expect("some name is free");
        let model = newest_model(today);
        self.list.push(Profile {
            name,
            connection: Connection {
                endpoint: String::new(),
                deployment: model.name.to_owned(),
                api_version: model.api_version.to_owned(),
                path: ApiPath::Deployments,
                auth: Auth::ApiKey(String::new()),
            },
            model,
            origin: Origin::Mine,
            remember_key: false,
        });
        self.selected = self.list.len() - 1;
    }

    /// Deletes the profile in use if it is the user's own (the team's come back with every
    /// page load); the list is never left empty.
    pub(super) fn remove_current(&mut self, today: Date) {
        if self.current().origin != Origin::Mine {
            return;
        }
        self.list.remove(self.selected);
        self.selected = self.selected.saturating_sub(1);
        if self.list.is_empty() {
            self.add(today);
        }
    }

    /// Why the profile in use cannot be renamed to `name`, if it cannot. Names are kept as typed
    /// (trimming while the user types would eat the space before the next word) and compared
    /// without their outer spaces.
    pub fn rename_problem(&self, name: &str) -> Option<String> {
        let name = name.trim();
        if name.is_empty() {
            Some("Give the connection a name.".to_owned())
        } else if self
            .list
            .iter()
            .enumerate()
            .any(|(index, profile)| index != self.selected && profile.name.trim() == name)
        {
            Some(format!("Another connection is already called \"{name}\"."))
        } else {
            None
        }
    }

    /// What to keep on this device: the user's profiles, and the keys the user chose to remember.
    pub fn saved(&self) -> Saved {
        let remembered =
            |profile: &Profile| profile.remember_key.then(|| profile.secret().map(str::to_owned)).flatten();
        Saved {
            mine: self
                .list
                .iter()
                .filter(|profile| profile.origin == Origin::Mine)
                .map(|profile| SavedProfile { profile: profile.spec(), secret: remembered(profile) })
                .collect(),
            team_keys: self
                .list
                .iter()
                .filter_map(|profile| match &profile.origin {
                    Origin::Team(destination) => Some((
                        profile.name.clone(),
                        TeamKey { destination: destination.clone(), secret: remembered(profile)? },
                    )),
                    Origin::Mine => None,
                })
                .collect(),
            selected: Some(self.current().name.clone()),
        }
    }
}

/// The first model Azure still offers, for a new profile: what can be deployed today.
fn newest_model(today: Date) -> &'static ModelProfile {
    MODELS.iter().find(|model| matches!(model.status_on(today), LifecycleStatus::Active)).unwrap_or(&MODELS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date::new(2026, 11, 25);
    const ORIGIN: &str = "http://127.0.0.1:8080";

    fn team() -> RuntimeConfig {
        RuntimeConfig::parse(
            r#"{"profiles":[
                {"name":"Local endpoint","deployment":"dall-e-3","model":"dall-e-3","api_version":"2024-02-01","auth":"key","any_key":true},
                {"name":"Team proxy","deployment":"images","model":"gpt-image-2","api_version":"2025-04-01-preview","auth":"none"},
                {"name":"Direct","endpoint":"https://r.openai.azure.com","deployment":"d","model":"gpt-image-1","api_version":"2025-04-01-preview","auth":"bearer"}
            ]}"#,
        )
        .unwrap()
    }

    #[test]
    fn team_profiles_come_first_on_the_page_origin_with_no_key_but_the_local_endpoints() {
        let connections = Connections::new(&team(), ORIGIN, Saved::default(), TODAY);
        let [local, proxy, direct] = connections.list() else { panic!("three profiles") };
        assert_eq!((local.connection.endpoint.as_str(), local.secret()), (ORIGIN, Some("local")));
        assert_eq!(
            (proxy.connection.endpoint.as_str(), proxy.secret(), proxy.model.name),
            (ORIGIN, None, "gpt-image-2")
        );
        assert_eq!(
            (direct.connection.endpoint.as_str(), direct.auth_kind()),
            ("https://r.openai.azure.com", AuthKind::Bearer)
        );
        assert_eq!(direct.secret(), Some(""), "the user brings the token");
        assert_eq!(connections.current().name, "Local endpoint");
        assert!(local.connection.target().is_ok(), "a newcomer has nothing to type");
    }

    #[test]
    fn with_no_profiles_at_all_there_is_a_blank_one_for_the_newest_model() {
        let connections = Connections::new(&RuntimeConfig::default(), ORIGIN, Saved::default(), TODAY);
        let profile = connections.current();
        assert_eq!(
            (profile.name.as_str(), profile.origin.clone(), profile.model.name),
            ("My Azure resource", Origin::Mine, "gpt-image-2")
        );
        assert_eq!(profile.connection.endpoint, "");
    }

    #[test]
    fn a_key_is_kept_on_the_device_only_when_the_user_chose_to_remember_it() {
        let mut connections = Connections::new(&team(), ORIGIN, Saved::default(), TODAY);
        connections.select(2);
        connections.current_mut().set_secret("team-token".into());
        connections.add(TODAY);
        connections.current_mut().paste_endpoint("https://mine.openai.azure.com");
        connections.current_mut().set_secret("my-key".into());
        let saved = connections.saved();
        let text = serde_json::to_string(&saved).unwrap();
        assert!(!text.contains("team-token") && !text.contains("my-key") && !text.contains("\"local\""), "{text}");

        connections.current_mut().remember_key = true;
        connections.select(2);
        connections.current_mut().remember_key = true;
        let saved = connections.saved();
        assert_eq!(saved.mine[0].secret.as_deref(), Some("my-key"));
        assert_eq!(saved.team_keys.get("Direct").map(|key| key.secret.as_str()), Some("team-token"));
        assert_eq!(saved.selected.as_deref(), Some("Direct"));

        let again = Connections::new(&team(), ORIGIN, saved, TODAY);
        assert_eq!(again, connections, "a reload gives back the same profiles, keys and choice");
    }

    #[test]
    fn a_remembered_team_key_goes_only_where_it_was_remembered_for() {
        let mut connections = Connections::new(&team(), ORIGIN, Saved::default(), TODAY);
        connections.select(2);
        connections.current_mut().set_secret("team-token".into());
        connections.current_mut().remember_key = true;
        let saved = connections.saved();
        let reloaded = |config: &str| {
            let team = RuntimeConfig::parse(config).unwrap();
            let connections = Connections::new(&team, ORIGIN, saved.clone(), TODAY);
            connections
                .list()
                .iter()
                .find(|p| p.name == "Direct")
                .map(|p| (p.secret().map(str::to_owned), p.remember_key))
        };
        let direct = |endpoint: &str, deployment: &str| {
            format!(
                r#"{{"profiles":[{{"name":"Direct","endpoint":"{endpoint}","deployment":"{deployment}","model":"gpt-image-1","api_version":"2025-04-01-preview","auth":"bearer"}}]}}"#
            )
        };
        assert_eq!(reloaded(&direct("https://r.openai.azure.com", "d")), Some((Some("team-token".into()), true)));
        assert_eq!(
            reloaded(&direct("https://elsewhere.openai.azure.com", "d")),
            Some((Some(String::new()), false)),
            "the team moved the profile to another endpoint: the old key stays behind"
        );
        assert_eq!(reloaded(&direct("https://r.openai.azure.com", "other")), Some((Some(String::new()), false)));

        let unbound = r#"{"mine":[],"team_keys":{"Direct":"old-token"},"selected":"Direct"}"#;
        let saved: Saved = serde_json::from_str(unbound).unwrap();
        assert!(saved.team_keys.is_empty(), "a key kept without its destination is not sent anywhere");
        assert_eq!(saved.selected.as_deref(), Some("Direct"), "the rest of what was kept is read");
    }

    #[test]
    fn an_unreadable_value_is_set_aside_without_any_key() {
        let unreadable = r#"{"mine":[{"profile":{"name":"Mine"},"secret":"my-key"}],"team_keys":{"Direct":{"endpoint":"e","deployment":"d","secret":"team-token"}},"selected":7}"#;
        assert!(serde_json::from_str::<Saved>(unreadable).is_err(), "the test's value must be unreadable");
        let set_aside = set_aside_without_secrets(unreadable).unwrap();
        assert!(!set_aside.contains("my-key") && !set_aside.contains("team-token"), "{set_aside}");
        assert!(set_aside.contains("\"name\":\"Mine\""), "the rest is kept: {set_aside}");
        assert_eq!(set_aside_without_secrets("my-key, not JSON"), None);
    }

    #[test]
    fn half_typed_profiles_are_kept_as_typed() {
        let mut connections = Connections::new(&RuntimeConfig::default(), ORIGIN, Saved::default(), TODAY);
        connections.current_mut().paste_endpoint("not a url");
        connections.current_mut().connection.deployment = "my images".into();
        let again = Connections::new(&RuntimeConfig::default(), ORIGIN, connections.saved(), TODAY);
        assert_eq!(again.current().connection.endpoint, "not a url");
        assert_eq!(again.current().connection.deployment, "my images");
    }

    #[test]
    fn the_portals_target_uri_fills_endpoint_deployment_and_api_version() {
        let mut connections = Connections::new(&RuntimeConfig::default(), ORIGIN, Saved::default(), TODAY);
        let profile = connections.current_mut();
        let note = profile.paste_endpoint(
            "https://my-res.openai.azure.com/openai/deployments/images-prod/images/generations?api-version=2025-04-01-preview",
        );
        assert_eq!(
            note.as_deref(),
            Some("Read the Target URI: endpoint https://my-res.openai.azure.com, deployment images-prod, api-version 2025-04-01-preview.")
        );
        assert_eq!(profile.connection.deployment, "images-prod");
        assert_eq!(profile.paste_endpoint("my-res"), None, "a plain endpoint is just typed");
        assert_eq!(profile.connection.endpoint, "my-res");
    }

    #[test]
    fn switching_the_kind_of_credential_keeps_what_was_typed() {
        let mut connections = Connections::new(&RuntimeConfig::default(), ORIGIN, Saved::default(), TODAY);
        let profile = connections.current_mut();
        profile.set_secret("abc".into());
        profile.set_auth_kind(AuthKind::Bearer);
        assert_eq!((profile.auth_kind(), profile.secret()), (AuthKind::Bearer, Some("abc")));
        profile.set_auth_kind(AuthKind::None);
        assert_eq!(profile.secret(), None);
    }

    #[test]
    fn only_the_users_own_profiles_can_be_removed_and_names_stay_unique() {
        let mut connections = Connections::new(&team(), ORIGIN, Saved::default(), TODAY);
        connections.remove_current(TODAY);
        assert_eq!(connections.list().len(), 3, "a team profile stays");
        connections.add(TODAY);
        connections.add(TODAY);
        assert_eq!(connections.current().name, "My Azure resource 2");
        assert_eq!(connections.rename_problem("Direct").unwrap(), "Another connection is already called \"Direct\".");
        assert_eq!(connections.rename_problem(" ").unwrap(), "Give the connection a name.");
        assert_eq!(connections.rename_problem("My Azure resource 2"), None);
        connections.remove_current(TODAY);
        assert_eq!((connections.list().len(), connections.current().name.as_str()), (4, "My Azure resource"));
    }
}
