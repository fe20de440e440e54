//! Versioned snapshots: the whole model to bytes and back, exactly.
//!
//! Layout (little-endian): magic `VGLBASE\0`, format version `u32`, the parameters, the
//! logical clock, measure and dimension names, entity rows, group rows, and a trailing FNV-1a
//! checksum of everything before it. Floats are stored as bit patterns, so a round trip is
//! exact and a restored model scores every later event bit for bit as the original would.
//! The seeded index is not stored; it is rebuilt from the rows.
//!
//! Entities are stored by their seeded 64-bit fingerprint, not by name: two distinct names
//! collide with probability ~n²/2⁶⁵ (≈ 3·10⁻⁶ for 10M entities), and without the seed an
//! attacker cannot aim for a collision. Fingerprints come from aHash keyed by the seed (the
//! name's hash, xor a tag of the entity kind), so a snapshot is read back by a build with the
//! same aHash release (the workspace pins it); category fingerprints come from the crate's own
//! seeded hash (`strhash`), so they depend on the seed only.

use vigil_core::ParamGuard;

use crate::codec::{Reader, Writer, fnv1a};
use crate::names::Names;
use crate::params::{ProfileConfig, ProfileParams, Transform};
use crate::profile::{CatSlot, Core, MeasureSlot};
use crate::stats::{EwStats, Pane, Seasonal, TOP_K, TinyHll, TopK, WindowStats};
use crate::store::Store;
use crate::{BaselineError, EntityBaselines};

/// The magic bytes that open every snapshot.
pub const SNAPSHOT_MAGIC: &[u8; 8] = b"VGLBASE\0";
/// The snapshot format version this build writes and reads.
/// Version 2: window panes hold sums (count, Σx, Σx²) instead of (count, mean, M2), and the
/// log/exp approximations changed (so version-1 state would not score bit for bit the same).
pub const SNAPSHOT_VERSION: u32 = 2;

impl EntityBaselines {
    /// The whole state as bytes (see the module docs for the layout).
    pub fn snapshot(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.bytes(SNAPSHOT_MAGIC);
        w.u32(SNAPSHOT_VERSION);
        put_config(&mut w, &self.config);
        w.u32(self.tick);
        put_names(&mut w, &self.measures);
        put_names(&mut w, &self.dimensions);
        put_store(&mut w, &self.entities);
        put_store(&mut w, &self.groups);
        let sum = fnv1a(&w.buf);
        w.u64(sum);
        w.buf
    }

    /// Restores a model from [`snapshot`](Self::snapshot) bytes.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, BaselineError> {
        let mut r = Reader::new(bytes);
        if r.take(8)? != SNAPSHOT_MAGIC {
            return Err(BaselineError::Snapshot {
                offset: 0,
                reason: "not a vigil-baseline snapshot (bad magic)".into(),
            });
        }
        let version = r.u32()?;
        if version != SNAPSHOT_VERSION {
            return Err(BaselineError::SnapshotVersion {
                found: version,
                supported: SNAPSHOT_VERSION,
            });
        }
        let body_len = bytes
            .len()
            .checked_sub(8)
            .ok_or_else(|| r.err("truncated"))?;
        let stored = bytes
            .get(body_len..)
            .and_then(|s| <[u8; 8]>::try_from(s).ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| r.err("truncated checksum"))?;
        let body = bytes.get(..body_len).unwrap_or_default();
        if fnv1a(body) != stored {
            return Err(BaselineError::Snapshot {
                offset: body_len,
                reason: "checksum mismatch (corrupt or truncated)".into(),
            });
        }
        let mut r = Reader::new(body);
        r.pos = 12;
        let config = get_config(&mut r)?;
        let mut model = EntityBaselines::new(config);
        model.tick = r.u32()?;
        get_names(&mut r, &mut model.measures)?;
        get_names(&mut r, &mut model.dimensions)?;
        get_store(&mut r, &mut model.entities)?;
        get_store(&mut r, &mut model.groups)?;
        if r.remaining() != 0 {
            return Err(r.err("trailing bytes after the last row"));
        }
        Ok(model)
    }
}

fn put_config(w: &mut Writer, c: &ProfileConfig) {
    w.u64(c.max_entities as u64);
    w.u64(c.max_groups as u64);
    w.u64(c.max_measures as u64);
    w.u64(c.max_dimensions as u64);
    w.f64(c.half_life_secs);
    w.f64(c.burst_half_life_secs);
    w.f64(c.window_secs);
    w.u32(c.min_history);
    w.f64(c.report_bits);
    w.f64(c.min_sd);
    w.u8(match c.transform {
        Transform::SignedLog => 0,
        Transform::Identity => 1,
    });
    w.u64(c.eviction_samples as u64);
    w.u64(c.seed);
}

fn get_config(r: &mut Reader<'_>) -> Result<ProfileConfig, BaselineError> {
    let c = ProfileConfig {
        max_entities: r.usize()?,
        max_groups: r.usize()?,
        max_measures: r.usize()?,
        max_dimensions: r.usize()?,
        half_life_secs: r.f64()?,
        burst_half_life_secs: r.f64()?,
        window_secs: r.f64()?,
        min_history: r.u32()?,
        report_bits: r.f64()?,
        min_sd: r.f64()?,
        transform: match r.u8()? {
            0 => Transform::SignedLog,
            1 => Transform::Identity,
            t => return Err(r.err(format!("unknown transform tag {t}"))),
        },
        eviction_samples: r.usize()?,
        seed: r.u64()?,
    };
    ProfileParams(c).check()
}

fn put_names(w: &mut Writer, n: &Names) {
    w.u64(n.names.len() as u64);
    for s in &n.names {
        w.str(s);
    }
}

fn get_names(r: &mut Reader<'_>, n: &mut Names) -> Result<(), BaselineError> {
    let count = r.count(8)?;
    for i in 0..count {
        let s = r.str()?;
        n.id_or_insert(&s, i)?;
    }
    if n.names.len() != count {
        return Err(r.err("duplicate name"));
    }
    Ok(())
}

fn put_store(w: &mut Writer, s: &Store) {
    let (m, d) = s.strides();
    w.u64(s.len() as u64);
    for i in 0..s.len() {
        let Some((c, ms, cs)) = s.row(i) else {
            continue;
        };
        w.u64(c.key);
        w.f64(c.last_time);
        w.f64(c.first_time);
        w.u32(c.tick);
        w.u32(c.events);
        w.f32(c.weight);
        w.f32(c.burst);
        w.u32(c.pane);
        w.bytes(c.seasonal.hours());
        w.bytes(c.seasonal.days());
        for x in ms.iter().take(m) {
            w.f64(x.ew.weight);
            w.f64(x.ew.mean);
            w.f64(x.ew.m2);
            for p in [&x.window.current, &x.window.previous] {
                w.f32(p.n);
                w.f32(p.sum);
                w.f32(p.sum_sq);
            }
        }
        for x in cs.iter().take(d) {
            w.f32(x.top.total);
            for k in x.top.keys {
                w.u32(k);
            }
            for c in x.top.counts {
                w.f32(c);
            }
            w.bytes(&x.distinct.0);
        }
    }
}

fn get_store(r: &mut Reader<'_>, s: &mut Store) -> Result<(), BaselineError> {
    let (m, d) = s.strides();
    let row_bytes = 75 + m * 48 + d * (4 + 8 * TOP_K + 8);
    let n = r.count(row_bytes)?;
    if n > s.cap() {
        return Err(r.err(format!("{n} rows exceed the cap of {}", s.cap())));
    }
    let mut ms = vec![MeasureSlot::default(); m];
    let mut cs = vec![CatSlot::default(); d];
    for _ in 0..n {
        let mut c = Core {
            key: r.u64()?,
            last_time: r.f64()?,
            first_time: r.f64()?,
            tick: r.u32()?,
            events: r.u32()?,
            weight: r.f32()?,
            burst: r.f32()?,
            pane: r.u32()?,
            seasonal: Seasonal::default(),
            pad: [0; 1],
        };
        let mut hour = [0u8; 24];
        hour.copy_from_slice(r.take(24)?);
        let mut day = [0u8; 7];
        day.copy_from_slice(r.take(7)?);
        c.seasonal = Seasonal::from_bins(hour, day);
        for x in ms.iter_mut() {
            x.ew = EwStats {
                weight: r.f64()?,
                mean: r.f64()?,
                m2: r.f64()?,
            };
            let mut panes = [Pane::default(); 2];
            for p in panes.iter_mut() {
                *p = Pane {
                    n: r.f32()?,
                    sum: r.f32()?,
                    sum_sq: r.f32()?,
                };
            }
            x.window = WindowStats {
                current: panes[0],
                previous: panes[1],
            };
        }
        for x in cs.iter_mut() {
            let mut top = TopK {
                total: r.f32()?,
                ..TopK::default()
            };
            for k in top.keys.iter_mut() {
                *k = r.u32()?;
            }
            for k in top.counts.iter_mut() {
                *k = r.f32()?;
            }
            top.normalize();
            let mut hll = [0u8; 8];
            hll.copy_from_slice(r.take(8)?);
            *x = CatSlot {
                top,
                distinct: TinyHll(hll),
            };
        }
        if s.find(c.key).is_some() {
            return Err(r.err(format!("duplicate entity key {:#x}", c.key)));
        }
        s.push_row(c, &ms, &cs);
    }
    Ok(())
}
