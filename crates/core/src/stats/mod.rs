//! Statistics: bootstrap errors and confidence intervals.
