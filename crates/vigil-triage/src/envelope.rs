//! The framing shared by Vigil's saved JSON states: magic bytes, a format version (u32 LE), the
//! JSON length (u64 LE), the JSON, its FNV-1a 64 checksum (u64 LE), then whatever the caller
//! appends. Reading checks magic, version, length and checksum, each failure a typed error
//! built by the caller's `bad` (so a pipeline and a verdict memory name their own format).

use std::io::{Read, Write};

use crate::error::TriageError;

/// FNV-1a 64 of `bytes`.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Writes the frame around `json`.
pub(crate) fn write<W: Write>(
    w: &mut W,
    magic: [u8; 4],
    version: u32,
    json: &[u8],
) -> Result<(), TriageError> {
    let io = |e: std::io::Error| TriageError::ModelIo { source: e };
    w.write_all(&magic).map_err(io)?;
    w.write_all(&version.to_le_bytes()).map_err(io)?;
    w.write_all(&(json.len() as u64).to_le_bytes())
        .map_err(io)?;
    w.write_all(json).map_err(io)?;
    w.write_all(&fnv1a(json).to_le_bytes()).map_err(io)?;
    Ok(())
}

/// Everything `r` holds (a saved state is read whole: its checksum covers it).
pub(crate) fn read_all<R: Read>(mut r: R) -> Result<Vec<u8>, TriageError> {
    let mut all = Vec::new();
    r.read_to_end(&mut all)
        .map_err(|e| TriageError::ModelIo { source: e })?;
    Ok(all)
}

/// Reads a frame from `bytes`: returns the checked JSON and the bytes after the frame.
/// `what` names the format in the magic error ("a Vigil triage pipeline").
pub(crate) fn read<'a>(
    bytes: &'a [u8],
    magic: [u8; 4],
    version: u32,
    what: &str,
    bad: fn(String) -> TriageError,
) -> Result<(&'a [u8], &'a [u8]), TriageError> {
    let mut b = bytes;
    let found = take(&mut b, 4, "magic", bad)?;
    if found != magic {
        return Err(bad(format!("not {what}: magic {found:02x?}")));
    }
    let found = u32::from_le_bytes(array(take(&mut b, 4, "version", bad)?));
    if found != version {
        return Err(bad(format!(
            "format version {found} is not supported (this build reads {version})"
        )));
    }
    let len = usize::try_from(u64::from_le_bytes(array(take(
        &mut b,
        8,
        "header length",
        bad,
    )?)))
    .map_err(|_| bad("header length overflows".into()))?;
    let json = take(&mut b, len, "header", bad)?;
    let stored = u64::from_le_bytes(array(take(&mut b, 8, "header checksum", bad)?));
    let computed = fnv1a(json);
    if stored != computed {
        return Err(bad(format!(
            "header checksum mismatch: stored {stored:#018x}, computed {computed:#018x}"
        )));
    }
    Ok((json, b))
}

fn take<'a>(
    bytes: &mut &'a [u8],
    n: usize,
    what: &str,
    bad: fn(String) -> TriageError,
) -> Result<&'a [u8], TriageError> {
    if bytes.len() < n {
        return Err(bad(format!(
            "truncated: {what} needs {n} bytes, {} left",
            bytes.len()
        )));
    }
    let (a, b) = bytes.split_at(n);
    *bytes = b;
    Ok(a)
}

/// The first `N` bytes of `b` (zero-padded; callers pass slices of exactly `N`).
fn array<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    a.iter_mut().zip(b).for_each(|(d, s)| *d = *s);
    a
}
