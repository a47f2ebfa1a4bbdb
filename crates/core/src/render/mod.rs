//! The rendering kit every report is drawn with: the study report ([`crate::report`]), its
//! mitigation table, and the instability pages ([`crate::instability`]).
//!
//! - [`page`]: the self-contained HTML page (head with inline CSS, title block, notes, numbered
//!   figures) and HTML escaping;
//! - [`svg`]: the plotters SVG backend behind every figure (drawing into a string, the message
//!   SVG when a plot cannot be drawn), the palette and the fonts;
//! - [`text`]: aligned plain-text and Markdown tables, word wrap, number formatting and
//!   Markdown escaping;
//! - [`thumb`]: thumbnails of test inputs (images as PNG `data:` URIs made by [`png`], 1-D
//!   signals as small SVG line plots).
//!
//! The kit knows nothing of studies or instability: it takes strings, numbers and drawing
//! closures, so each report keeps its own columns, captions and style sheet on top of it.

pub(crate) mod page;
pub(crate) mod png;
pub(crate) mod svg;
pub(crate) mod text;
pub(crate) mod thumb;
