//! Peak concurrent viewers per city: how many viewers an office link must carry at once.

use serde::Serialize;

use crate::analysis::rows::GroupBy;
use crate::analysis::selection::Selection;
use crate::dataset::Dataset;
use crate::error::AnalysisError;
use crate::filter::Filter;

const MINUTE_MS: i64 = 60_000;

/// One city's busiest minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CityPeak {
    pub city: String,
    /// Distinct viewers with at least one sample in that minute.
    pub viewers: u64,
    /// Start of the minute (UTC, unix ms); the earliest when several tie.
    pub minute_ms: i64,
}

/// Per city, among the rows `filter` passes: the largest number of distinct viewers with at
/// least one sample in one UTC minute, and that minute. Cities with no passing rows are
/// left out; the list is ordered by city label. A viewer counts once per minute however
/// many samples it sends.
pub fn peak_concurrent_by_city(
    dataset: &Dataset,
    filter: &Filter,
) -> Result<Vec<CityPeak>, AnalysisError> {
    let sel = Selection::new(dataset, filter)?
        .ok_or_else(|| AnalysisError::Invalid("the dataset's columns are not contiguous".into()))?;
    let ts = sel.timestamps()?;
    let viewers = sel.viewers()?;
    let cities = sel.codes(GroupBy::City);
    let Some(first) = (0..sel.rows())
        .filter(|&r| sel.passes(r))
        .map(|r| ts[r])
        .min()
    else {
        return Ok(Vec::new());
    };
    let first_minute = first.div_euclid(MINUTE_MS);
    let bits = |max: u64| u64::BITS - max.leading_zeros();
    let viewer_bits = bits(u64::from(viewers.iter().copied().max().unwrap_or(0)));
    let minute_bits = bits(
        (0..sel.rows())
            .filter(|&r| sel.passes(r))
            .map(|r| (ts[r].div_euclid(MINUTE_MS) - first_minute) as u64)
            .max()
            .unwrap_or(0),
    );
    let city_bits = bits(cities.map_or(0, |c| u64::from(c.iter().copied().max().unwrap_or(0))));
    if viewer_bits + minute_bits + city_bits > 64 {
        return Err(AnalysisError::Invalid(
            "too many (city, minute, viewer) combinations to count".into(),
        ));
    }
    // (city, minute, viewer) in one word: sorted, equal words are one viewer in one minute.
    let mut keys: Vec<u64> = (0..sel.rows())
        .filter(|&r| sel.passes(r))
        .map(|r| {
            let city = cities.map_or(0, |c| u64::from(c[r]));
            let minute = (ts[r].div_euclid(MINUTE_MS) - first_minute) as u64;
            (city << (minute_bits + viewer_bits)) | (minute << viewer_bits) | u64::from(viewers[r])
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut peaks: Vec<(u64, u64, u64)> = Vec::new(); // (city, viewers, minute)
    let mut i = 0;
    while i < keys.len() {
        let cell = keys[i] >> viewer_bits;
        let start = i;
        while i < keys.len() && keys[i] >> viewer_bits == cell {
            i += 1;
        }
        let (count, city, minute) = (
            (i - start) as u64,
            cell >> minute_bits,
            cell & ((1u64 << minute_bits) - 1),
        );
        match peaks.last_mut() {
            Some(p) if p.0 == city => {
                if count > p.1 {
                    (p.1, p.2) = (count, minute);
                }
            }
            _ => peaks.push((city, count, minute)),
        }
    }
    let label = |code: u64| match cities {
        Some(_) => dataset.label(GroupBy::City.column(), code as u32),
        None => crate::analysis::groups::ALL.to_string(),
    };
    let mut out: Vec<CityPeak> = peaks
        .into_iter()
        .map(|(city, viewers, minute)| CityPeak {
            city: label(city),
            viewers,
            minute_ms: (first_minute + minute as i64) * MINUTE_MS,
        })
        .collect();
    out.sort_by(|a, b| a.city.cmp(&b.city));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::dataset;

    #[test]
    fn peaks_counted_by_hand() {
        // Minute 0: viewers a, b in Oslo (a twice); minute 1: a, b, c in Oslo; Bergen: one
        // viewer in each of two minutes. A WFH row in Oslo at minute 1 is filtered out.
        let csv = "timestamp,customer_id,event_id,viewer_id,city_id,country_id,viewer_type,qoe,engagement,buffer_ms\n\
            1700000000000,1,e,a,Oslo,NO,WFO,1,1,0\n\
            1700000010000,1,e,a,Oslo,NO,WFO,1,1,0\n\
            1700000020000,1,e,b,Oslo,NO,WFO,1,1,0\n\
            1700000060000,1,e,a,Oslo,NO,WFO,1,1,0\n\
            1700000070000,1,e,b,Oslo,NO,WFO,1,1,0\n\
            1700000080000,1,e,c,Oslo,NO,WFO,1,1,0\n\
            1700000090000,1,e,d,Oslo,NO,WFH,1,1,0\n\
            1700000000000,1,e,x,Bergen,NO,WFO,1,1,0\n\
            1700000060000,1,e,y,Bergen,NO,WFO,1,1,0\n";
        let ds = dataset(csv);
        let mut wfo = Filter::default();
        wfo.toggle("viewer_type", "WFO");
        let peaks = peak_concurrent_by_city(&ds, &wfo).unwrap();
        // 1,700,000,000,000 ms is 20 s into its minute; 1,700,000,060,000 is in the next.
        let minute0 = 1_700_000_000_000 / 60_000 * 60_000;
        assert_eq!(
            peaks,
            vec![
                CityPeak {
                    city: "Bergen".into(),
                    viewers: 1,
                    minute_ms: minute0,
                },
                CityPeak {
                    city: "Oslo".into(),
                    viewers: 3,
                    minute_ms: minute0 + 60_000,
                },
            ]
        );
        let all = peak_concurrent_by_city(&ds, &Filter::default()).unwrap();
        assert_eq!(all[1].viewers, 4);
    }
}
