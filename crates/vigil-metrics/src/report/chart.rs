//! A generic XY chart (axes, ticks, legend, series) rendered to SVG by hand.

use super::svg::Svg;

/// Colour-blind-safe palette (Okabe & Ito 2008), in series order.
pub(crate) const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mark {
    /// Straight segments through the points.
    Line,
    /// A step function holding each value until the next point (horizontal, then vertical):
    /// a count over time.
    Step,
    /// A step function taking each point's value over the interval before it (vertical,
    /// then horizontal): a precision–recall curve, whose area is average precision.
    StepPre,
    /// Dots at the points.
    Dots,
    /// Line with dots.
    LineDots,
    /// Independent segments: points taken in pairs.
    Segments,
    /// Crosses at the points (for "missed").
    Crosses,
    /// Horizontal bars from x = 0 to each point's x, centred on its y, `f64` = bar height in
    /// y units (for a categorical axis, where rows are 1 apart).
    HBars(f64),
}

/// One data series.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub label: String,
    pub color: String,
    pub mark: Mark,
    pub points: Vec<(f64, f64)>,
    /// Shown in the legend.
    pub legend: bool,
    /// Dot radius per point (pixels) for the dotted marks; empty for the default size.
    pub sizes: Vec<f64>,
}

/// A chart: axes, optional categorical y axis, optional diagonal, series.
#[derive(Debug, Clone)]
pub(crate) struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
    /// Category names for a categorical y axis (row `i` at y = i, first row on top).
    pub y_categories: Option<Vec<String>>,
    /// Draw the y = x reference line.
    pub diagonal: bool,
    pub series: Vec<Series>,
}

impl Chart {
    pub(crate) fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            title: title.to_owned(),
            x_label: x_label.to_owned(),
            y_label: y_label.to_owned(),
            x_range: None,
            y_range: None,
            y_categories: None,
            diagonal: false,
            series: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, label: &str, mark: Mark, points: Vec<(f64, f64)>) {
        let color = PALETTE
            .get(self.series.iter().filter(|s| s.legend).count() % PALETTE.len())
            .copied()
            .unwrap_or("#000000");
        self.series.push(Series {
            label: label.to_owned(),
            color: color.to_owned(),
            mark,
            points: points
                .into_iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .collect(),
            legend: true,
            sizes: Vec::new(),
        });
    }

    fn data_range(&self, pick: impl Fn(&(f64, f64)) -> f64) -> (f64, f64) {
        let vals = self.series.iter().flat_map(|s| s.points.iter().map(&pick));
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !lo.is_finite() || !hi.is_finite() {
            return (0.0, 1.0);
        }
        pad((lo, hi))
    }

    pub(crate) fn render(&self) -> String {
        let n_cat = self.y_categories.as_ref().map_or(0, Vec::len);
        let longest_cat = self
            .y_categories
            .iter()
            .flatten()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0);
        let left = if n_cat > 0 {
            20.0 + 6.5 * longest_cat.max(self.y_label.chars().count()).min(40) as f64
        } else {
            70.0
        };
        let legend_w = 20.0
            + 7.0
                * self
                    .series
                    .iter()
                    .filter(|s| s.legend)
                    .map(|s| s.label.chars().count().min(60))
                    .max()
                    .unwrap_or(0) as f64;
        let (top, bottom, right) = (40.0, 55.0, legend_w + 30.0);
        let plot_w = 520.0;
        let plot_h = if n_cat > 0 {
            (26.0 * n_cat as f64).max(160.0)
        } else {
            360.0
        };
        let (width, height) = (left + plot_w + right, top + plot_h + bottom);
        let (x0, x1) = pad(self.x_range.unwrap_or_else(|| self.data_range(|p| p.0)));
        let (y0, y1) = if n_cat > 0 {
            (-0.5, n_cat as f64 - 0.5)
        } else {
            pad(self.y_range.unwrap_or_else(|| self.data_range(|p| p.1)))
        };
        let mx = |x: f64| left + (x - x0) / (x1 - x0) * plot_w;
        let my = |y: f64| {
            if n_cat > 0 {
                // first category on top
                top + (y - y0) / (y1 - y0) * plot_h
            } else {
                top + plot_h - (y - y0) / (y1 - y0) * plot_h
            }
        };
        let mut svg = Svg::new(width, height);
        svg.text(width / 2.0, 24.0, &self.title, 16.0, "middle", None);
        svg.rect(left, top, plot_w, plot_h, "none", Some("#444"));

        // Grid and ticks.
        for t in nice_ticks(x0, x1) {
            let px = mx(t);
            svg.line((px, top), (px, top + plot_h), "#e6e6e6", 1.0, None);
            svg.text(
                px,
                top + plot_h + 16.0,
                &tick_label(t),
                11.0,
                "middle",
                None,
            );
        }
        if let Some(cats) = &self.y_categories {
            for (i, c) in cats.iter().enumerate() {
                let py = my(i as f64);
                svg.line((left, py), (left + plot_w, py), "#f0f0f0", 1.0, None);
                let shown: String = c.chars().take(40).collect();
                svg.text(left - 6.0, py + 4.0, &shown, 11.0, "end", None);
            }
        } else {
            for t in nice_ticks(y0, y1) {
                let py = my(t);
                svg.line((left, py), (left + plot_w, py), "#e6e6e6", 1.0, None);
                svg.text(left - 6.0, py + 4.0, &tick_label(t), 11.0, "end", None);
            }
        }
        svg.text(
            left + plot_w / 2.0,
            height - 14.0,
            &self.x_label,
            12.0,
            "middle",
            None,
        );
        if n_cat == 0 {
            svg.text(
                18.0,
                top + plot_h / 2.0,
                &self.y_label,
                12.0,
                "middle",
                Some(-90.0),
            );
        } else {
            // Category names label the rows; the axis name goes above them.
            svg.text(left - 6.0, top - 8.0, &self.y_label, 12.0, "end", None);
        }

        if self.diagonal {
            let lo = x0.max(y0);
            let hi = x1.min(y1);
            if lo < hi {
                svg.line((mx(lo), my(lo)), (mx(hi), my(hi)), "#999", 1.0, Some("4 4"));
            }
        }

        for s in &self.series {
            let px: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|&(x, y)| (mx(x.clamp(x0, x1)), my(y.clamp(y0, y1))))
                .collect();
            match s.mark {
                Mark::Line => svg.polyline(&decimate(&px), &s.color, 2.0, None),
                Mark::Step => {
                    let mut st: Vec<(f64, f64)> = Vec::with_capacity(px.len() * 2);
                    for &p in &px {
                        if let Some(&(_, prev_y)) = st.last() {
                            st.push((p.0, prev_y));
                        }
                        st.push(p);
                    }
                    svg.polyline(&decimate(&st), &s.color, 2.0, None);
                }
                Mark::StepPre => {
                    let mut st: Vec<(f64, f64)> = Vec::with_capacity(px.len() * 2);
                    for &p in &px {
                        if let Some(&(prev_x, _)) = st.last() {
                            st.push((prev_x, p.1));
                        }
                        st.push(p);
                    }
                    svg.polyline(&decimate(&st), &s.color, 2.0, None);
                }
                Mark::Dots => px
                    .iter()
                    .for_each(|&(x, y)| svg.circle(x, y, 4.0, &s.color)),
                Mark::LineDots => {
                    svg.polyline(&px, &s.color, 2.0, None);
                    for (i, &(x, y)) in px.iter().enumerate() {
                        let r = s
                            .sizes
                            .get(i)
                            .copied()
                            .filter(|r| r.is_finite())
                            .unwrap_or(3.5);
                        svg.circle(x, y, r, &s.color);
                    }
                }
                Mark::Segments => {
                    for pair in px.chunks_exact(2) {
                        if let [a, b] = pair {
                            svg.line((a.0, a.1), (b.0, b.1), &s.color, 2.0, None);
                        }
                    }
                }
                Mark::HBars(h) => {
                    let half = (my(h / 2.0) - my(0.0)).abs();
                    let base = mx(0.0_f64.clamp(x0, x1));
                    for &(x, y) in &px {
                        svg.rect(
                            base.min(x),
                            y - half,
                            (x - base).abs(),
                            2.0 * half,
                            &s.color,
                            None,
                        );
                    }
                }
                Mark::Crosses => {
                    for &(x, y) in &px {
                        svg.line((x - 5.0, y - 5.0), (x + 5.0, y + 5.0), &s.color, 2.5, None);
                        svg.line((x - 5.0, y + 5.0), (x + 5.0, y - 5.0), &s.color, 2.5, None);
                    }
                }
            }
        }

        // Legend, right of the plot.
        let lx = left + plot_w + 16.0;
        for (i, s) in self.series.iter().filter(|s| s.legend).enumerate() {
            let ly = top + 14.0 + 20.0 * i as f64;
            match s.mark {
                Mark::Dots => svg.circle(lx + 9.0, ly - 4.0, 4.0, &s.color),
                Mark::HBars(_) => svg.rect(lx + 2.0, ly - 9.0, 14.0, 10.0, &s.color, None),
                Mark::Crosses => {
                    svg.line(
                        (lx + 4.0, ly - 9.0),
                        (lx + 14.0, ly + 1.0),
                        &s.color,
                        2.5,
                        None,
                    );
                    svg.line(
                        (lx + 4.0, ly + 1.0),
                        (lx + 14.0, ly - 9.0),
                        &s.color,
                        2.5,
                        None,
                    );
                }
                _ => svg.line((lx, ly - 4.0), (lx + 18.0, ly - 4.0), &s.color, 3.0, None),
            }
            let shown: String = s.label.chars().take(60).collect();
            svg.text(lx + 24.0, ly, &shown, 11.0, "start", None);
        }
        svg.finish()
    }
}

/// Thins a pixel polyline of many points: within each pixel column keeps the first, lowest,
/// highest and last points, in their order, so the drawn envelope (every peak of a queue)
/// is unchanged while a million-point series stays a small file.
pub(crate) fn decimate(px: &[(f64, f64)]) -> Vec<(f64, f64)> {
    const KEEP_ALL_BELOW: usize = 4_000;
    if px.len() < KEEP_ALL_BELOW {
        return px.to_vec();
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < px.len() {
        let col = px.get(start).map_or(0.0, |p| p.0.round());
        let mut end = start;
        while px.get(end).is_some_and(|p| p.0.round() == col) {
            end += 1;
        }
        let group = px.get(start..end).unwrap_or_default();
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in group.iter().enumerate() {
            if group.get(lo).is_some_and(|q| p.1 < q.1) {
                lo = i;
            }
            if group.get(hi).is_some_and(|q| p.1 > q.1) {
                hi = i;
            }
        }
        let mut keep = [0, lo, hi, group.len().saturating_sub(1)];
        keep.sort_unstable();
        let mut last = usize::MAX;
        for k in keep {
            if k != last
                && let Some(&p) = group.get(k)
            {
                out.push(p);
            }
            last = k;
        }
        start = end.max(start + 1);
    }
    out
}

/// Widens an empty or reversed range so that it can be drawn.
fn pad((lo, hi): (f64, f64)) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi > lo {
        (lo, hi)
    } else {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - d, lo + d)
    }
}

/// About six "nice" ticks (steps of 1, 2 or 5 × 10^k) inside `[lo, hi]`.
pub(crate) fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return Vec::new();
    }
    let raw = span / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 50 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

fn tick_label(v: f64) -> String {
    if v.abs() >= 1e4 || (v != 0.0 && v.abs() < 1e-3) {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}
