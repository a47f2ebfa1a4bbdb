//! Plain-text and Markdown building blocks: aligned columns, rules, word wrap, fixed-decimal
//! numbers and Markdown escaping.
//!
//! Widths count characters (`chars()`), not bytes, so `±`, `²` and `…` take one column. Lines
//! never end in spaces: every aligned line is trimmed at the end.

/// Fixed `decimals` decimals; `-` when not finite (a metric that is undefined, e.g. pairwise
/// metrics of a single run). A negative zero after rounding prints as `0.00`, not `-0.00`.
pub(crate) fn num(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "-".to_string();
    }
    let s = format!("{v:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// Greedy word wrap: the first line starts with `first`, the others with `rest`; no line is
/// longer than `width` characters unless a single word is. Runs of whitespace collapse to one
/// space; empty text gives one line, `first` trimmed.
pub(crate) fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > width {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    if !empty || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// How aligned rows are laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Columns<'a> {
    /// The first `left` columns are left-aligned (names), the others right-aligned (numbers).
    pub left: usize,
    /// Between two cells: `"  "` for the terminal, `" | "` for a Markdown pipe table.
    pub sep: &'a str,
    /// Open each line with `"| "` and close it with `" |"` (a Markdown pipe table).
    pub pipes: bool,
}

impl Columns<'_> {
    /// Terminal columns: two spaces between cells, the first `left` left-aligned.
    pub(crate) fn terminal(left: usize) -> Columns<'static> {
        Columns {
            left,
            sep: "  ",
            pipes: false,
        }
    }

    /// A Markdown pipe table, the first `left` columns left-aligned.
    pub(crate) fn markdown(left: usize) -> Columns<'static> {
        Columns {
            left,
            sep: " | ",
            pipes: true,
        }
    }

    /// Each row as one line, every cell padded to its column's width; trailing spaces trimmed.
    /// Cells past the last width are left out.
    pub(crate) fn lines(&self, rows: &[Vec<String>], widths: &[usize]) -> Vec<String> {
        rows.iter()
            .map(|cells| {
                let mut out = String::from(if self.pipes { "| " } else { "" });
                for (i, (cell, &w)) in cells.iter().zip(widths).enumerate() {
                    let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
                    if i > 0 {
                        out.push_str(self.sep);
                    }
                    if i < self.left {
                        out.push_str(cell);
                        out.push_str(&pad);
                    } else {
                        out.push_str(&pad);
                        out.push_str(cell);
                    }
                }
                if self.pipes {
                    out.push_str(" |");
                }
                out.trim_end().to_string()
            })
            .collect()
    }

    /// The rule under a header. Terminal: `-` across each column. Markdown: the same, with the
    /// last `-` of each right-aligned column replaced by `:` (GitHub's right alignment).
    pub(crate) fn rule(&self, widths: &[usize]) -> Vec<String> {
        widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                if self.pipes && i >= self.left {
                    format!("{}:", "-".repeat(w.saturating_sub(1)))
                } else {
                    "-".repeat(w)
                }
            })
            .collect()
    }
}

/// The width of each column: the longest cell in it (header included), at least `min`.
/// `columns` is the number of columns; cells past it are ignored, missing cells count as empty.
pub(crate) fn widths(rows: &[Vec<String>], columns: usize, min: usize) -> Vec<usize> {
    let mut w = vec![min; columns];
    for row in rows {
        for (w, cell) in w.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    w
}

/// A plain aligned text table: the header, a rule of `-`, the rows, each line ending in `\n`;
/// the first column left-aligned, the others right-aligned, two spaces between columns.
pub(crate) fn text_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut all = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    all.extend(rows.iter().cloned());
    let columns = Columns::terminal(1);
    let w = widths(&all, header.len(), 0);
    all.insert(1, columns.rule(&w));
    columns
        .lines(&all, &w)
        .into_iter()
        .map(|l| l + "\n")
        .collect()
}

/// Escapes Markdown syntax in user text (condition names, notes), so that `<script>`, `*x*`,
/// `a|b` print as written: backslash-escapes CommonMark punctuation that could start markup,
/// `_` only where it could start emphasis (not inside `bit_flip`), `#`, `-`, `+` only at the
/// start. Line breaks become spaces.
pub(crate) fn escape_md(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => true,
            // Only at the start can these open a heading or a list.
            '#' | '-' | '+' => i == 0,
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|ch| ch.is_alphanumeric())
                };
                !(word(i.checked_sub(1)) && word(Some(i + 1)))
            }
            '\n' | '\r' => {
                out.push(' ');
                continue;
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `- note` lines for the notes of a Markdown page, each escaped, under `## Notes`; nothing
/// when there are none.
pub(crate) fn markdown_notes(notes: &[String]) -> String {
    if notes.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n## Notes\n\n");
    for note in notes {
        out.push_str(&format!("- {}\n", escape_md(note)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[&[&str]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn terminal_columns_pad_names_left_and_numbers_right() {
        let mut t = rows(&[&["name", "kind", "x"], &["a", "bit flip", "1.25"]]);
        let c = Columns::terminal(2);
        let w = widths(&t, 3, 3);
        assert_eq!(w, vec![4, 8, 4]);
        t.insert(1, c.rule(&w));
        assert_eq!(
            c.lines(&t, &w),
            [
                "name  kind         x",
                "----  --------  ----",
                "a     bit flip  1.25"
            ]
        );
    }

    #[test]
    fn markdown_columns_are_a_pipe_table_with_right_aligned_numbers() {
        let mut t = rows(&[&["name", "x"], &["a|b", "2"]]);
        let c = Columns::markdown(1);
        let w = widths(&t, 2, 3);
        t.insert(1, c.rule(&w));
        assert_eq!(
            c.lines(&t, &w),
            ["| name |   x |", "| ---- | --: |", "| a|b  |   2 |"]
        );
    }

    #[test]
    fn text_table_has_header_rule_and_rows_without_trailing_spaces() {
        let t = text_table(&["config", "n", "note"], &rows(&[&["linear", "8", ""]]));
        assert_eq!(t, "config  n  note\n------  -  ----\nlinear  8\n");
    }

    #[test]
    fn escape_md_keeps_snake_case_and_escapes_markup() {
        assert_eq!(escape_md("bit_flip"), "bit_flip");
        assert_eq!(escape_md("_x_ *y* a|b"), "\\_x\\_ \\*y\\* a\\|b");
        assert_eq!(escape_md("-a\nb"), "\\-a b");
        assert_eq!(markdown_notes(&[]), "");
        assert_eq!(markdown_notes(&["a*".into()]), "\n## Notes\n\n- a\\*\n");
    }
}
