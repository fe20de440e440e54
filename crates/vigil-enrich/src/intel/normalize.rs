//! Recognising and normalising indicators: what kind of text is it, and its canonical form.

use std::borrow::Cow;
use std::net::IpAddr;

/// What kind of indicator a piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// An IPv4 or IPv6 address or CIDR range.
    Ip,
    /// A DNS name.
    Domain,
    /// A URL.
    Url,
    /// A file hash (MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512), as hex.
    Hash,
    /// Any other exact string.
    Text,
}

impl IndicatorKind {
    /// Guesses the kind of `text`: an IP or CIDR, a hex hash, a URL (`scheme://`), a domain
    /// (letters, digits, `-`, `_`, dots, with a dot), else plain text.
    ///
    /// ```
    /// use vigil_enrich::intel::IndicatorKind;
    /// assert_eq!(IndicatorKind::of("10.0.0.0/8"), IndicatorKind::Ip);
    /// assert_eq!(IndicatorKind::of("mail.example.com"), IndicatorKind::Domain);
    /// assert_eq!(IndicatorKind::of("d41d8cd98f00b204e9800998ecf8427e"), IndicatorKind::Hash);
    /// assert_eq!(IndicatorKind::of("https://x.org/a"), IndicatorKind::Url);
    /// // An address with a bad prefix is a malformed CIDR (rejected when inserted), not text.
    /// assert_eq!(IndicatorKind::of("10.0.0.0/40"), IndicatorKind::Ip);
    /// ```
    pub fn of(text: &str) -> Self {
        let t = text.trim();
        if is_hash(t) {
            Self::Hash
        } else if t.contains("://") {
            Self::Url
        } else if t.parse::<IpAddr>().is_ok() || looks_like_cidr(t) {
            Self::Ip
        } else if normalize_domain(t).is_some() {
            Self::Domain
        } else {
            Self::Text
        }
    }

    /// Name used in CSV lists and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Domain => "domain",
            Self::Url => "url",
            Self::Hash => "hash",
            Self::Text => "text",
        }
    }
}

/// An address, a `/` and digits: a CIDR, valid or not. A bad one must reach
/// [`IpRange::parse`](super::IpRange::parse) to be rejected with its reason; taken for plain text it was accepted as
/// an entry no IP query could ever match.
fn looks_like_cidr(t: &str) -> bool {
    t.split_once('/').is_some_and(|(addr, prefix)| {
        !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_digit())
            && addr.parse::<IpAddr>().is_ok()
    })
}

/// True for hex text of a common digest length.
pub fn is_hash(t: &str) -> bool {
    matches!(t.len(), 32 | 40 | 56 | 64 | 96 | 128) && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The canonical form of a domain: trimmed, lower case, no trailing dot, no leading `*.`.
/// `None` when it is not a domain name (empty label, a character outside `[a-z0-9-_.]`, or
/// no dot at all — single labels such as TLDs are accepted only with `allow_single`).
pub fn normalize_domain(t: &str) -> Option<Cow<'_, str>> {
    normalize_domain_opts(t, false)
}

pub(crate) fn normalize_domain_opts(t: &str, allow_single: bool) -> Option<Cow<'_, str>> {
    normalize_domain_labels(t, allow_single).map(|(d, _)| d)
}

/// [`normalize_domain_opts`] and the name's number of labels (found in the same pass).
#[inline]
pub(crate) fn normalize_domain_labels(
    t: &str,
    allow_single: bool,
) -> Option<(Cow<'_, str>, usize)> {
    let t = fast_trim(t);
    let t = t.strip_prefix("*.").unwrap_or(t);
    let t = t.strip_prefix('.').unwrap_or(t);
    let t = t.strip_suffix('.').unwrap_or(t);
    if t.is_empty() || t.len() > 253 {
        return None;
    }
    // One pass over a byte-class table, without branches (a dot's position would mispredict):
    // 0 invalid, 1 name character, 3 upper case (1 | 2), 4 dot.
    const CLASS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            t[c] = match b {
                b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => 1,
                b'A'..=b'Z' => 3,
                b'.' => 4,
                _ => 0,
            };
            c += 1;
        }
        t
    };
    let mut any = 0u8;
    let mut bad = 0u8;
    let mut prev_dot = 1u8;
    let mut dots = 0usize;
    for &b in t.as_bytes() {
        let c = CLASS[b as usize];
        let dot = c >> 2;
        // An invalid byte, or a dot right after a dot (an empty label).
        bad |= u8::from(c == 0) | (dot & prev_dot);
        prev_dot = dot;
        dots += usize::from(dot);
        any |= c;
    }
    let upper = any & 2 != 0;
    if bad != 0 || prev_dot != 0 || (dots == 0 && !allow_single) {
        return None;
    }
    let name = if upper {
        Cow::Owned(t.to_ascii_lowercase())
    } else {
        Cow::Borrowed(t)
    };
    Some((name, dots + 1))
}

/// `t.trim()`, without the Unicode scan when both ends are plain ASCII characters (the
/// common case on the lookup path).
#[inline]
pub(crate) fn fast_trim(t: &str) -> &str {
    let b = t.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) if f > b' ' && f < 0x80 && l > b' ' && l < 0x80 => t,
        _ => t.trim(),
    }
}

/// The host part of a URL (`https://user@Host:8080/p` → `Host`), if any.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let auth = rest.split(['/', '?', '#']).next()?;
    let host = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split(']').next().map(|h| h.trim_start_matches('['))?
    } else {
        host.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule spelled out: labels of `[a-z0-9-_]` (any case) joined by single dots.
    fn reference(t: &str, allow_single: bool) -> Option<(String, usize)> {
        let t = t.trim();
        let t = t.strip_prefix("*.").unwrap_or(t);
        let t = t.strip_prefix('.').unwrap_or(t);
        let t = t.strip_suffix('.').unwrap_or(t);
        if t.is_empty() || t.len() > 253 {
            return None;
        }
        let labels: Vec<&str> = t.split('.').collect();
        let ok = labels.iter().all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        (ok && (labels.len() > 1 || allow_single)).then(|| (t.to_ascii_lowercase(), labels.len()))
    }

    proptest! {
        /// The one-pass, branch-free normaliser agrees with the rule.
        #[test]
        fn normalize_agrees_with_reference(t in "[a-cA-C0-9._*! -]{0,14}", single in any::<bool>()) {
            let got = normalize_domain_labels(&t, single).map(|(d, n)| (d.into_owned(), n));
            prop_assert_eq!(got, reference(&t, single));
        }
    }
}
