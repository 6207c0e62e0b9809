//! The audit gate end to end at library level.
