//! Presentation without a GUI: chart and table specs built from analysis results, the
//! SVG/PNG renderers and the report folder. The window draws the same specs with egui;
//! this crate never imports egui.

pub mod anomaly_tables;
pub mod chart;
pub mod deep_report;
pub mod export;
pub mod glossary;
pub mod incident_tables;
pub mod segment_tables;
pub mod session_tables;
pub mod sessions_export;
pub mod tables;
pub mod traffic_tables;
pub mod whatif_tables;
