//! Tables, rendered to Markdown, JSON and HTML.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::svg::escape;

/// One table cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A count.
    Int(i64),
    /// A measurement, shown with the table's digits (non-finite shown as `–`, JSON `null`).
    Float(f64),
    /// No value (`–` in Markdown, `null` in JSON).
    Missing,
}

impl Cell {
    fn display(&self, digits: usize) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Int(i) => i.to_string(),
            Self::Float(f) if f.is_finite() => format!("{f:.digits$}"),
            Self::Float(_) | Self::Missing => "–".into(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Self::Text(s) => Value::String(s.clone()),
            Self::Int(i) => Value::from(*i),
            Self::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Missing => Value::Null,
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}
impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        i64::try_from(v).map_or(Self::Float(v as f64), Self::Int)
    }
}
impl From<u64> for Cell {
    fn from(v: u64) -> Self {
        i64::try_from(v).map_or(Self::Float(v as f64), Self::Int)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Missing, Into::into)
    }
}

/// A titled table: named columns, rows of cells, an optional note (units, definitions).
///
/// ```
/// use vigil_metrics::report::{Cell, Table};
/// let t = Table::new("Queues", &["discipline", "MTTD median (min)", "phases detected"])
///     .row(vec!["fifo".into(), Cell::Missing, 2usize.into()])
///     .row(vec!["vigil".into(), 4.5.into(), 7usize.into()])
///     .digits(1);
/// assert!(t.to_markdown().contains("| vigil | 4.5 | 7 |"));
/// assert_eq!(t.to_json()["rows"][0]["MTTD median (min)"], serde_json::Value::Null);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    title: String,
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
    digits: usize,
    note: Option<String>,
}

impl Table {
    /// An empty table with its columns; floats shown with 3 decimals.
    pub fn new(title: &str, columns: &[&str]) -> Self {
        Self {
            title: title.to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
            digits: 3,
            note: None,
        }
    }

    /// Appends a row. A row of another width than the columns is an error when the report
    /// is written ([`crate::MetricsError::LengthMismatch`]).
    pub fn row(mut self, cells: Vec<Cell>) -> Self {
        self.rows.push(cells);
        self
    }

    /// Appends a row in place.
    pub fn push_row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// Decimals shown for float cells in Markdown and HTML (JSON keeps full precision).
    pub fn digits(mut self, digits: usize) -> Self {
        self.digits = digits.min(12);
        self
    }

    /// A note printed under the table (units, definitions).
    pub fn note(mut self, note: &str) -> Self {
        self.note = Some(note.to_owned());
        self
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The rows.
    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
    }

    /// Index of the first row whose width differs from the column count, with its width.
    pub(crate) fn ragged_row(&self) -> Option<(usize, usize)> {
        self.rows
            .iter()
            .enumerate()
            .find(|(_, r)| r.len() != self.columns.len())
            .map(|(i, r)| (i, r.len()))
    }

    /// GitHub-flavoured Markdown: a `###` title, the table, the note.
    pub fn to_markdown(&self) -> String {
        let md = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let mut out = format!("### {}\n\n", md(&self.title));
        out.push_str(&format!(
            "| {} |\n",
            self.columns
                .iter()
                .map(|c| md(c))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
        out.push_str(&format!(
            "|{}\n",
            self.columns
                .iter()
                .enumerate()
                .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
                .collect::<String>()
        ));
        for r in &self.rows {
            let cells: Vec<String> = (0..self.columns.len())
                .map(|i| md(&r.get(i).map_or("–".into(), |c| c.display(self.digits))))
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        if let Some(n) = &self.note {
            out.push_str(&format!("\n{n}\n"));
        }
        out
    }

    /// JSON: `{"title", "columns", "rows": [{column: value}], "note"}`; floats keep full
    /// precision, missing and non-finite values are `null`.
    pub fn to_json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut m = Map::new();
                for (i, c) in self.columns.iter().enumerate() {
                    m.insert(c.clone(), r.get(i).map_or(Value::Null, Cell::json));
                }
                Value::Object(m)
            })
            .collect();
        let mut m = Map::new();
        m.insert("title".into(), Value::String(self.title.clone()));
        m.insert(
            "columns".into(),
            Value::Array(self.columns.iter().cloned().map(Value::String).collect()),
        );
        m.insert("rows".into(), Value::Array(rows));
        if let Some(n) = &self.note {
            m.insert("note".into(), Value::String(n.clone()));
        }
        Value::Object(m)
    }

    /// An HTML `<table>` with a caption.
    pub(crate) fn to_html(&self) -> String {
        let mut out = format!(
            "<table>\n<caption>{}</caption>\n<thead><tr>",
            escape(&self.title)
        );
        for c in &self.columns {
            out.push_str(&format!("<th>{}</th>", escape(c)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in &self.rows {
            out.push_str("<tr>");
            for i in 0..self.columns.len() {
                let cell = r.get(i);
                let class = if matches!(cell, Some(Cell::Text(_))) {
                    ""
                } else {
                    r#" class="num""#
                };
                let text = cell.map_or("–".into(), |c| c.display(self.digits));
                out.push_str(&format!("<td{class}>{}</td>", escape(&text)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        if let Some(n) = &self.note {
            out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(n)));
        }
        out
    }
}
