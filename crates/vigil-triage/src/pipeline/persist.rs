//! Saving and loading a pipeline.
//!
//! Layout: the magic bytes [`PIPELINE_MAGIC`], the format version (u32, little-endian), the
//! header length (u64 LE), the header (JSON: feature schema and its fingerprint, the fitted
//! extractor, calibrator, decision weights, suppressors, risk parameters, the model kind and,
//! for a tree, the tree), the header's FNV-1a 64 checksum (u64 LE), then for a GBDT the
//! model in the GBDT's own versioned, checksummed format ([`crate::gbdt::MAGIC`]).
//!
//! Loading checks, in order: magic, version, header checksum, that the saved schema is the
//! schema this build's extractor writes (else [`TriageError::SchemaMismatch`]: the features
//! changed since the model was trained), and that the model was fitted on that schema.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};
use vigil_core::{FeatureExtractor, FeatureSchema};

use super::{AnyModel, ModelKind, TriagePipeline};
use crate::calibrate::{AnyCalibrator, PriorShift};
use crate::envelope;
use crate::error::TriageError;
use crate::features::guide::GuideFeatures;
use crate::gbdt::Gbdt;
use crate::risk::RiskParams;
use crate::suppress::Suppressor;
use crate::tree::TreeModel;

/// First bytes of a saved pipeline.
pub const PIPELINE_MAGIC: [u8; 4] = *b"VGTP";
/// Format version this build writes and reads.
pub const PIPELINE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Header {
    schema: FeatureSchema,
    fingerprint: u64,
    features: GuideFeatures,
    model_kind: ModelKind,
    tree: Option<TreeModel>,
    calibrator: AnyCalibrator,
    decision: [f64; 3],
    suppressors: Vec<Suppressor>,
    #[serde(default)]
    prior_shift: Option<PriorShift>,
    risk: RiskParams,
    top_k: usize,
}

/// Grades a triage pipeline scores (true positive, benign positive, false positive).
const GRADES: usize = 3;

fn bad(reason: String) -> TriageError {
    TriageError::PipelineFormat { reason }
}

impl TriagePipeline {
    /// Writes the pipeline.
    pub fn save<W: Write>(&self, mut w: W) -> Result<(), TriageError> {
        let schema = self.features.schema().clone();
        let header = Header {
            fingerprint: schema.fingerprint(),
            schema,
            features: self.features.clone(),
            model_kind: self.model.kind(),
            tree: match &self.model {
                AnyModel::Tree(t) => Some(t.clone()),
                AnyModel::Gbdt(_) => None,
            },
            calibrator: self.calibrator.clone(),
            decision: self.decision,
            suppressors: self.suppressors.clone(),
            prior_shift: self.prior_shift,
            risk: self.risk,
            top_k: self.top_k,
        };
        let json = serde_json::to_vec(&header).map_err(|e| bad(e.to_string()))?;
        envelope::write(&mut w, PIPELINE_MAGIC, PIPELINE_VERSION, &json)?;
        if let AnyModel::Gbdt(g) = &self.model {
            g.save(&mut w)?;
        }
        Ok(())
    }

    /// Reads a pipeline saved by [`TriagePipeline::save`].
    pub fn load<R: Read>(r: R) -> Result<Self, TriageError> {
        let all = envelope::read_all(r)?;
        let (json, b) = envelope::read(
            &all,
            PIPELINE_MAGIC,
            PIPELINE_VERSION,
            "a Vigil triage pipeline",
            bad,
        )?;
        let h: Header = serde_json::from_slice(json).map_err(|e| bad(e.to_string()))?;
        let current = GuideFeatures::expected_schema();
        if h.schema != current || h.fingerprint != current.fingerprint() {
            return Err(TriageError::SchemaMismatch {
                saved: h.fingerprint,
                current: current.fingerprint(),
            });
        }
        if h.features.schema() != &h.schema {
            return Err(TriageError::SchemaMismatch {
                saved: h.fingerprint,
                current: h.features.schema().fingerprint(),
            });
        }
        let model = match (h.model_kind, h.tree) {
            (ModelKind::Tree, Some(t)) => {
                if t.schema_ref() != &h.schema {
                    return Err(TriageError::SchemaMismatch {
                        saved: h.fingerprint,
                        current: t.schema_ref().fingerprint(),
                    });
                }
                // A tree pipeline ends with its header: anything after it is not ours.
                if !b.is_empty() {
                    return Err(bad(format!("{} bytes after the end", b.len())));
                }
                AnyModel::Tree(t)
            }
            (ModelKind::Tree, None) => return Err(bad("tree model missing from header".into())),
            (ModelKind::Gbdt, _) => AnyModel::Gbdt(Gbdt::load_for(b, &h.schema)?),
        };
        // Scoring, decision weights and suppression read three grade columns.
        let classes = vigil_core::Scorer::n_classes(&model);
        if classes != GRADES {
            return Err(bad(format!(
                "model has {classes} classes, a triage pipeline expects {GRADES}"
            )));
        }
        Ok(Self {
            features: h.features,
            model,
            calibrator: h.calibrator,
            decision: h.decision,
            suppressors: h.suppressors,
            prior_shift: h.prior_shift,
            risk: h.risk,
            top_k: h.top_k,
        })
    }
}
