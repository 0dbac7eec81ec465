//! The canonical telemetry columns, their accepted aliases, and the mapping
//! from a file's header to them. Owns naming only; parsing lives in `io`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A column streamlens understands. The in-memory dataset always uses these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Canonical {
    Timestamp,
    CustomerId,
    EventId,
    ViewerId,
    CityId,
    CountryId,
    ViewerType,
    Qoe,
    Engagement,
    BufferMs,
}

/// How a canonical column is stored after loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Unix milliseconds, `Int64`.
    TimestampMs,
    /// An identifier or category: `UInt32` keys plus a dictionary.
    Key,
    /// A measurement in [0, 1], `Float64`.
    UnitInterval,
    /// A non-negative count of milliseconds, `Float64`.
    NonNegative,
}

impl Canonical {
    pub const ALL: [Canonical; 10] = [
        Canonical::Timestamp,
        Canonical::CustomerId,
        Canonical::EventId,
        Canonical::ViewerId,
        Canonical::CityId,
        Canonical::CountryId,
        Canonical::ViewerType,
        Canonical::Qoe,
        Canonical::Engagement,
        Canonical::BufferMs,
    ];

    /// The column's name in the loaded dataset and in every output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Canonical::Timestamp => "timestamp",
            Canonical::CustomerId => "customer_id",
            Canonical::EventId => "event_id",
            Canonical::ViewerId => "viewer_id",
            Canonical::CityId => "city_id",
            Canonical::CountryId => "country_id",
            Canonical::ViewerType => "viewer_type",
            Canonical::Qoe => "qoe",
            Canonical::Engagement => "engagement",
            Canonical::BufferMs => "buffer_ms",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// A file without this column cannot be analysed at all.
    #[must_use]
    pub fn is_required(self) -> bool {
        matches!(
            self,
            Canonical::Timestamp
                | Canonical::EventId
                | Canonical::ViewerId
                | Canonical::Qoe
                | Canonical::Engagement
        )
    }

    #[must_use]
    pub fn kind(self) -> ColumnKind {
        match self {
            Canonical::Timestamp => ColumnKind::TimestampMs,
            Canonical::Qoe | Canonical::Engagement => ColumnKind::UnitInterval,
            Canonical::BufferMs => ColumnKind::NonNegative,
            _ => ColumnKind::Key,
        }
    }

    /// Other header names accepted for this column (compared after [`normalise_header`]).
    #[must_use]
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Canonical::Timestamp => &[
                "timestamp",
                "ts",
                "time",
                "timestampms",
                "datetime",
                "eventtime",
                "sampletime",
            ],
            Canonical::CustomerId => &["customerid", "customer", "client", "tenant", "tenantid"],
            Canonical::EventId => &["eventid", "event", "webcast", "webcastid", "streamid"],
            Canonical::ViewerId => &["viewerid", "viewer", "userid", "user", "clientid"],
            Canonical::CityId => &["cityid", "city"],
            Canonical::CountryId => &["countryid", "country", "countrycode"],
            Canonical::ViewerType => &["viewertype", "type", "viewerkind", "locationtype"],
            Canonical::Qoe => &["qoe", "quality", "qualityofexperience", "qoescore"],
            Canonical::Engagement => &["engagement", "engagementscore", "eng"],
            Canonical::BufferMs => &[
                "bufferms",
                "bufferingms",
                "buffer",
                "buffering",
                "rebufferms",
                "stallms",
            ],
        }
    }

    /// What a value must look like, for error messages.
    #[must_use]
    pub fn expected(self) -> &'static str {
        if self == Canonical::ViewerType {
            return "a viewer type: WFH or WFO (any case)";
        }
        match self.kind() {
            ColumnKind::TimestampMs => {
                "a timestamp (unix ms, unix s or ISO-8601 text like 2024-03-04T10:00:00Z)"
            }
            ColumnKind::Key => "an id (integer or name)",
            ColumnKind::UnitInterval => "a number between 0 and 1",
            ColumnKind::NonNegative => "a non-negative number",
        }
    }
}

/// The viewer types telemetry knows (labels are stored upper-case).
pub const VIEWER_TYPES: [&str; 2] = ["WFH", "WFO"];

/// Lower-case and drop `_`, `-`, `.` and spaces, so `viewerType` matches `viewer_type`.
#[must_use]
pub fn normalise_header(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which source column feeds each canonical column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub columns: BTreeMap<Canonical, String>,
}

impl ColumnMapping {
    /// Recognise canonical columns among `headers` by name and alias. The first
    /// header that matches wins; a header is used for at most one canonical column.
    #[must_use]
    pub fn recognise(headers: &[String]) -> Self {
        let mut columns = BTreeMap::new();
        let mut used = vec![false; headers.len()];
        // Exact canonical names first, so `type` cannot steal a real `viewer_type`.
        for pass in 0..2 {
            for canonical in Canonical::ALL {
                if columns.contains_key(&canonical) {
                    continue;
                }
                let wanted: Vec<String> = if pass == 0 {
                    vec![normalise_header(canonical.name())]
                } else {
                    canonical
                        .aliases()
                        .iter()
                        .map(|a| (*a).to_string())
                        .collect()
                };
                if let Some(i) = headers
                    .iter()
                    .enumerate()
                    .position(|(i, h)| !used[i] && wanted.contains(&normalise_header(h)))
                {
                    used[i] = true;
                    columns.insert(canonical, headers[i].clone());
                }
            }
        }
        Self { columns }
    }

    /// Required canonical columns that have no source column.
    #[must_use]
    pub fn missing_required(&self) -> Vec<Canonical> {
        Canonical::ALL
            .into_iter()
            .filter(|c| c.is_required() && !self.columns.contains_key(c))
            .collect()
    }

    #[must_use]
    pub fn source_of(&self, canonical: Canonical) -> Option<&str> {
        self.columns.get(&canonical).map(String::as_str)
    }

    /// Is `header` mapped to some canonical column?
    #[must_use]
    pub fn is_mapped(&self, header: &str) -> bool {
        self.columns.values().any(|h| h == header)
    }
}

/// A stable key for "files with this header", used to remember user mappings.
#[must_use]
pub fn header_signature(headers: &[String]) -> String {
    headers.join("\u{1f}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn recognises_canonical_names_and_aliases() {
        let m = ColumnMapping::recognise(&strings(&[
            "TS",
            "Customer",
            "event",
            "user_id",
            "viewerType",
            "QoE",
            "Engagement",
            "buffering_ms",
        ]));
        assert_eq!(m.source_of(Canonical::Timestamp), Some("TS"));
        assert_eq!(m.source_of(Canonical::CustomerId), Some("Customer"));
        assert_eq!(m.source_of(Canonical::EventId), Some("event"));
        assert_eq!(m.source_of(Canonical::ViewerId), Some("user_id"));
        assert_eq!(m.source_of(Canonical::ViewerType), Some("viewerType"));
        assert_eq!(m.source_of(Canonical::Qoe), Some("QoE"));
        assert_eq!(m.source_of(Canonical::BufferMs), Some("buffering_ms"));
        assert!(m.missing_required().is_empty());
        assert_eq!(m.source_of(Canonical::CityId), None);
    }

    #[test]
    fn exact_name_beats_alias() {
        let m = ColumnMapping::recognise(&strings(&["type", "viewer_type"]));
        assert_eq!(m.source_of(Canonical::ViewerType), Some("viewer_type"));
    }

    #[test]
    fn reports_missing_required() {
        let m = ColumnMapping::recognise(&strings(&["timestamp", "viewer_id", "qoe"]));
        assert_eq!(
            m.missing_required(),
            vec![Canonical::EventId, Canonical::Engagement]
        );
    }
}
