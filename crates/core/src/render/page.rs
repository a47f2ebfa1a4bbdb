//! One self-contained HTML page: inline `<style>` and SVG, no scripts, fonts or anything else
//! fetched, so a report opens offline and can be mailed as one file.
//!
//! Each report brings its own style sheet and body; this module writes what every page shares
//! (the head, the title block, the notes, numbered figures, the end) and escapes all text that
//! comes from the report.

/// Escapes text for HTML element content and quoted attribute values: `& < > " '`.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The start of a page up to and including `<main>`: the doctype, the head (charset, a mobile
/// viewport when `viewport`, the escaped `title`, the style sheet `css` as given), then the
/// `<h1>` title and, when `task` is not empty, the task line.
pub(crate) fn open_page(title: &str, task: &str, css: &str, viewport: bool) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    if viewport {
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    }
    let title = escape_html(title);
    out.push_str(&format!(
        "<title>{title}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    ));
    if !task.is_empty() {
        out.push_str(&format!("<p class=\"task\">{}</p>\n", escape_html(task)));
    }
    out
}

/// The end of a page, after the last section.
pub(crate) const CLOSE_PAGE: &str = "</main>\n</body>\n</html>\n";

/// The notes as an escaped list under `<h2>Notes</h2>`; nothing when there are none.
pub(crate) fn notes(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("<h2>Notes</h2>\n<ul>\n");
    for note in notes {
        out.push_str(&format!("<li>{}</li>\n", escape_html(note)));
    }
    out.push_str("</ul>\n");
    out
}

/// One `<dt>term</dt><dd>text</dd>` line of a definition list, both escaped.
pub(crate) fn definition(term: &str, text: &str) -> String {
    format!(
        "<dt>{}</dt><dd>{}</dd>\n",
        escape_html(term),
        escape_html(text)
    )
}

/// An SVG from [`super::svg`] inline in a numbered figure, with an escaped `label` for screen
/// readers and an escaped `caption`. plotters' `xmlns` attribute (an http URL, not needed
/// inline) gives way to `role="img"` and the label.
pub(crate) fn figure(number: usize, svg: &str, label: &str, caption: &str) -> String {
    let svg = svg.replacen(
        " xmlns=\"http://www.w3.org/2000/svg\"",
        &format!(" role=\"img\" aria-label=\"{}\"", escape_html(label)),
        1,
    );
    format!(
        "<figure>\n{svg}<figcaption><b>Figure {number}.</b> {}</figcaption>\n</figure>\n",
        escape_html(caption)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere() {
        assert_eq!(
            escape_html("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        let head = open_page("a<b", "", "p {}", false);
        assert!(head.contains("<title>a&lt;b</title>\n<style>p {}</style>"));
        assert!(head.ends_with("<main>\n<h1>a&lt;b</h1>\n"));
        assert!(open_page("t", "x&y", "", true).contains(
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
        ));
        assert!(open_page("t", "x&y", "", true).ends_with("<p class=\"task\">x&amp;y</p>\n"));
        assert_eq!(notes(&[]), "");
        assert_eq!(
            notes(&["<i>".into()]),
            "<h2>Notes</h2>\n<ul>\n<li>&lt;i&gt;</li>\n</ul>\n"
        );
        assert_eq!(definition("a&", "b"), "<dt>a&amp;</dt><dd>b</dd>\n");
    }

    #[test]
    fn figure_swaps_the_namespace_for_a_label() {
        let svg = "<svg width=\"10\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>\n";
        let f = figure(2, svg, "a \"plot\"", "x < y");
        assert_eq!(
            f,
            "<figure>\n<svg width=\"10\" role=\"img\" aria-label=\"a &quot;plot&quot;\">\n</svg>\n\
             <figcaption><b>Figure 2.</b> x &lt; y</figcaption>\n</figure>\n"
        );
    }
}
