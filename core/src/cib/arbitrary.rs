//! proptest strategies that generate CIBs (for round-trip tests and fuzzing).
