//! The examples that flip most ([`super::Flips`]): a gallery of their inputs in `report.html`
//! (images for image data, small line plots for 1-D signals), a table in `report.md`; each
//! with its test index, its label and the runs' vote.

use super::{FlipExample, Flips, Gallery, StudyReport};
use crate::render::page::escape_html;
use crate::render::text::{escape_md, widths, Columns};
use crate::render::thumb::{image_thumb, signal_svg};

/// `3` or `3 (cat)` when the class has a name.
fn class_text(class: usize, names: &[String]) -> String {
    match names.get(class) {
        Some(name) => format!("{class} ({name})"),
        None => class.to_string(),
    }
}

/// The runs' vote as `class: runs` pairs, most votes first: `3: 9, 5: 7`; a language
/// model's classes by their token (`e: 9, a: 7`).
fn vote_text(e: &FlipExample, tokens: &[String]) -> String {
    e.votes
        .iter()
        .map(|[c, k]| match tokens.get(*c) {
            Some(t) if tokens.len() > 10 => format!("{t}: {k}"),
            _ => format!("{c}: {k}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn class_names(r: &StudyReport) -> &[String] {
    match &r.gallery {
        Gallery::Inputs(g) => &g.class_names,
        Gallery::Text(t) => &t.class_names,
        _ => &[],
    }
}

/// The sentence over the gallery or table: which condition, how ranked, how many agree.
fn intro(f: &Flips) -> String {
    format!(
        "The {} test examples on which the {} runs of {} split most ({}); {:.1}% of the test \
         set is predicted alike by every run. Each shows its index in the test set, its label, \
         and the runs' vote (class: runs).",
        f.examples.len(),
        f.runs,
        f.condition,
        f.ranking,
        f.unanimous
    )
}

/// The HTML section: a heading, the intro, then the gallery, or the reason it was skipped
/// and a table of the examples; nothing when the report has no [`Flips`].
pub(super) fn gallery_html(r: &StudyReport) -> String {
    let Some(f) = &r.flips else {
        return String::new();
    };
    let mut out = String::from("<h2>Examples that flip most</h2>\n");
    if f.examples.is_empty() {
        out.push_str(&format!(
            "<p>Every run of {} predicts every test example alike: no example flips.</p>\n",
            escape_html(&f.condition)
        ));
        return out;
    }
    out.push_str(&format!("<p>{}</p>\n", escape_html(&intro(f))));
    let names = class_names(r);
    if let Gallery::Text(t) = &r.gallery {
        out.push_str(
            "<table>\n<thead><tr><th>test index</th><th class=\"name\">text before it</th>\
             <th>next token</th><th class=\"name\">vote (token: runs)</th></tr></thead>\n<tbody>\n",
        );
        for (e, context) in f.examples.iter().zip(&t.contexts) {
            out.push_str(&format!(
                "<tr><td class=\"num\">{}</td><td class=\"name\"><code>{}</code></td>\
                 <td class=\"name\">{}</td><td class=\"name\">{}</td></tr>\n",
                e.index,
                escape_html(context),
                escape_html(&class_text(e.label as usize, names)),
                escape_html(&vote_text(e, names))
            ));
        }
        out.push_str("</tbody>\n</table>\n");
        return out;
    }
    let Gallery::Inputs(g) = &r.gallery else {
        let why = match &r.gallery {
            Gallery::Skipped(why) => why.as_str(),
            _ => "no test inputs",
        };
        out.push_str(&format!(
            "<p class=\"skipped\">The gallery was skipped: {}.</p>\n<table>\n<thead><tr>\
             <th>test index</th><th>label</th><th class=\"name\">vote (class: runs)</th></tr>\
             </thead>\n<tbody>\n",
            escape_html(why)
        ));
        for e in &f.examples {
            out.push_str(&format!(
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"name\">{}</td></tr>\n",
                e.index,
                escape_html(&class_text(e.label as usize, names)),
                escape_html(&vote_text(e, names))
            ));
        }
        out.push_str("</tbody>\n</table>\n");
        return out;
    };
    out.push_str("<div class=\"gallery\">\n");
    for (e, x) in f.examples.iter().zip(&g.examples) {
        let label = class_text(e.label as usize, names);
        let alt = format!("test example {}, label {label}", e.index);
        let thumb = if g.height == 1 {
            signal_svg(x, 150, 64, &alt)
        } else {
            image_thumb(g.channels, g.height, g.width, x, &alt)
        };
        out.push_str(&format!(
            "<div class=\"flip\">{thumb}<div class=\"cap\"><b>#{}</b> label {}<br>\
             <span class=\"vote\">{}</span></div></div>\n",
            e.index,
            escape_html(&label),
            escape_html(&vote_text(e, names))
        ));
    }
    out.push_str("</div>\n");
    out
}

/// The Markdown section: a heading, the intro, a pipe table of the examples, and the reason
/// the HTML gallery was skipped when it was; nothing without [`Flips`].
pub(super) fn flips_markdown(r: &StudyReport) -> String {
    let Some(f) = &r.flips else {
        return String::new();
    };
    let mut out = String::from("\n## Examples that flip most\n\n");
    if f.examples.is_empty() {
        out.push_str(&format!(
            "Every run of {} predicts every test example alike: no example flips.\n",
            escape_md(&f.condition)
        ));
        return out;
    }
    out.push_str(&format!("{}\n\n", escape_md(&intro(f))));
    if let Gallery::Skipped(why) = &r.gallery {
        out.push_str(&format!(
            "The gallery of their inputs in report.html was skipped: {}.\n\n",
            escape_md(why)
        ));
    }
    let names = class_names(r);
    let contexts = match &r.gallery {
        Gallery::Text(t) => Some(&t.contexts),
        _ => None,
    };
    let mut header = vec!["test index".to_string(), "label".to_string()];
    if contexts.is_some() {
        header.insert(1, "text before it".to_string());
    }
    header.push("vote (class: runs)".to_string());
    let mut rows = vec![header];
    rows.extend(f.examples.iter().enumerate().map(|(i, e)| {
        let mut row = vec![
            e.index.to_string(),
            escape_md(&class_text(e.label as usize, names)),
        ];
        if let Some(c) = contexts {
            row.insert(1, format!("`{}`", c[i].replace('`', "'")));
        }
        row.push(escape_md(&vote_text(e, names)));
        row
    }));
    let n = rows[0].len();
    let columns = Columns::markdown(0);
    let w = widths(&rows, n, 3);
    rows.insert(1, columns.rule(&w));
    for l in columns.lines(&rows, &w) {
        out.push_str(&l);
        out.push('\n');
    }
    out
}
