//! Saving and loading: a versioned, checksummed little-endian format.
//!
//! ```text
//! magic    8 bytes  "VIGILGBT"
//! version  u32      FORMAT_VERSION
//! length   u64      payload bytes
//! payload           schema (fingerprint, names), loss, classes, base scores, trees
//! checksum u64      FNV-1a 64 of the payload
//! ```
//! Floats are stored as their bits, so a loaded model scores bit for bit like the saved one.

use std::io::{Read, Write};

use vigil_core::{CoreError, FeatureSchema};

use super::model::Gbdt;
use super::train::Loss;
use super::tree::{Node, Tree};
use crate::envelope::fnv1a;
use crate::error::TriageError;

/// First bytes of every saved model.
pub const MAGIC: [u8; 8] = *b"VIGILGBT";
/// The format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Largest payload accepted (a sanity bound against corrupt lengths).
const MAX_PAYLOAD: u64 = 1 << 32;

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], TriageError> {
        let s = self
            .pos
            .checked_add(n)
            .and_then(|end| self.buf.get(self.pos..end))
            .ok_or(TriageError::ModelCorrupt {
                offset: self.pos,
                reason: format!("truncated while reading {what}"),
            })?;
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, TriageError> {
        Ok(self.take(1, what)?.first().copied().unwrap_or(0))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, TriageError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, TriageError> {
        let b = self.take(8, what)?;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }
    fn f64(&mut self, what: &'static str) -> Result<f64, TriageError> {
        Ok(f64::from_bits(self.u64(what)?))
    }
    /// A count, bounded by what the remaining bytes could hold.
    fn count(&mut self, what: &'static str, min_bytes_each: usize) -> Result<usize, TriageError> {
        let at = self.pos;
        let n = self.u32(what)? as usize;
        let left = self.buf.len() - self.pos.min(self.buf.len());
        if n.saturating_mul(min_bytes_each.max(1)) > left {
            return Err(TriageError::ModelCorrupt {
                offset: at,
                reason: format!("{what} count {n} exceeds the remaining {left} bytes"),
            });
        }
        Ok(n)
    }
    fn corrupt(&self, reason: String) -> TriageError {
        TriageError::ModelCorrupt {
            offset: self.pos,
            reason,
        }
    }
}

const NODE_BYTES: usize = 4 + 4 + 1 + 4 + 4 + 8 + 8 + 8;

impl Gbdt {
    /// The saved form as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Writer(Vec::new());
        p.u64(self.schema.fingerprint());
        p.len(self.schema.len());
        for name in self.schema.names() {
            p.len(name.len());
            p.0.extend_from_slice(name.as_bytes());
        }
        match self.loss {
            Loss::Binary => {
                p.u8(0);
                p.len(1);
            }
            Loss::Softmax(k) => {
                p.u8(1);
                p.len(k);
            }
        }
        p.len(self.n_classes);
        p.len(self.base.len());
        for b in &self.base {
            p.f64(*b);
        }
        p.len(self.trees.len());
        for t in &self.trees {
            p.len(t.nodes.len());
            for n in &t.nodes {
                p.u32(n.feature);
                p.u32(n.threshold.to_bits());
                p.u8(u8::from(n.default_left));
                p.u32(n.left);
                p.u32(n.right);
                p.f64(n.value);
                p.f64(n.cover);
                p.f64(n.gain);
            }
        }
        let payload = p.0;
        let mut out = Vec::with_capacity(payload.len() + 28);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&fnv1a(&payload).to_le_bytes());
        out
    }

    /// Writes the saved form.
    pub fn save<W: Write>(&self, mut w: W) -> Result<(), TriageError> {
        w.write_all(&self.to_bytes())
            .and_then(|()| w.flush())
            .map_err(|source| TriageError::ModelIo { source })
    }

    /// Reads a saved model.
    pub fn load<R: Read>(mut r: R) -> Result<Self, TriageError> {
        let mut buf = Vec::new();
        r.read_to_end(&mut buf)
            .map_err(|source| TriageError::ModelIo { source })?;
        Self::from_bytes(&buf)
    }

    /// Reads a saved model and checks it was fitted on `schema`.
    pub fn load_for<R: Read>(r: R, schema: &FeatureSchema) -> Result<Self, TriageError> {
        let m = Self::load(r)?;
        m.schema.ensure_same(schema)?;
        Ok(m)
    }

    /// Parses the saved form.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TriageError> {
        let mut h = Reader { buf: bytes, pos: 0 };
        let magic = h.take(8, "magic")?;
        if magic != MAGIC {
            return Err(TriageError::ModelMagic {
                found: magic.to_vec(),
            });
        }
        let version = h.u32("format version")?;
        if version != FORMAT_VERSION {
            return Err(TriageError::ModelVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let len = h.u64("payload length")?;
        if len > MAX_PAYLOAD {
            return Err(h.corrupt(format!("payload length {len} is implausible")));
        }
        let payload = h.take(len as usize, "payload")?;
        let stored = h.u64("checksum")?;
        let computed = fnv1a(payload);
        if stored != computed {
            return Err(TriageError::ModelChecksum { stored, computed });
        }
        if h.pos != bytes.len() {
            return Err(h.corrupt(format!("{} trailing bytes", bytes.len() - h.pos)));
        }
        parse_payload(payload)
    }
}

fn parse_payload(payload: &[u8]) -> Result<Gbdt, TriageError> {
    let mut r = Reader {
        buf: payload,
        pos: 0,
    };
    let fingerprint = r.u64("schema fingerprint")?;
    let nf = r.count("feature", 4)?;
    let mut names = Vec::with_capacity(nf);
    for _ in 0..nf {
        let n = r.count("feature name byte", 1)?;
        let b = r.take(n, "feature name")?;
        let s = std::str::from_utf8(b)
            .map_err(|e| r.corrupt(format!("feature name is not UTF-8: {e}")))?;
        names.push(s.to_owned());
    }
    let schema = FeatureSchema::new(names);
    if schema.fingerprint() != fingerprint {
        return Err(CoreError::SchemaMismatch {
            expected: fingerprint,
            found: schema.fingerprint(),
        }
        .into());
    }
    let tag = r.u8("objective")?;
    let k = r.u32("class count")? as usize;
    let loss = match (tag, k) {
        (0, 1) => Loss::Binary,
        (1, k) if (2..=1 << 16).contains(&k) => Loss::Softmax(k),
        _ => return Err(r.corrupt(format!("objective {tag} with {k} groups"))),
    };
    let n_classes = r.u32("class count")? as usize;
    let ok_classes = match loss {
        Loss::Binary => n_classes == 2,
        Loss::Softmax(k) => n_classes == k,
    };
    if !ok_classes {
        return Err(r.corrupt(format!("{n_classes} classes for {loss:?}")));
    }
    let nb = r.count("base score", 8)?;
    if nb != loss.groups() {
        return Err(r.corrupt(format!("{nb} base scores for {} groups", loss.groups())));
    }
    let base = (0..nb)
        .map(|_| r.f64("base score"))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(b) = base.iter().find(|b| !b.is_finite()) {
        return Err(r.corrupt(format!("base score {b} is not finite")));
    }
    let nt = r.count("tree", 4)?;
    if nt % loss.groups() != 0 {
        return Err(r.corrupt(format!("{nt} trees is not a multiple of {}", loss.groups())));
    }
    let mut trees = Vec::with_capacity(nt);
    for t in 0..nt {
        let nn = r.count("node", NODE_BYTES)?;
        let mut nodes = Vec::with_capacity(nn);
        for _ in 0..nn {
            nodes.push(Node {
                feature: r.u32("node feature")?,
                threshold: f32::from_bits(r.u32("node threshold")?),
                default_left: r.u8("node default")? != 0,
                left: r.u32("node left")?,
                right: r.u32("node right")?,
                value: r.f64("node value")?,
                cover: r.f64("node cover")?,
                gain: r.f64("node gain")?,
            });
        }
        let tree = Tree { nodes };
        tree.validate(nf)
            .map_err(|e| r.corrupt(format!("tree {t}: {e}")))?;
        trees.push(tree);
    }
    if r.pos != payload.len() {
        return Err(r.corrupt("trailing payload bytes".into()));
    }
    Ok(Gbdt::from_parts(schema, loss, n_classes, base, trees))
}
