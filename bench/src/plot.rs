//! SVG plots (plotters): echo throughput against connections, and poll scaling.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use crate::results::{Row, Workload};

/// Line colours (Tableau 10): distinguishable on white, unlike a generated palette.
const COLOURS: [(u8, u8, u8); 8] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
];

/// One line: label and (x, median y) points.
type Series = (String, Vec<(f64, f64)>);

/// Writes every plot into `dir`; returns the files written.
///
/// # Errors
/// Fails if a file cannot be written.
pub fn write_all(rows: &[Row], dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (size, file) in [("64 B", "echo-64B.svg"), ("16 KiB", "echo-16KiB.svg")] {
        let series = series(rows, Workload::Echo, |r| {
            r.config.ends_with(&format!("× {size}"))
        });
        let title = format!("Echo, {size} messages: throughput vs connections");
        let axes = ("concurrent connections", "messages/s");
        if plot(&dir.join(file), &title, axes, YScale::Linear, &series)? {
            written.push(dir.join(file));
        }
    }
    let series = series(rows, Workload::Poll, |_| true);
    let title = "Poll scaling: active-connection throughput vs idle connections";
    let file = dir.join("poll-scaling.svg");
    let axes = (
        "idle connections",
        "messages/s on the active connection (log scale)",
    );
    if plot(&file, title, axes, YScale::Log, &series)? {
        written.push(file);
    }
    Ok(written)
}

/// Medians per contender, for rows of `workload` passing `keep`.
fn series(rows: &[Row], workload: Workload, keep: impl Fn(&Row) -> bool) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    for row in rows.iter().filter(|r| r.workload == workload && keep(r)) {
        let Some(summary) = row.summary() else {
            continue;
        };
        let label = row.contender.label();
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, points)) => points.push((row.x, summary.median)),
            None => out.push((label, vec![(row.x, summary.median)])),
        }
    }
    for (_, points) in &mut out {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

/// Y axis scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum YScale {
    Linear,
    Log,
}

/// Draws a log-x line chart; false (and no file) when there is nothing to draw.
fn plot(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    y_scale: YScale,
    series: &[Series],
) -> Result<bool> {
    let points = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, 1.0f64, f64::MAX, 0.0f64);
    for &(x, y) in points {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_max = y_max.max(y);
        y_min = y_min.min(y);
    }
    if series.is_empty() || y_max <= 0.0 {
        return Ok(false);
    }
    let err = |e: &dyn std::fmt::Display| anyhow!("plotting {}: {e}", path.display());
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80);
    let x_range = (x_min.max(0.1) * 0.8..x_max * 1.25).log_scale();
    // The same drawing code for both coordinate types (they are different Rust types).
    macro_rules! draw {
        ($chart:expr) => {{
            let mut chart = $chart.map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .x_desc(axes.0)
                .y_desc(axes.1)
                .x_label_formatter(&|x| crate::stats::fmt_num(*x))
                .y_label_formatter(&|y| crate::stats::fmt_num(*y))
                .draw()
                .map_err(|e| err(&e))?;
            for (i, (label, pts)) in series.iter().enumerate() {
                let (r, g, b) = COLOURS[i % COLOURS.len()];
                let color = RGBColor(r, g, b).to_rgba();
                chart
                    .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                    .map_err(|e| err(&e))?
                    .label(label.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))
                    .map_err(|e| err(&e))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(|e| err(&e))?;
        }};
    }
    match y_scale {
        YScale::Linear => draw!(builder.build_cartesian_2d(x_range, 0f64..y_max * 1.1)),
        YScale::Log => {
            let lo = (y_min.max(0.1) / 2.0).max(0.1);
            draw!(builder.build_cartesian_2d(x_range, (lo..y_max * 2.0).log_scale()))
        }
    }
    root.present().map_err(|e| err(&e))?;
    Ok(true)
}
