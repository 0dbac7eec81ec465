//! plotters renderer (being written)
