//! Model versions with lineage, promotion and rollback.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Comparison;
use crate::FeedbackError;
use crate::store::VerdictId;

/// One registered model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelVersion<M> {
    /// Version id: 0 for the first, increasing by one per registration.
    pub id: u64,
    /// The champion the challenger was trained to replace (`None` for the first version).
    pub parent: Option<u64>,
    /// Ids of the verdicts whose labels trained it (sorted).
    pub trained_on: Vec<VerdictId>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// Why it was trained.
    pub note: String,
    /// The champion/challenger comparison it went through, if any.
    pub comparison: Option<Comparison>,
    /// The model.
    #[serde(skip)]
    pub model: Arc<M>,
}

/// The versions of one model, the current champion, and the champions before it.
///
/// Invariants (checked by [`Registry::lineage_is_consistent`]): every version's parent is an
/// earlier registered version; the champion and every past champion are registered.
///
/// ```
/// use vigil_feedback::retrain::Registry;
/// let t = chrono::DateTime::UNIX_EPOCH;
/// let mut r = Registry::new("v0 model", t, "base");
/// let v1 = r.register("v1 model", Some(0), vec![0, 1, 2], t, "3 verdicts").unwrap();
/// r.promote(v1).unwrap();
/// assert_eq!(*r.champion().model, "v1 model");
/// r.rollback().unwrap();
/// assert_eq!(r.champion().id, 0);
/// ```
#[derive(Debug, Clone)]
pub struct Registry<M> {
    versions: Vec<ModelVersion<M>>,
    champion: u64,
    history: Vec<u64>,
}

impl<M> Registry<M> {
    /// A registry whose first version (id 0) is the champion.
    pub fn new(model: M, at: DateTime<Utc>, note: impl Into<String>) -> Self {
        Self::new_shared(Arc::new(model), at, note)
    }

    /// Like [`Registry::new`], for a model already shared (one base model, many registries).
    pub fn new_shared(model: Arc<M>, at: DateTime<Utc>, note: impl Into<String>) -> Self {
        Self {
            versions: vec![ModelVersion {
                id: 0,
                parent: None,
                trained_on: Vec::new(),
                created_at: at,
                note: note.into(),
                comparison: None,
                model,
            }],
            champion: 0,
            history: Vec::new(),
        }
    }

    /// Registers a new version (not yet champion) and returns its id. The parent must exist.
    pub fn register(
        &mut self,
        model: M,
        parent: Option<u64>,
        mut trained_on: Vec<VerdictId>,
        at: DateTime<Utc>,
        note: impl Into<String>,
    ) -> Result<u64, FeedbackError> {
        if let Some(p) = parent {
            self.get(p)?;
        }
        trained_on.sort_unstable();
        trained_on.dedup();
        let id = self.versions.len() as u64;
        self.versions.push(ModelVersion {
            id,
            parent,
            trained_on,
            created_at: at,
            note: note.into(),
            comparison: None,
            model: Arc::new(model),
        });
        Ok(id)
    }

    /// Attaches the comparison a version went through.
    pub fn set_comparison(&mut self, id: u64, c: Comparison) -> Result<(), FeedbackError> {
        let v = self
            .versions
            .get_mut(usize::try_from(id).unwrap_or(usize::MAX))
            .ok_or(FeedbackError::UnknownVersion { version: id })?;
        v.comparison = Some(c);
        Ok(())
    }

    /// Makes `id` the champion; the old champion can be restored by [`Registry::rollback`].
    pub fn promote(&mut self, id: u64) -> Result<(), FeedbackError> {
        self.get(id)?;
        if id != self.champion {
            self.history.push(self.champion);
            self.champion = id;
        }
        Ok(())
    }

    /// Restores the previous champion and returns its id.
    pub fn rollback(&mut self) -> Result<u64, FeedbackError> {
        let prev = self.history.pop().ok_or(FeedbackError::NoRollback {
            version: self.champion,
        })?;
        self.champion = prev;
        Ok(prev)
    }

    /// Makes an earlier version the champion again (recorded like a promotion).
    pub fn rollback_to(&mut self, id: u64) -> Result<(), FeedbackError> {
        self.promote(id)
    }

    /// The current champion.
    pub fn champion(&self) -> &ModelVersion<M> {
        // The champion id is only ever set to a registered version.
        let i = usize::try_from(self.champion).unwrap_or(0);
        match self.versions.get(i) {
            Some(v) => v,
            None => &self.versions[0],
        }
    }

    /// A version by id.
    pub fn get(&self, id: u64) -> Result<&ModelVersion<M>, FeedbackError> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.versions.get(i))
            .ok_or(FeedbackError::UnknownVersion { version: id })
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> &[ModelVersion<M>] {
        &self.versions
    }

    /// Past champions, oldest first (what [`Registry::rollback`] walks back through).
    pub fn champion_history(&self) -> &[u64] {
        &self.history
    }

    /// The ancestry of a version: itself, its parent, its parent's parent, … down to a root.
    pub fn lineage(&self, id: u64) -> Result<Vec<u64>, FeedbackError> {
        let mut out = vec![id];
        let mut cur = self.get(id)?;
        while let Some(p) = cur.parent {
            out.push(p);
            cur = self.get(p)?;
        }
        Ok(out)
    }

    /// True when every parent is an earlier registered version and every champion, past and
    /// present, is registered.
    pub fn lineage_is_consistent(&self) -> bool {
        let n = self.versions.len() as u64;
        self.versions
            .iter()
            .enumerate()
            .all(|(i, v)| v.id == i as u64 && v.parent.is_none_or(|p| p < v.id))
            && self.champion < n
            && self.history.iter().all(|h| *h < n)
    }
}
