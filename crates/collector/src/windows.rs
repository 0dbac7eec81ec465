//! Feature windows sent for scoring, read straight into rows: one JSON object per window
//! (`{"feature": number, …}`; other keys are ignored), or a JSON array of them. Each
//! window becomes the model's features in the model's order, so scoring needs no map.

use std::fmt;

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Reads one window object into `features.len()` values in `features`' order.
///
/// # Errors
/// Not a JSON object, a feature missing, repeated or not a finite number; the message
/// names the feature and where the JSON went wrong.
pub fn read_window(body: &[u8], features: &[String]) -> Result<Vec<f64>, String> {
    let mut row = Vec::with_capacity(features.len());
    let mut de = serde_json::Deserializer::from_slice(body);
    WindowSeed {
        features,
        out: &mut row,
        index: None,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|e| e.to_string())?;
    Ok(row)
}

/// Reads a JSON array of window objects into row-major rows; returns them and their count.
///
/// # Errors
/// As [`read_window`], the message naming the window's position (from 0).
pub fn read_windows(body: &[u8], features: &[String]) -> Result<(Vec<f64>, usize), String> {
    let mut rows = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    let count = WindowsSeed {
        features,
        out: &mut rows,
    }
    .deserialize(&mut de)
    .and_then(|n| de.end().map(|()| n))
    .map_err(|e| e.to_string())?;
    Ok((rows, count))
}

struct WindowsSeed<'a> {
    features: &'a [String],
    out: &'a mut Vec<f64>,
}

impl<'de> DeserializeSeed<'de> for WindowsSeed<'_> {
    type Value = usize;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for WindowsSeed<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of window objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        if let Some(hint) = seq.size_hint() {
            self.out.reserve(hint * self.features.len());
        }
        let mut count = 0;
        while seq
            .next_element_seed(WindowSeed {
                features: self.features,
                out: self.out,
                index: Some(count),
            })?
            .is_some()
        {
            count += 1;
        }
        Ok(count)
    }
}

/// One window: appends its features to `out`.
struct WindowSeed<'a> {
    features: &'a [String],
    out: &'a mut Vec<f64>,
    /// Its position in a batch, for messages.
    index: Option<usize>,
}

impl WindowSeed<'_> {
    fn name(&self) -> String {
        self.index
            .map_or("the window".into(), |i| format!("window {i}"))
    }
}

impl<'de> DeserializeSeed<'de> for WindowSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for WindowSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} as an object of feature values", self.name())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let start = self.out.len();
        self.out.resize(start + self.features.len(), f64::NAN);
        let mut seen = vec![false; self.features.len()];
        while let Some(slot) = map.next_key_seed(FeatureKey(self.features))? {
            let Some(i) = slot else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let name = &self.features[i];
            let value: f64 = map
                .next_value()
                .map_err(|e| A::Error::custom(format!("{}, feature `{name}`: {e}", self.name())))?;
            if seen[i] {
                return Err(A::Error::custom(format!(
                    "{} gives feature `{name}` twice",
                    self.name()
                )));
            }
            if !value.is_finite() {
                return Err(A::Error::custom(format!(
                    "{}, feature `{name}`: expected a finite number",
                    self.name()
                )));
            }
            seen[i] = true;
            self.out[start + i] = value;
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(A::Error::custom(format!(
                "{} lacks feature `{}` (the model reads {})",
                self.name(),
                self.features[missing],
                self.features.join(", ")
            )));
        }
        Ok(())
    }
}

/// A key: `Some(position)` of a model feature, `None` for any other key.
struct FeatureKey<'a>(&'a [String]);

impl<'de> DeserializeSeed<'de> for FeatureKey<'_> {
    type Value = Option<usize>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for FeatureKey<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a feature name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|f| f == key))
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // Values are copied, not computed.
mod tests {
    use super::*;

    fn features() -> Vec<String> {
        vec!["rebuffer_s".into(), "bitrate_kbps".into()]
    }

    #[test]
    fn a_window_is_read_in_the_models_order_ignoring_other_keys() {
        let row = read_window(
            br#"{"id": "w1", "bitrate_kbps": 2500, "rebuffer_s": 0.5, "extra": [1, {"a": 2}]}"#,
            &features(),
        )
        .unwrap();
        assert_eq!(row, vec![0.5, 2500.0]);
    }

    #[test]
    fn a_batch_is_read_row_major() {
        let (rows, n) = read_windows(
            br#"[{"rebuffer_s": 1, "bitrate_kbps": 2}, {"bitrate_kbps": 4, "rebuffer_s": 3}]"#,
            &features(),
        )
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(rows, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(read_windows(b"[]", &features()).unwrap().1, 0);
    }

    #[test]
    fn errors_name_the_window_and_the_feature() {
        let f = features();
        let e = read_windows(
            br#"[{"rebuffer_s": 1, "bitrate_kbps": 2}, {"rebuffer_s": 1}]"#,
            &f,
        )
        .unwrap_err();
        assert!(e.contains("window 1 lacks feature `bitrate_kbps`"), "{e}");
        let e = read_window(br#"{"rebuffer_s": "slow", "bitrate_kbps": 2}"#, &f).unwrap_err();
        assert!(e.contains("feature `rebuffer_s`"), "{e}");
        let e = read_window(
            br#"{"rebuffer_s": 1, "rebuffer_s": 2, "bitrate_kbps": 2}"#,
            &f,
        )
        .unwrap_err();
        assert!(e.contains("twice"), "{e}");
        let e = read_window(br#"{"rebuffer_s": null, "bitrate_kbps": 2}"#, &f).unwrap_err();
        assert!(e.contains("feature `rebuffer_s`"), "{e}");
        assert!(read_window(b"[1, 2]", &f).is_err());
        assert!(read_window(br#"{"rebuffer_s": 1, "bitrate_kbps": 2} x"#, &f).is_err());
        assert!(read_windows(br#"{"rebuffer_s": 1}"#, &f).is_err());
        let e = read_window(br#"{"rebuffer_s": 1e999, "bitrate_kbps": 2}"#, &f).unwrap_err();
        assert!(e.contains("rebuffer_s"), "{e}");
    }
}
