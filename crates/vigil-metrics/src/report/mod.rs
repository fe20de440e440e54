//! Reports: Markdown and JSON tables and hand-written SVG plots, in a folder with an
//! `index.html` that links them all.
//!
//! No plotting or templating dependency: the SVG writer escapes every text, drops
//! non-finite points and always closes what it opens.
//!
//! ```
//! # fn main() -> Result<(), vigil_metrics::MetricsError> {
//! use vigil_metrics::report::{Plot, Report, Table};
//! let dir = std::env::temp_dir().join(format!("vigil-report-doc-{}", std::process::id()));
//! let curve = vigil_metrics::pr_curve(&[0.9, 0.3, 0.2], &[true, false, true])?;
//! let written = Report::new("Demo")
//!     .text("Scores of one model.")
//!     .table(Table::new("Metrics", &["metric", "value"]).row(vec!["AP".into(), 0.83.into()]))
//!     .plot(Plot::pr_curves("Precision-recall", &[("model", curve.as_slice())]))
//!     .write(&dir)?;
//! assert!(written.index.ends_with("index.html"));
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok(()) }
//! ```

mod chart;
mod coverage_table;
mod plot;
mod soc_table;
mod svg;
mod table;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{MetricsError, Result};
pub use coverage_table::coverage_table;
pub use plot::Plot;
pub use soc_table::soc_table;
pub use table::{Cell, Table};

/// A lower-case, ASCII, dash-separated file stem from a title (`"PR curves (AIT)"` →
/// `pr-curves-ait`); `figure` when nothing is left.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(60).collect();
    if out.is_empty() { "figure".into() } else { out }
}

#[derive(Debug, Clone)]
enum Block {
    Text(String),
    Table(Table),
    Plot(Plot),
}

/// A report being assembled: text, tables and plots in order, plus raw JSON data.
#[derive(Debug, Clone)]
pub struct Report {
    title: String,
    blocks: Vec<Block>,
    data: Map<String, Value>,
}

/// What [`Report::write`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The report folder.
    pub dir: PathBuf,
    /// `index.html`, linking everything.
    pub index: PathBuf,
    /// Every file written, `index.html` first.
    pub files: Vec<PathBuf>,
}

impl Report {
    /// An empty report.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            blocks: Vec::new(),
            data: Map::new(),
        }
    }

    /// Adds a paragraph (plain text; blank lines separate paragraphs).
    pub fn text(mut self, text: &str) -> Self {
        self.blocks.push(Block::Text(text.to_owned()));
        self
    }

    /// Adds a table.
    pub fn table(mut self, table: Table) -> Self {
        self.blocks.push(Block::Table(table));
        self
    }

    /// Adds a plot.
    pub fn plot(mut self, plot: Plot) -> Self {
        self.blocks.push(Block::Plot(plot));
        self
    }

    /// Attaches raw data under `key` in `report.json` (e.g. a serialised
    /// [`crate::SocMetrics`]).
    pub fn json(mut self, key: &str, value: Value) -> Self {
        self.data.insert(key.to_owned(), value);
        self
    }

    /// Writes the report into `dir` (created if needed): `index.html`, `report.md`,
    /// `report.json`, and per table `<slug>.md` and `<slug>.json`, per plot `<slug>.svg`
    /// (slugs made unique with `-2`, `-3`, ...). Existing files of those names are replaced.
    ///
    /// Errors: a table with a row of the wrong width; a file that cannot be written.
    pub fn write(&self, dir: &Path) -> Result<Written> {
        for b in &self.blocks {
            if let Block::Table(t) = b
                && let Some((_, found)) = t.ragged_row()
            {
                return Err(MetricsError::LengthMismatch {
                    what: "table row",
                    expected: t.columns().len(),
                    found,
                });
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| MetricsError::io(dir, e))?;
        let names = self.file_stems();
        let mut files = Vec::new();
        let mut put = |name: &str, content: &str| -> Result<()> {
            let path = dir.join(name);
            std::fs::write(&path, content).map_err(|e| MetricsError::io(&path, e))?;
            files.push(path);
            Ok(())
        };
        put("index.html", &self.to_html(&names))?;
        put("report.md", &self.to_markdown(&names))?;
        let json = serde_json::to_string_pretty(&self.to_json(&names)).map_err(|e| {
            MetricsError::Parse {
                path: dir.join("report.json"),
                reason: e.to_string(),
            }
        })?;
        put("report.json", &json)?;
        for (b, stem) in self.blocks.iter().zip(&names) {
            match b {
                Block::Table(t) => {
                    put(&format!("{stem}.md"), &t.to_markdown())?;
                    let j = serde_json::to_string_pretty(&t.to_json()).unwrap_or_default();
                    put(&format!("{stem}.json"), &j)?;
                }
                Block::Plot(p) => put(&format!("{stem}.svg"), &p.to_svg())?,
                Block::Text(_) => {}
            }
        }
        Ok(Written {
            dir: dir.to_owned(),
            index: dir.join("index.html"),
            files,
        })
    }

    /// A unique file stem per block (empty for text).
    fn file_stems(&self) -> Vec<String> {
        let mut used: Vec<String> = vec!["index".into(), "report".into()];
        self.blocks
            .iter()
            .map(|b| {
                let base = match b {
                    Block::Text(_) => return String::new(),
                    Block::Table(t) => slug(t.title()),
                    Block::Plot(p) => p.file_name().trim_end_matches(".svg").to_owned(),
                };
                let mut stem = base.clone();
                let mut k = 2;
                while used.contains(&stem) {
                    stem = format!("{base}-{k}");
                    k += 1;
                }
                used.push(stem.clone());
                stem
            })
            .collect()
    }

    fn to_markdown(&self, stems: &[String]) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for (b, stem) in self.blocks.iter().zip(stems) {
            match b {
                Block::Text(t) => out.push_str(&format!("{t}\n\n")),
                Block::Table(t) => out.push_str(&format!("{}\n", t.to_markdown())),
                Block::Plot(p) => out.push_str(&format!(
                    "![{}]({stem}.svg)\n\n",
                    p.title().replace(']', ")")
                )),
            }
        }
        out
    }

    fn to_json(&self, stems: &[String]) -> Value {
        let mut tables = Vec::new();
        let mut plots = Vec::new();
        let mut text = Vec::new();
        for (b, stem) in self.blocks.iter().zip(stems) {
            match b {
                Block::Text(t) => text.push(Value::String(t.clone())),
                Block::Table(t) => tables.push(t.to_json()),
                Block::Plot(p) => plots
                    .push(serde_json::json!({"title": p.title(), "file": format!("{stem}.svg")})),
            }
        }
        serde_json::json!({
            "title": self.title,
            "text": text,
            "tables": tables,
            "plots": plots,
            "data": Value::Object(self.data.clone()),
        })
    }

    fn to_html(&self, stems: &[String]) -> String {
        let e = svg::escape;
        let mut links = vec![
            r#"<a href="report.md">report.md</a>"#.to_owned(),
            r#"<a href="report.json">report.json</a>"#.to_owned(),
        ];
        let mut body = String::new();
        for (b, stem) in self.blocks.iter().zip(stems) {
            match b {
                Block::Text(t) => {
                    for para in t.split("\n\n").filter(|p| !p.trim().is_empty()) {
                        body.push_str(&format!("<p>{}</p>\n", e(para.trim())));
                    }
                }
                Block::Table(t) => {
                    links.push(format!(
                        r#"<a href="{s}.md">{s}.md</a> · <a href="{s}.json">{s}.json</a>"#,
                        s = e(stem)
                    ));
                    body.push_str(&t.to_html());
                }
                Block::Plot(p) => {
                    links.push(format!(r#"<a href="{s}.svg">{s}.svg</a>"#, s = e(stem)));
                    body.push_str(&format!(
                        "<figure><img src=\"{}.svg\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
                        e(stem),
                        e(p.title()),
                        e(p.title())
                    ));
                }
            }
        }
        let links: String = links.iter().map(|l| format!("<li>{l}</li>")).collect();
        format!(
            concat!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n",
                "<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}}",
                "table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px}}",
                "td.num{{text-align:right;font-variant-numeric:tabular-nums}}caption{{font-weight:bold;text-align:left}}",
                "figure{{margin:1.5em 0}}img{{max-width:100%}}.note{{color:#555;font-size:90%}}</style>\n",
                "</head>\n<body>\n<h1>{t}</h1>\n<ul class=\"files\">{links}</ul>\n{body}</body>\n</html>\n"
            ),
            t = e(&self.title),
            links = links,
            body = body
        )
    }
}
