//! Opening files, with transparent gzip.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use crate::IoError;

/// The gzip magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Read buffer size: large enough that gzip inflation and CSV parsing run over long spans.
const BUF_SIZE: usize = 256 * 1024;

/// Opens a file for reading, decompressing it when its first bytes are the gzip magic
/// (whatever its name), so `.csv` and `.csv.gz` read the same way.
///
/// ```no_run
/// let mut r = vigil_io::open("fox_alerts.csv.gz")?;
/// # Ok::<(), vigil_io::IoError>(())
/// ```
pub fn open(path: impl AsRef<Path>) -> Result<Box<dyn Read + Send>, IoError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| IoError::Open {
        path: path.to_owned(),
        source,
    })?;
    let mut buf = BufReader::with_capacity(BUF_SIZE, file);
    let gz = is_gzip(&mut buf).map_err(|source| IoError::Open {
        path: path.to_owned(),
        source,
    })?;
    Ok(maybe_gunzip(buf, gz))
}

/// Wraps any reader, decompressing it when it starts with the gzip magic.
pub fn decompressing(read: impl Read + Send + 'static) -> std::io::Result<Box<dyn Read + Send>> {
    let mut buf = BufReader::with_capacity(BUF_SIZE, read);
    let gz = is_gzip(&mut buf)?;
    Ok(maybe_gunzip(buf, gz))
}

fn maybe_gunzip<B: BufRead + Send + 'static>(buf: B, gz: bool) -> Box<dyn Read + Send> {
    if gz {
        // Multi-member: concatenated gzip files are valid gzip and some tools write them.
        Box::new(MultiGzDecoder::new(buf))
    } else {
        Box::new(buf)
    }
}

/// Peeks at the first two bytes without consuming them.
fn is_gzip(buf: &mut impl BufRead) -> std::io::Result<bool> {
    let head = buf.fill_buf()?;
    if head.len() >= 2 {
        return Ok(head.get(..2) == Some(&GZIP_MAGIC[..]));
    }
    // A one-byte first read is rare (pipes); a one-byte file is not gzip anyway.
    Ok(false)
}
