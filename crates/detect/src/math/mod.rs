//! Linear algebra the detectors and the model map share (Cholesky inverse, Schur grow and
//! rank-1 shrink of an inverse, symmetric eigen-decomposition). No detector logic.

pub mod linalg;
