//! Splits a JSON byte stream into top-level records without parsing them.
//!
//! Three layouts are accepted and told apart as the stream goes: one object per line (JSON
//! Lines), whole documents one after another (pretty-printed or not), and a top-level array
//! whose elements are the records. The splitter tracks only nesting, strings and escapes, so
//! a malformed record costs that record alone: in JSON Lines a line is a record whatever it
//! holds; elsewhere a record ends where its brackets balance, and text that does not open an
//! object or array runs to the end of its line (or array element).

use std::io::{ErrorKind, Read};

/// Records larger than this are rejected without being kept in memory.
pub(crate) const MAX_RECORD: usize = 64 * 1024 * 1024;

/// Skipped when it opens the input (editors on Windows write it).
const UTF8_BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// One top-level record's bytes, or why there are none.
#[derive(Debug)]
pub(crate) enum Piece<'a> {
    /// A complete (or, at the end of input or of a JSON line, truncated) record.
    Record {
        /// Its bytes.
        bytes: &'a [u8],
        /// The 1-based line it starts on.
        line: u64,
    },
    /// A record larger than [`MAX_RECORD`].
    TooLarge {
        /// The 1-based line it starts on.
        line: u64,
    },
    /// Reading the input failed; the stream ends.
    Io {
        /// The line reached.
        line: u64,
        /// The error.
        error: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records.
    Idle,
    /// Inside an object or array record.
    Container,
    /// Inside a bare scalar (or garbage) record.
    Scalar,
}

/// The splitter.
pub(crate) struct Splitter<R: Read> {
    input: R,
    rbuf: Box<[u8]>,
    rpos: usize,
    rlen: usize,
    eof: bool,
    record: Vec<u8>,
    state: State,
    depth: usize,
    in_string: bool,
    escape: bool,
    /// Inside a top-level array: its elements are the records.
    in_array: bool,
    /// `Some(true)` once the first record fitted on one line (JSON Lines).
    line_mode: Option<bool>,
    too_large: bool,
    line: u64,
    start_line: u64,
    /// Nothing read yet: a UTF-8 byte order mark may come first.
    at_start: bool,
}

impl<R: Read> Splitter<R> {
    /// A splitter over `input`.
    pub(crate) fn new(input: R) -> Self {
        Self {
            input,
            rbuf: vec![0u8; 64 * 1024].into_boxed_slice(),
            rpos: 0,
            rlen: 0,
            eof: false,
            record: Vec::new(),
            state: State::Idle,
            depth: 0,
            in_string: false,
            escape: false,
            in_array: false,
            line_mode: None,
            too_large: false,
            line: 1,
            start_line: 1,
            at_start: true,
        }
    }

    fn push(&mut self, b: u8) {
        if self.record.len() >= MAX_RECORD {
            self.too_large = true;
            self.record.clear();
        } else if !self.too_large {
            self.record.push(b);
        }
    }

    /// Steps over byte `b` inside a string: an escape covers the byte after it, and an
    /// unescaped quote closes the string.
    #[inline]
    fn string_byte(&mut self, b: u8) {
        if self.escape {
            self.escape = false;
        } else if b == b'\\' {
            self.escape = true;
        } else if b == b'"' {
            self.in_string = false;
        }
    }

    fn begin(&mut self, state: State) {
        self.record.clear();
        self.too_large = false;
        self.state = state;
        self.depth = 0;
        self.in_string = false;
        self.escape = false;
        self.start_line = self.line;
    }

    fn finish(&mut self) -> Piece<'_> {
        let single_line = self.start_line == self.line;
        if self.line_mode.is_none() && self.state == State::Container {
            self.line_mode = Some(single_line && !self.in_array);
        }
        self.state = State::Idle;
        if self.too_large {
            Piece::TooLarge {
                line: self.start_line,
            }
        } else {
            Piece::Record {
                bytes: &self.record,
                line: self.start_line,
            }
        }
    }

    /// The next record, or `None` at the end of the input.
    pub(crate) fn next_piece(&mut self) -> Option<Piece<'_>> {
        loop {
            if self.rpos >= self.rlen {
                if self.eof {
                    return match self.state {
                        State::Idle => None,
                        // A truncated record: the parser reports where it ends.
                        _ => Some(self.finish()),
                    };
                }
                match self.input.read(&mut self.rbuf) {
                    Ok(0) => self.eof = true,
                    Ok(n) => {
                        self.rpos = 0;
                        self.rlen = n;
                        if std::mem::take(&mut self.at_start)
                            && n >= 3
                            && self.rbuf.get(..3) == Some(&UTF8_BOM[..])
                        {
                            self.rpos = 3;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(error) => {
                        self.eof = true;
                        self.rlen = 0;
                        self.state = State::Idle;
                        return Some(Piece::Io {
                            line: self.line,
                            error,
                        });
                    }
                }
                continue;
            }
            let Some(&b) = self.rbuf.get(self.rpos) else {
                self.rpos = self.rlen;
                continue;
            };
            match self.state {
                State::Idle => {
                    self.rpos += 1;
                    match b {
                        b'\n' => self.line += 1,
                        b' ' | b'\t' | b'\r' => {}
                        b',' if self.in_array => {}
                        b']' if self.in_array => self.in_array = false,
                        b'[' if !self.in_array && self.line_mode != Some(true) => {
                            self.in_array = true
                        }
                        b'{' | b'[' => {
                            self.begin(State::Container);
                            self.push(b);
                            self.depth = 1;
                        }
                        _ => {
                            self.begin(State::Scalar);
                            self.push(b);
                            self.in_string = b == b'"';
                        }
                    }
                }
                State::Container => {
                    self.rpos += 1;
                    if b == b'\n' {
                        self.line += 1;
                        if self.line_mode == Some(true) {
                            // In JSON Lines a line is a record: an unbalanced one ends here.
                            return Some(self.finish());
                        }
                    }
                    self.push(b);
                    if self.in_string {
                        self.string_byte(b);
                    } else {
                        match b {
                            b'"' => self.in_string = true,
                            b'{' | b'[' => self.depth += 1,
                            b'}' | b']' => {
                                self.depth = self.depth.saturating_sub(1);
                                if self.depth == 0 {
                                    return Some(self.finish());
                                }
                            }
                            _ => {}
                        }
                    }
                }
                State::Scalar => {
                    let ends = if self.in_string {
                        b == b'\n'
                    } else {
                        b == b'\n' || (self.in_array && matches!(b, b',' | b']'))
                    };
                    if ends {
                        // The terminator is left for the idle state to handle.
                        return Some(self.finish());
                    }
                    self.rpos += 1;
                    self.push(b);
                    if self.in_string {
                        self.string_byte(b);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<(String, u64)> {
        let mut sp = Splitter::new(s.as_bytes());
        let mut out = Vec::new();
        while let Some(p) = sp.next_piece() {
            match p {
                Piece::Record { bytes, line } => {
                    out.push((String::from_utf8_lossy(bytes).into_owned(), line))
                }
                other => panic!("{other:?}"),
            }
        }
        out
    }

    #[test]
    fn json_lines() {
        let v = split("{\"a\":1}\n\n{\"b\":\"}\"}\n");
        assert_eq!(
            v,
            vec![("{\"a\":1}".into(), 1), ("{\"b\":\"}\"}".into(), 3)]
        );
    }

    #[test]
    fn broken_line_costs_one_record() {
        let v = split("{\"a\":1}\n{\"b\":\n{\"c\":3}\n");
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].1, 2);
        assert_eq!(v[2], ("{\"c\":3}".into(), 3));
    }

    #[test]
    fn pretty_documents_and_arrays() {
        let v = split("{\n \"a\": [1,\n 2]\n}\n{\n}");
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].1, 5);
        let v = split("[ {\"a\":1},\n {\"b\":2}, 3 ]");
        assert_eq!(v.len(), 3);
        assert_eq!(v[2].0.trim(), "3");
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let v = split("\u{feff}{\n\"a\": 1\n}\n");
        assert_eq!(v, vec![("{\n\"a\": 1\n}".into(), 1)]);
    }

    #[test]
    fn garbage_is_a_record() {
        let v = split("hello world\n{}\n");
        assert_eq!(v, vec![("hello world".into(), 1), ("{}".into(), 2)]);
    }
}
