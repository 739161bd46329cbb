//! The Gantt chart of the action table as inline SVG (no script, no external fonts), so the
//! print-ready HTML needs nothing but a browser to become a PDF.

use std::fmt::Write;

use chrono::{Datelike, Days, NaiveDate};

use super::format::escape_html as esc;
use crate::actions::{ActionStatus, TimelineRow};

const LABEL_W: f64 = 230.0;
const CHART_W: f64 = 520.0;
const WIDTH: f64 = LABEL_W + CHART_W + 10.0;
const HEADER_H: f64 = 34.0;
const ROW_H: f64 = 22.0;
const LEGEND_H: f64 = 28.0;
const LABEL_CHARS: usize = 34;
const MONTH_LETTERS: [&str; 12] = ["J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"];

/// Draws the rows that have both dates on a month grid; `None` when no row has dates.
/// Rows are drawn in the order given (use [`crate::actions::timeline`]).
pub fn gantt_svg(rows: &[TimelineRow]) -> Option<String> {
    let dated: Vec<(&TimelineRow, NaiveDate, NaiveDate)> = rows
        .iter()
        .filter_map(|r| r.span().map(|(s, e)| (r, s.min(e), e.max(s))))
        .collect();
    let first = dated.iter().map(|d| d.1).min()?;
    let last = dated.iter().map(|d| d.2).max()?;
    let origin = NaiveDate::from_ymd_opt(first.year(), first.month(), 1)?;
    let months = month_index(origin, last) + 1;
    let x = |d: NaiveDate| {
        let m = month_index(origin, d) as f64 + f64::from(d.day0()) / f64::from(days_in_month(d));
        LABEL_W + m / months as f64 * CHART_W
    };
    let height = HEADER_H + dated.len() as f64 * ROW_H + LEGEND_H;

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" role=\"img\" aria-label=\"Timeline of the actions, {first} to {last}\" \
         font-family=\"sans-serif\" font-size=\"10\">"
    );

    // Month grid: a line per month (per year when the plan is long), labels above.
    let bottom = HEADER_H + dated.len() as f64 * ROW_H;
    let label_every = if months <= 24 {
        1
    } else if months <= 60 {
        3
    } else {
        12
    };
    for i in 0..=months {
        let Some(month) = origin.checked_add_months(chrono::Months::new(i as u32)) else {
            break;
        };
        let gx = LABEL_W + i as f64 / months as f64 * CHART_W;
        let january = month.month() == 1;
        if months <= 120 || january {
            let stroke = if january { "#888" } else { "#ddd" };
            let _ = writeln!(
                s,
                "<line x1=\"{gx:.1}\" y1=\"{HEADER_H}\" x2=\"{gx:.1}\" y2=\"{bottom}\" stroke=\"{stroke}\" stroke-width=\"0.5\"/>"
            );
        }
        if i == months {
            break;
        }
        let cx = gx + CHART_W / months as f64 / 2.0;
        if i == 0 || january {
            let _ = writeln!(
                s,
                "<text x=\"{gx:.1}\" y=\"12\" font-weight=\"bold\">{}</text>",
                month.year()
            );
        }
        if (month.month0() as usize).is_multiple_of(label_every) && label_every < 12 {
            let _ = writeln!(
                s,
                "<text x=\"{cx:.1}\" y=\"28\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                MONTH_LETTERS[month.month0() as usize]
            );
        }
    }

    for (i, (row, start, end)) in dated.iter().enumerate() {
        let y = HEADER_H + i as f64 * ROW_H;
        if i % 2 == 1 {
            let _ = writeln!(
                s,
                "<rect x=\"0\" y=\"{y}\" width=\"{WIDTH}\" height=\"{ROW_H}\" fill=\"#f5f5f5\" fill-opacity=\"0.6\"/>"
            );
        }
        let label = truncate(&format!("{} {}", row.code, row.title), LABEL_CHARS);
        let _ = writeln!(
            s,
            "<text x=\"4\" y=\"{:.1}\">{}</text>",
            y + ROW_H * 0.65,
            esc(&label)
        );
        let x0 = x(*start);
        let x1 = end
            .checked_add_days(Days::new(1))
            .map_or(LABEL_W + CHART_W, x);
        let w = (x1 - x0).max(2.0);
        let _ = writeln!(
            s,
            "<rect class=\"bar bar-{}\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"{}\"><title>{} {}: {start} – {end}</title></rect>",
            row.status.key(),
            y + 4.0,
            ROW_H - 8.0,
            colour(row.status),
            esc(&row.code),
            esc(&row.title),
        );
    }

    // Legend.
    let ly = bottom + 18.0;
    for (i, st) in [
        ActionStatus::Idea,
        ActionStatus::Drafted,
        ActionStatus::Validated,
        ActionStatus::Parked,
    ]
    .into_iter()
    .enumerate()
    {
        let lx = LABEL_W + i as f64 * 110.0;
        let _ = writeln!(
            s,
            "<rect x=\"{lx}\" y=\"{:.1}\" width=\"12\" height=\"10\" rx=\"2\" fill=\"{}\"/><text x=\"{}\" y=\"{ly}\">{}</text>",
            ly - 9.0,
            colour(st),
            lx + 16.0,
            st.key()
        );
    }
    s.push_str("</svg>\n");
    Some(s)
}

fn colour(s: ActionStatus) -> &'static str {
    match s {
        ActionStatus::Idea => "#b0b7c3",
        ActionStatus::Drafted => "#5b8fd0",
        ActionStatus::Validated => "#2e7d32",
        ActionStatus::Parked => "#c8a165",
    }
}

fn month_index(origin: NaiveDate, d: NaiveDate) -> usize {
    let m = (d.year() - origin.year()) * 12 + d.month0() as i32 - origin.month0() as i32;
    usize::try_from(m).unwrap_or(0)
}

fn days_in_month(d: NaiveDate) -> u32 {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|next| next.pred_opt())
        .map_or(30, |last| last.day())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::timeline;
    use crate::demo::plan as demo;

    #[test]
    fn chart_has_a_bar_per_dated_action_and_a_month_grid() {
        let svg = gantt_svg(&timeline(&demo::actions())).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(svg.matches("class=\"bar ").count(), 3, "A3.1 has no dates");
        // 2027-03 .. 2029-08 = 30 months → 31 grid lines
        assert_eq!(svg.matches("<line ").count(), 31);
        assert!(
            svg.contains(">2027</text>")
                && svg.contains(">2028</text>")
                && svg.contains(">2029</text>")
        );
        assert!(svg.contains(
            "<title>A1.1 Creative hub in the old market hall: 2027-03-01 – 2028-06-30</title>"
        ));
        assert!(svg.contains("A1.1 Creative hub in the old mark…"));
    }

    #[test]
    fn bars_start_and_end_on_the_month_grid() {
        let mut a = demo::creative_hub();
        a.start_date = "2027-01-01".parse().ok();
        a.end_date = "2027-12-31".parse().ok();
        let svg = gantt_svg(&timeline(&[a])).unwrap();
        assert!(
            svg.contains(&format!(
                "x=\"{LABEL_W:.1}\" y=\"38.0\" width=\"{CHART_W:.1}\""
            )),
            "{svg}"
        );
    }

    #[test]
    fn text_in_the_chart_is_escaped() {
        let mut a = demo::creative_hub();
        a.title = "<script>x</script> & co".into();
        let svg = gantt_svg(&timeline(&[a])).unwrap();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }

    #[test]
    fn no_dated_action_means_no_chart() {
        assert!(gantt_svg(&[]).is_none());
        let mut a = demo::creative_hub();
        a.end_date = None;
        assert!(gantt_svg(&timeline(&[a])).is_none());
    }
}
