//! Variability metrics over runs (PROTOCOL.md section 3).
