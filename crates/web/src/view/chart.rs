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

/// A series: its name (for the legend and the table) and its CSS class (its colour).
#[derive(Debug, Clone, Copy)]
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
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
            "<rect class=\"{}\" x=\"{x}\" y=\"4\" width=\"12\" height=\"12\"/><text x=\"{}\" y=\"14\">{}</text>",
            s.class,
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
                "<rect class=\"{}\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"16\"><title>{}：{} {n}</title></rect>",
                s.class,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_longest_and_say_their_numbers() {
        let series = [
            Series {
                name: "是",
                class: "yes",
            },
            Series {
                name: "否",
                class: "no",
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
}
