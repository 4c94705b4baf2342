//! Charts as SVG written on the server: no JavaScript, they print, and each carries its text
//! alternative (a `<title>`, an `aria-label`, and the numbers as a table beside it).
//!
//! Written by hand rather than with a plotting crate: a stacked bar chart is a few rectangles and
//! labels, and plotters or charming would bring font rasterisation or a JavaScript runtime for
//! nothing; the SVG here is small, deterministic (the same numbers give the same bytes) and
//! styled by the page's own stylesheet.

use crate::view::{clip, escape_html};

/// One bar of a stacked bar chart: a label and a count per series.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub counts: Vec<usize>,
    /// Where the label links (a filtered table), if anywhere.
    pub href: Option<String>,
}

/// A series: its name (for the legend and the table), its CSS class and its colour (written
/// on the shapes, so the chart keeps it printed, saved alone, or drawn in the PDF).
#[derive(Debug, Clone, Copy)]
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
    pub colour: &'static str,
}

const LABEL_WIDTH: usize = 150;
const BAR_AREA: usize = 440;
const ROW: usize = 22;
const LEGEND: usize = 26;

/// Horizontal stacked bars, one per [`Bar`], scaled to the longest.
pub fn stacked_bars(title: &str, series: &[Series], bars: &[Bar]) -> String {
    let max = bars
        .iter()
        .map(|b| b.counts.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let width = LABEL_WIDTH + BAR_AREA + 40;
    let height = LEGEND + ROW * bars.len() + 4;
    let summary: Vec<String> = bars
        .iter()
        .map(|b| {
            let parts: Vec<String> = series
                .iter()
                .zip(&b.counts)
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| format!("{} {n}", s.name))
                .collect();
            format!("{}：{}", b.label, parts.join("，"))
        })
        .collect();
    let mut svg = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        escape_html(&format!("{title}。{}", summary.join("；"))),
        escape_html(title)
    );
    // The legend.
    let mut x = LABEL_WIDTH;
    for s in series {
        svg.push_str(&format!(
            "<rect class=\"{}\" fill=\"{}\" x=\"{x}\" y=\"4\" width=\"12\" height=\"12\"/><text x=\"{}\" y=\"14\">{}</text>",
            s.class,
            s.colour,
            x + 16,
            escape_html(s.name)
        ));
        x += 16 + 14 * s.name.chars().count() + 18;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = LEGEND + i * ROW;
        let label = escape_html(&clip(&b.label, 9));
        let label = match &b.href {
            Some(h) => format!("<a href=\"{}\">{label}</a>", escape_html(h)),
            None => label,
        };
        svg.push_str(&format!(
            "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{label}</text>",
            LABEL_WIDTH - 6,
            y + 15
        ));
        let mut x = LABEL_WIDTH;
        for (s, n) in series.iter().zip(&b.counts) {
            if *n == 0 {
                continue;
            }
            let w = (n * BAR_AREA).div_ceil(max);
            svg.push_str(&format!(
                "<rect class=\"{}\" fill=\"{}\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"16\"><title>{}：{} {n}</title></rect>",
                s.class,
                s.colour,
                y + 3,
                escape_html(&b.label),
                escape_html(s.name)
            ));
            x += w;
        }
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\">{}</text>",
            x + 4,
            y + 15,
            b.counts.iter().sum::<usize>()
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// One round's figure on a [`across_rounds`] chart.
#[derive(Debug, Clone)]
pub struct Point {
    /// The round ("2023年三季度").
    pub label: String,
    /// What it reported, in the chart's unit; `None` when no figure was read that round.
    pub value: Option<f64>,
    /// Where it should have been by then (the share of the year elapsed, in the chart's unit).
    pub due: Option<f64>,
}

const COLUMN: usize = 84;
const PLOT_TOP: usize = 22;
const PLOT_HEIGHT: usize = 120;

/// A figure against its target across rounds: a column per round with the reported figure, a
/// line at the target, and a tick where the figure should have been by then. `shown` formats a
/// value for the labels ("19.9%", "1.71万吨").
pub fn across_rounds(
    title: &str,
    target: f64,
    target_label: &str,
    points: &[Point],
    shown: impl Fn(f64) -> String,
) -> String {
    let max = points
        .iter()
        .flat_map(|p| [p.value, p.due])
        .flatten()
        .chain([target])
        .fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let y_of = |v: f64| PLOT_TOP as f64 + PLOT_HEIGHT as f64 * (1.0 - (v.max(0.0) / max));
    let width = 60 + COLUMN * points.len().max(1) + 110;
    let height = PLOT_TOP + PLOT_HEIGHT + 24;
    let summary: Vec<String> = points
        .iter()
        .map(|p| {
            let mut s = format!(
                "{}：{}",
                p.label,
                p.value.map(&shown).unwrap_or_else(|| "—".to_owned())
            );
            if let Some(d) = p.due {
                s.push_str(&format!("（按时间应达 {}）", shown(d)));
            }
            s
        })
        .collect();
    let mut svg = format!(
        "<svg class=\"chart rounds\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        escape_html(&format!("{title}。{target_label}；{}", summary.join("；"))),
        escape_html(title)
    );
    for (i, p) in points.iter().enumerate() {
        let x = 60 + i * COLUMN;
        if let Some(v) = p.value {
            let y = y_of(v);
            svg.push_str(&format!(
                "<rect class=\"actual\" x=\"{}\" y=\"{y:.1}\" width=\"{}\" height=\"{:.1}\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + 12,
                COLUMN - 24,
                (PLOT_TOP + PLOT_HEIGHT) as f64 - y,
                x + COLUMN / 2,
                y - 3.0,
                escape_html(&shown(v))
            ));
        }
        if let Some(d) = p.due {
            svg.push_str(&format!(
                "<line class=\"due\" x1=\"{}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>",
                x + 6,
                x + COLUMN - 6,
                y = y_of(d)
            ));
        }
        svg.push_str(&format!(
            "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x + COLUMN / 2,
            PLOT_TOP + PLOT_HEIGHT + 16,
            escape_html(&clip(&p.label, 9))
        ));
    }
    let ty = y_of(target);
    svg.push_str(&format!(
        "<line class=\"target\" x1=\"56\" x2=\"{}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\"/><text x=\"{}\" y=\"{:.1}\">{}</text><line class=\"axis\" x1=\"56\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/></svg>",
        60 + COLUMN * points.len().max(1),
        64 + COLUMN * points.len().max(1),
        ty + 4.0,
        escape_html(target_label),
        60 + COLUMN * points.len().max(1),
        PLOT_TOP + PLOT_HEIGHT,
        PLOT_TOP + PLOT_HEIGHT
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_longest_and_say_their_numbers() {
        let series = [
            Series {
                name: "是",
                class: "yes",
                colour: "#4c9a5f",
            },
            Series {
                name: "否",
                class: "no",
                colour: "#c0392b",
            },
        ];
        let bars = [
            Bar {
                label: "聂元科".into(),
                counts: vec![3, 1],
                href: Some("/tables/2023Q3?leader=聂元科".into()),
            },
            Bar {
                label: "<b>".into(),
                counts: vec![2, 0],
                href: None,
            },
        ];
        let svg = stacked_bars("按分管领导", &series, &bars);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(
            svg.contains("aria-label=\"按分管领导。聂元科：是 3，否 1；&#60;b&#62;：是 2\""),
            "{svg}"
        );
        // 3 of 4 is 330 of the 440 units; the longest bar fills them.
        assert!(svg.contains("width=\"330\""));
        assert!(svg.contains("width=\"110\""));
        assert!(!svg.contains("<b>"));
        assert_eq!(
            svg,
            stacked_bars("按分管领导", &series, &bars),
            "deterministic"
        );
    }

    #[test]
    fn a_figure_across_rounds_stands_against_its_target_and_says_its_numbers() {
        let points = [
            Point {
                label: "2023年二季度".into(),
                value: Some(10.0),
                due: Some(50.0),
            },
            Point {
                label: "2023年三季度".into(),
                value: Some(19.9),
                due: Some(75.0),
            },
            Point {
                label: "2023年四季度".into(),
                value: None,
                due: None,
            },
        ];
        let svg = across_rounds("储备粮", 100.0, "目标 8.6万吨", &points, |v| {
            format!("{v}%")
        });
        assert!(
            svg.contains("aria-label=\"储备粮。目标 8.6万吨；2023年二季度：10%（按时间应达 50%）；2023年三季度：19.9%（按时间应达 75%）；2023年四季度：—\""),
            "{svg}"
        );
        // Two columns, two ticks, one target line, scaled so the target is under the top.
        assert_eq!(svg.matches("class=\"actual\"").count(), 2);
        assert_eq!(svg.matches("class=\"due\"").count(), 2);
        assert_eq!(svg.matches("class=\"target\"").count(), 1);
        // 100 of a 110 scale: the target line sits 10/110 of 120 below the plot's top.
        assert!(svg.contains("y1=\"32.9\""), "{svg}");
        assert_eq!(
            svg,
            across_rounds("储备粮", 100.0, "目标 8.6万吨", &points, |v| format!(
                "{v}%"
            ))
        );
    }
}
