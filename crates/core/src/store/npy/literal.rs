//! The Python literals of a `.npy` header (`ast.literal_eval` in numpy): strings, `True` and
//! `False`, non-negative integers, tuples, lists and dicts, plus bare names (`None`, or a
//! writer's `Maybe`) so that a value of the wrong kind can be quoted back to the user. Anything
//! else is an error, and nesting is bounded, so a corrupt header costs neither time nor stack.

use std::fmt;

/// Nesting deeper than this is not a header numpy writes.
const MAX_DEPTH: usize = 16;

/// A Python literal as numpy writes them in headers.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Lit {
    /// `'...'` or `"..."`.
    Str(String),
    /// `True`, `False`.
    Bool(bool),
    /// A non-negative integer (`3` or Python 2's `3L`).
    Int(u64),
    /// `(...)`.
    Tuple(Vec<Lit>),
    /// `[...]` (structured dtypes).
    List(Vec<Lit>),
    /// `{key: value, ...}` in file order.
    Dict(Vec<(Lit, Lit)>),
    /// A bare identifier other than `True` and `False` (`None`, `Maybe`); never valid in a
    /// header, kept only to be named in the error.
    Name(String),
}

/// Python's spelling of the literal (`repr`), for messages.
impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = |f: &mut fmt::Formatter<'_>, items: &[Lit]| -> fmt::Result {
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{x}")?;
            }
            Ok(())
        };
        match self {
            Lit::Str(s) => {
                f.write_str("'")?;
                for c in s.chars() {
                    match c {
                        '\\' | '\'' => write!(f, "\\{c}")?,
                        c if c.is_control() => write!(f, "{}", c.escape_default())?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("'")
            }
            Lit::Bool(true) => f.write_str("True"),
            Lit::Bool(false) => f.write_str("False"),
            Lit::Int(n) => write!(f, "{n}"),
            Lit::Name(n) => f.write_str(n),
            Lit::Tuple(items) => {
                f.write_str("(")?;
                seq(f, items)?;
                f.write_str(if items.len() == 1 { ",)" } else { ")" })
            }
            Lit::List(items) => {
                f.write_str("[")?;
                seq(f, items)?;
                f.write_str("]")
            }
            Lit::Dict(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A recursive-descent parser for the literals above; `at` is a byte offset into `s`.
pub(super) struct Parser<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `s`.
    pub fn new(s: &'a str) -> Self {
        Parser { s, at: 0 }
    }

    fn skip_space(&mut self) {
        let rest = &self.s[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.s[self.at..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// The literal at the cursor; `depth` is how deeply it is nested.
    pub fn value(&mut self, depth: usize) -> Result<Lit, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".into());
        }
        match self.peek().ok_or("ends early")? {
            '{' => {
                self.at += 1;
                let mut out = Vec::new();
                self.items('}', depth, |p, d| {
                    let k = p.value(d)?;
                    if !p.eat(':') {
                        return Err("expected ':' in dict".into());
                    }
                    out.push((k, p.value(d)?));
                    Ok(())
                })?;
                Ok(Lit::Dict(out))
            }
            c @ ('(' | '[') => {
                self.at += 1;
                let mut out = Vec::new();
                let close = if c == '(' { ')' } else { ']' };
                self.items(close, depth, |p, d| {
                    out.push(p.value(d)?);
                    Ok(())
                })?;
                Ok(if c == '(' {
                    Lit::Tuple(out)
                } else {
                    Lit::List(out)
                })
            }
            q @ ('\'' | '"') => {
                self.at += 1;
                let mut out = String::new();
                let mut chars = self.s[self.at..].char_indices();
                loop {
                    let (i, c) = chars.next().ok_or("unterminated string")?;
                    if c == q {
                        self.at += i + 1;
                        return Ok(Lit::Str(out));
                    }
                    out.push(if c == '\\' {
                        chars.next().ok_or("unterminated string")?.1
                    } else {
                        c
                    });
                }
            }
            c if c.is_ascii_digit() => {
                let rest = &self.s[self.at..];
                let end = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                let n = rest[..end]
                    .parse()
                    .map_err(|_| format!("dimension {} is too large", &rest[..end]))?;
                self.at += end;
                // Python 2 wrote long integers as `3L`.
                if self.s[self.at..].starts_with('L') {
                    self.at += 1;
                }
                Ok(Lit::Int(n))
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let rest = &self.s[self.at..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                self.at += end;
                Ok(match &rest[..end] {
                    "True" => Lit::Bool(true),
                    "False" => Lit::Bool(false),
                    name => Lit::Name(name.to_string()),
                })
            }
            _ => Err(format!(
                "unexpected text at byte {}: {:?}",
                self.at,
                self.s[self.at..].chars().take(12).collect::<String>()
            )),
        }
    }

    /// Comma-separated items up to `close` (a trailing comma allowed, as Python does).
    fn items(
        &mut self,
        close: char,
        depth: usize,
        mut item: impl FnMut(&mut Self, usize) -> Result<(), String>,
    ) -> Result<(), String> {
        loop {
            if self.eat(close) {
                return Ok(());
            }
            item(self, depth + 1)?;
            if !self.eat(',') {
                return if self.eat(close) {
                    Ok(())
                } else {
                    Err(format!("expected ',' or '{close}'"))
                };
            }
        }
    }
}
