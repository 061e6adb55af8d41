//! The steps that make the workspace match the file, with the fewest
//! requests: one per create, update and restore, one for all archives and
//! one for all deletes. The existing clients are indexed once by id and by
//! name, so planning takes time in proportion to the rows and clients.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU64;

use serde::Serialize;
use toggl_track_api::extras::name_key;
use toggl_track_api::types::{ClientUpdate, TrackClient};

use super::file::{Checked, Fingerprint, Row, Source};

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Action {
    Create,
    Update,
    Restore,
    Archive,
    Delete,
}

impl Action {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Restore => "restore",
            Self::Archive => "archive",
            Self::Delete => "delete",
        }
    }
}

/// One step of the plan, as it is reported: `id` is `None` for a client
/// not yet created (and, once it is, its new id).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Step {
    pub action: Action,
    pub id: Option<NonZeroU64>,
    pub name: String,
    /// What changes (`notes, name`), or how it is sent.
    pub detail: String,
    /// The row it comes from (creates and updates).
    #[serde(skip)]
    pub row: Option<Row>,
    /// The update's body.
    #[serde(skip)]
    pub body: Option<ClientUpdate>,
}

impl Step {
    fn new(action: Action, id: Option<NonZeroU64>, name: &str) -> Self {
        Self {
            action,
            id,
            name: name.trim().to_owned(),
            detail: match action {
                Action::Archive | Action::Delete => "one bulk request for all".to_owned(),
                _ => String::new(),
            },
            row: None,
            body: None,
        }
    }

    /// Whether it goes in a bulk request with its neighbours of its kind.
    pub(crate) fn is_bulk(&self) -> bool {
        matches!(self.action, Action::Archive | Action::Delete)
    }
}

/// Requests `steps` cost: one each, but one for all archives and one for
/// all deletes (the bulk endpoints).
pub(crate) fn cost(steps: &[Step]) -> u64 {
    let one_each = steps.iter().filter(|step| !step.is_bulk()).count() as u64;
    let bulk = |action| u64::from(steps.iter().any(|step| step.action == action));
    one_each + bulk(Action::Archive) + bulk(Action::Delete)
}

/// Why a plan cannot be made.
#[derive(Debug, PartialEq)]
pub(crate) enum PlanError {
    /// A row names an id that is not a client of the workspace.
    UnknownId(String),
    /// The file could not be read again, or read other rows than the check.
    File(String),
}

/// The existing clients by id and by name, built once.
struct Index<'a> {
    by_id: HashMap<u64, &'a TrackClient>,
    by_name: HashMap<String, &'a TrackClient>,
}

impl<'a> Index<'a> {
    fn new(existing: &'a [TrackClient]) -> Self {
        Self {
            by_id: existing.iter().map(|c| (c.id.get(), c)).collect(),
            by_name: existing.iter().map(|c| (name_key(&c.name), c)).collect(),
        }
    }
}

/// The steps that make `existing` match the rows of `source` (already
/// checked), in the order they run: renames and other updates first (a new
/// client may take a name an old one gives up), then creates, restores,
/// archives and deletes. With `prune`, clients no row matches are deleted.
/// Rows other than those checked (the file changed in between) are an error.
pub(crate) fn plan(
    source: &Source,
    checked: &Checked,
    existing: &[TrackClient],
    prune: bool,
) -> Result<Vec<Step>, PlanError> {
    let index = Index::new(existing);
    let mut matched: HashSet<u64> = HashSet::with_capacity(checked.rows);
    let (mut updates, mut creates, mut restores, mut archives) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut read = Fingerprint::default();
    source.for_each_row(PlanError::File, |row| {
        read.add(&row);
        // A row with an id claims that client; one without matches by name
        // among the clients no row claims by id.
        let found = match row.id {
            Some(id) => Some(index.by_id.get(&id.get()).copied().ok_or_else(|| {
                PlanError::UnknownId(format!(
                    "{}: the workspace has no client {id}; leave the id out to create it",
                    row.at
                ))
            })?),
            None => index
                .by_name
                .get(&name_key(&row.name))
                .copied()
                .filter(|c| !checked.claimed.contains(&c.id.get())),
        };
        let Some(client) = found else {
            if row.archived == Some(true) {
                archives.push(Step::new(Action::Archive, None, &row.name));
            }
            let mut create = Step::new(Action::Create, None, &row.name);
            create.row = Some(row);
            creates.push(create);
            return Ok(());
        };
        matched.insert(client.id.get());
        if let Some(update) = update(client, &row) {
            updates.push(update);
        }
        match (client.archived, row.archived) {
            (true, Some(false)) => {
                restores.push(Step::new(Action::Restore, Some(client.id), &client.name));
            }
            (false, Some(true)) => {
                archives.push(Step::new(Action::Archive, Some(client.id), &client.name));
            }
            _ => {}
        }
        Ok(())
    })?;
    if !read.matches(&checked.fingerprint) {
        return Err(PlanError::File(
            "the file changed while apply was reading it; nothing was sent: run apply again"
                .to_owned(),
        ));
    }
    let deletes = existing
        .iter()
        .filter(|c| prune && !matched.contains(&c.id.get()))
        .map(|c| Step::new(Action::Delete, Some(c.id), &c.name));
    Ok(updates
        .into_iter()
        .chain(creates)
        .chain(restores)
        .chain(archives)
        .chain(deletes)
        .collect())
}

/// The update that makes `client` what `row` says, if anything differs.
pub(crate) fn update(client: &TrackClient, row: &Row) -> Option<Step> {
    let mut body = ClientUpdate::default();
    let mut what = Vec::new();
    if client.name != row.name.trim() {
        body.name = Some(row.name.trim().to_owned());
        what.push("name");
    }
    if let Some(notes) = &row.notes
        && client.notes.as_deref().unwrap_or_default() != notes
    {
        body.notes = Some(notes.clone());
        what.push("notes");
    }
    if let Some(reference) = &row.external_reference
        && client.external_reference.as_deref().unwrap_or_default() != reference
    {
        body.external_reference = Some(reference.clone());
        what.push("external reference");
    }
    if what.is_empty() {
        return None;
    }
    let mut step = Step::new(Action::Update, Some(client.id), &row.name);
    step.detail = what.join(", ");
    step.body = Some(body);
    step.row = Some(row.clone());
    Some(step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd_apply::file::check;
    use serde_json::json;

    fn client(id: u64, name: &str, archived: bool, notes: Option<&str>) -> TrackClient {
        serde_json::from_value(json!({
            "id": id, "wid": 1, "name": name, "archived": archived,
            "at": "2024-03-17T10:55:38+00:00", "notes": notes
        }))
        .expect("client")
    }

    fn planned(text: &str, existing: &[TrackClient], prune: bool) -> Result<Vec<Step>, PlanError> {
        let source = Source::Text(text.to_owned());
        let checked = check(&source).expect("checked");
        plan(&source, &checked, existing, prune)
    }

    #[test]
    fn the_plan_uses_the_fewest_requests() {
        let existing = [
            client(1, "Acme", false, Some("old")),
            client(2, "Globex", false, None),
            client(3, "Initech", true, None),
            client(4, "Umbrella", false, None),
        ];
        let file = "id,name,status,notes\n1,Acme,active,new\n,globex,archived,\n3,Initech,active,\n,Hooli,archived,\n,Pied Piper,,\n";
        let steps = planned(file, &existing, false).expect("plan");
        let actions: Vec<&str> = steps.iter().map(|c| c.action.word()).collect();
        // Globex matches by name; its name's case differs, so it is renamed.
        assert_eq!(
            actions,
            [
                "update", "update", "create", "create", "restore", "archive", "archive"
            ]
        );
        // 2 creates + 2 updates + 1 restore + 1 bulk archive.
        assert_eq!(cost(&steps), 6);
        let pruned = planned(file, &existing, true).expect("plan");
        assert!(
            pruned
                .iter()
                .any(|c| c.action == Action::Delete && c.name == "Umbrella")
        );
        assert_eq!(cost(&pruned), 7);
        // A file that matches costs nothing to write.
        let same = "id,name,status,notes\n1,Acme,active,old\n2,Globex,active,\n3,Initech,archived,\n4,Umbrella,active,\n";
        assert_eq!(planned(same, &existing, true), Ok(Vec::new()));
        // An id that is not in the workspace is refused before anything is sent.
        assert!(matches!(
            planned("id,name\n99,Nobody\n", &existing, false),
            Err(PlanError::UnknownId(m)) if m.contains("line 2: the workspace has no client 99")
        ));
    }

    #[test]
    fn a_client_claimed_by_id_is_not_matched_by_name_too() {
        let existing = [client(1, "Acme", false, None)];
        // Row 1 renames client 1; row 2 wants a new client called "Acme".
        let file = "id,name\n1,Acme Old\n,Acme\n";
        let steps = planned(file, &existing, false).expect("plan");
        let actions: Vec<(&str, Option<u64>)> = steps
            .iter()
            .map(|c| (c.action.word(), c.id.map(|i| i.get())))
            .collect();
        assert_eq!(actions, [("update", Some(1)), ("create", None)]);
    }

    #[test]
    fn a_file_edited_between_the_check_and_the_plan_is_refused() {
        let dir = std::env::temp_dir().join(format!("toggl-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("clients.csv");
        std::fs::write(&path, "name\nAcme\nGlobex\n").expect("write");
        let source = Source::Path(path.clone());
        let checked = check(&source).expect("checked");
        // Unchanged, it plans; a second "Acme" the check never saw does not.
        assert!(plan(&source, &checked, &[], false).is_ok());
        std::fs::write(&path, "name\nAcme\nACME\n").expect("write");
        assert!(matches!(
            plan(&source, &checked, &[], false),
            Err(PlanError::File(m)) if m.contains("the file changed while apply was reading it")
        ));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
