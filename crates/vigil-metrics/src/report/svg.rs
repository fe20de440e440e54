//! A minimal SVG writer: escaped text, finite coordinates only, always well-formed.

/// Escapes text for XML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with two decimals; non-finite values become 0 so no `NaN` reaches the file
/// (callers drop non-finite data before; this is the last guard).
pub(crate) fn num(v: f64) -> String {
    if v.is_finite() {
        let r = (v * 100.0).round() / 100.0;
        // avoid "-0"
        if r == 0.0 { "0".into() } else { format!("{r}") }
    } else {
        "0".into()
    }
}

/// An SVG document being built.
pub(crate) struct Svg {
    body: String,
    width: f64,
    height: f64,
}

impl Svg {
    pub(crate) fn new(width: f64, height: f64) -> Self {
        Self {
            body: String::new(),
            width,
            height,
        }
    }

    pub(crate) fn line(
        &mut self,
        (x1, y1): (f64, f64),
        (x2, y2): (f64, f64),
        stroke: &str,
        width: f64,
        dash: Option<&str>,
    ) {
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        self.body.push_str(&format!(
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{dash}/>"#,
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            escape(stroke),
            num(width)
        ));
        self.body.push('\n');
    }

    pub(crate) fn polyline(
        &mut self,
        pts: &[(f64, f64)],
        stroke: &str,
        width: f64,
        dash: Option<&str>,
    ) {
        let pts: Vec<String> = pts
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|&(x, y)| format!("{},{}", num(x), num(y)))
            .collect();
        if pts.len() < 2 {
            return;
        }
        let dash = dash.map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        self.body.push_str(&format!(
            r#"<polyline fill="none" stroke="{}" stroke-width="{}"{dash} points="{}"/>"#,
            escape(stroke),
            num(width),
            pts.join(" ")
        ));
        self.body.push('\n');
    }

    pub(crate) fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: &str,
        stroke: Option<&str>,
    ) {
        let stroke = stroke.map_or(String::new(), |s| format!(r#" stroke="{}""#, escape(s)));
        self.body.push_str(&format!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{stroke}/>"#,
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            escape(fill)
        ));
        self.body.push('\n');
    }

    pub(crate) fn circle(&mut self, x: f64, y: f64, r: f64, fill: &str) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        self.body.push_str(&format!(
            r#"<circle cx="{}" cy="{}" r="{}" fill="{}"/>"#,
            num(x),
            num(y),
            num(r),
            escape(fill)
        ));
        self.body.push('\n');
    }

    /// Text; `anchor` is `start`, `middle` or `end`; `rotate` in degrees about the anchor.
    pub(crate) fn text(
        &mut self,
        x: f64,
        y: f64,
        s: &str,
        size: f64,
        anchor: &str,
        rotate: Option<f64>,
    ) {
        let rot = rotate.map_or(String::new(), |r| {
            format!(r#" transform="rotate({} {} {})""#, num(r), num(x), num(y))
        });
        self.body.push_str(&format!(
            r#"<text x="{}" y="{}" font-size="{}" text-anchor="{}"{rot}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            escape(anchor),
            escape(s)
        ));
        self.body.push('\n');
    }

    /// A `<title>` tooltip group around raw shapes is not needed; plain comments are.
    pub(crate) fn finish(self) -> String {
        format!(
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                "\n",
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif">"#,
                "\n",
                r#"<rect x="0" y="0" width="{w}" height="{h}" fill="white"/>"#,
                "\n{body}</svg>\n"
            ),
            w = num(self.width),
            h = num(self.height),
            body = self.body
        )
    }
}
