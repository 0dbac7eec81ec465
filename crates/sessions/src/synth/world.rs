//! Who watches from where and with what: offices, devices, CDNs — and each viewer's profile,
//! fixed by (seed, customer, employee number) so the same person looks the same every week.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// An office: where its network is slow, which POP serves it.
pub(super) struct Office {
    pub country: &'static str,
    pub city: &'static str,
    /// Edgecast POP that serves the city.
    pub pop: &'static str,
    pub isps: [&'static str; 2],
    /// Share of a customer's employees here.
    pub weight: f64,
    /// Multiplies start-up time (1 = a good office network).
    pub startup_factor: f64,
    /// Stalls per playing hour outside incidents.
    pub stalls_per_hour: f64,
}

pub(super) const OFFICES: [Office; 10] = [
    office(
        "Sweden",
        "Stockholm",
        "ARN",
        ["Telia", "Tele2"],
        0.18,
        1.0,
        0.4,
    ),
    office(
        "Sweden",
        "Gothenburg",
        "ARN",
        ["Telia", "Bahnhof"],
        0.08,
        1.0,
        0.4,
    ),
    office(
        "Norway",
        "Oslo",
        "OSL",
        ["Telenor", "Telia"],
        0.08,
        1.05,
        0.5,
    ),
    office(
        "Germany",
        "Berlin",
        "FRA",
        ["Deutsche Telekom", "Vodafone"],
        0.12,
        1.1,
        0.6,
    ),
    office(
        "Germany",
        "Munich",
        "FRA",
        ["Deutsche Telekom", "O2"],
        0.08,
        1.1,
        0.6,
    ),
    office(
        "United Kingdom",
        "London",
        "LHR",
        ["BT", "Virgin Media"],
        0.12,
        1.05,
        0.5,
    ),
    office(
        "United States",
        "New York",
        "JFK",
        ["Verizon", "Comcast"],
        0.12,
        1.2,
        0.6,
    ),
    office(
        "United States",
        "Austin",
        "DFW",
        ["AT&T", "Spectrum"],
        0.07,
        1.2,
        0.7,
    ),
    office(
        "India",
        "Bangalore",
        "BOM",
        ["Jio", "Airtel"],
        0.10,
        2.6,
        3.0,
    ),
    office(
        "Brazil",
        "Sao Paulo",
        "GRU",
        ["Vivo", "Claro"],
        0.05,
        1.8,
        1.8,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn office(
    country: &'static str,
    city: &'static str,
    pop: &'static str,
    isps: [&'static str; 2],
    weight: f64,
    startup_factor: f64,
    stalls_per_hour: f64,
) -> Office {
    Office {
        country,
        city,
        pop,
        isps,
        weight,
        startup_factor,
        stalls_per_hour,
    }
}

/// A kind of device with the software found on it (choices with weights).
pub(super) struct Device {
    pub name: &'static str,
    pub weight: f64,
    pub os: &'static [(&'static str, f64)],
    pub browsers: &'static [(&'static str, f64)],
    pub players: &'static [(&'static str, f64)],
    /// Highest rendition the screen asks for (kbps).
    pub max_kbps: u16,
    pub startup_factor: f64,
    /// Added to the chance of leaving before the video starts.
    pub ebvs_extra: f64,
}

pub(super) const DEVICES: [Device; 4] = [
    Device {
        name: "desktop",
        weight: 0.70,
        os: &[("Windows", 0.78), ("macOS", 0.2), ("Linux", 0.02)],
        browsers: &[
            ("Chrome", 0.45),
            ("Edge", 0.35),
            ("Firefox", 0.1),
            ("Safari", 0.1),
        ],
        players: &[
            ("hive-js 5.2", 0.6),
            ("hls.js 1.5", 0.3),
            ("shaka 4.9", 0.1),
        ],
        max_kbps: 4500,
        startup_factor: 1.0,
        ebvs_extra: 0.0,
    },
    Device {
        name: "mobile",
        weight: 0.20,
        os: &[("iOS", 0.55), ("Android", 0.45)],
        browsers: &[("Safari Mobile", 0.5), ("Chrome Mobile", 0.5)],
        players: &[("native", 0.6), ("hls.js 1.5", 0.4)],
        max_kbps: 1600,
        startup_factor: 1.5,
        ebvs_extra: 0.025,
    },
    Device {
        name: "tablet",
        weight: 0.06,
        os: &[("iPadOS", 0.7), ("Android", 0.3)],
        browsers: &[("Safari Mobile", 0.7), ("Chrome Mobile", 0.3)],
        players: &[("native", 0.7), ("hls.js 1.5", 0.3)],
        max_kbps: 3000,
        startup_factor: 1.3,
        ebvs_extra: 0.015,
    },
    Device {
        name: "tv",
        weight: 0.04,
        os: &[("tvOS", 0.5), ("Android TV", 0.5)],
        browsers: &[("app", 1.0)],
        players: &[("native", 1.0)],
        max_kbps: 4500,
        startup_factor: 1.2,
        ebvs_extra: 0.005,
    },
];

/// CDNs with their share of viewers and start-up factor; only Edgecast writes the CDN log.
pub(super) const CDNS: [(&str, f64, f64); 3] = [
    ("Edgecast", 0.5, 1.0),
    ("Akamai", 0.35, 1.1),
    ("CloudFront", 0.15, 1.15),
];
pub(super) const EDGECAST: usize = 0;

/// The rendition ladder (kbps).
pub(super) const LADDER: [u16; 5] = [400, 800, 1600, 3000, 4500];

/// One employee's fixed setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Profile {
    pub office: usize,
    pub device: usize,
    pub os: usize,
    pub browser: usize,
    pub player: usize,
    pub cdn: usize,
    pub isp: usize,
}

impl Profile {
    /// The profile of employee `number` of `customer` under `seed`.
    pub fn of(seed: u64, customer: usize, number: usize) -> Self {
        let mut rng = StdRng::seed_from_u64(mix64(
            seed ^ mix64(0x5e55_1000 ^ ((customer as u64) << 40) ^ number as u64),
        ));
        let office = pick(&mut rng, OFFICES.iter().map(|o| o.weight));
        let device = pick(&mut rng, DEVICES.iter().map(|d| d.weight));
        let d = &DEVICES[device];
        Self {
            office,
            device,
            os: pick(&mut rng, d.os.iter().map(|c| c.1)),
            browser: pick(&mut rng, d.browsers.iter().map(|c| c.1)),
            player: pick(&mut rng, d.players.iter().map(|c| c.1)),
            cdn: pick(&mut rng, CDNS.iter().map(|c| c.1)),
            isp: usize::from(rng.random::<f64>() < 0.4),
        }
    }

    pub fn office(&self) -> &'static Office {
        &OFFICES[self.office]
    }

    pub fn device(&self) -> &'static Device {
        &DEVICES[self.device]
    }

    /// country, city, device, os, browser, player, cdn, isp — in the CSV's column order.
    pub fn labels(&self) -> [&'static str; 8] {
        let (o, d) = (self.office(), self.device());
        [
            o.country,
            o.city,
            d.name,
            d.os[self.os].0,
            d.browsers[self.browser].0,
            d.players[self.player].0,
            CDNS[self.cdn].0,
            o.isps[self.isp],
        ]
    }
}

/// An index drawn with probability proportional to its weight.
pub(super) fn pick(rng: &mut StdRng, weights: impl Iterator<Item = f64> + Clone) -> usize {
    let total: f64 = weights.clone().sum();
    let mut left = rng.random::<f64>() * total;
    let mut last = 0;
    for (i, w) in weights.enumerate() {
        if left < w {
            return i;
        }
        left -= w;
        last = i;
    }
    last
}

/// `SplitMix64`'s finaliser: independent seeds from related inputs.
pub(super) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
