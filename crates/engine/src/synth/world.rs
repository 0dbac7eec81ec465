//! The fixed "world" behind a seed: countries (each with a home-ISP quality), their cities, and
//! customers (home and secondary countries, offices, employee populations).
//!
//! Owns only static structure and per-employee attributes, which are derived by hashing so that
//! any event can look an employee up without shared state. Produces no rows.

use rand::rngs::StdRng;
use rand::seq::index;
use rand::{Rng, SeedableRng};

use super::profile::{CityCount, Profile};

const WORLD_SALT: u64 = 0x5EED_0F7E_1E7A_0001;
const EMPLOYEE_SALT: u64 = 0x5EED_0F7E_1E7A_0002;
/// Share of home workers who live in the country of their office.
const SAME_COUNTRY_HOME_SHARE: f64 = 0.85;

/// `SplitMix64` finaliser: a cheap, well-mixing 64-bit hash used for seed derivation.
pub(super) fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Maps a hash to a float in `[0, 1)` using its top 53 bits.
pub(super) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1_u64 << 53) as f64
}

/// Index `i` such that `u` falls into bucket `i` of the cumulative weights `cum` (last = total).
pub(super) fn pick_cumulative(cum: &[f64], u: f64) -> usize {
    let total = cum.last().copied().unwrap_or(0.0);
    cum.partition_point(|&c| c <= u * total)
        .min(cum.len().saturating_sub(1))
}

fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    weights
        .into_iter()
        .map(|w| {
            acc += w;
            acc
        })
        .collect()
}

pub(super) struct Country {
    /// Mean `QoE` deficit (`1 − QoE`) of home broadband in this country.
    pub isp_deficit: f32,
    pub cities: Vec<u32>,
}

pub(super) struct Office {
    pub city_id: u32,
    pub country_id: u32,
    /// Index of `country_id` in the owning customer's `countries`.
    pub country_index: usize,
    /// Mean `QoE` deficit of the office network (enterprise CDN / peer-to-peer quality).
    pub net_deficit: f32,
}

pub(super) struct Customer {
    pub id: u32,
    /// Home country first, then secondary countries.
    pub countries: Vec<u32>,
    pub offices: Vec<Office>,
    office_cum: Vec<f64>,
    /// Per entry of `countries`: cities where this customer has no office (home workers live there).
    home_cities: Vec<Vec<u32>>,
    /// Probability that an attendance is from home.
    pub wfh_share: f64,
    pub population: u32,
    viewer_base: u32,
}

/// One employee of a customer, as seen by every event of that customer.
pub(super) struct Employee {
    pub viewer_id: u32,
    pub office: usize,
    pub home_country: u32,
    pub home_city: u32,
}

pub(super) struct World {
    pub countries: Vec<Country>,
    pub customers: Vec<Customer>,
    customer_cum: Vec<f64>,
    employee_salt: u64,
}

impl World {
    /// Builds the world for `seed` sized by `profile` (country ids `1..=profile.countries`,
    /// customer ids `1..=profile.customers`); the same seed always gives the same world.
    pub fn new(seed: u64, profile: &Profile) -> Self {
        let mut rng = StdRng::seed_from_u64(mix64(seed ^ WORLD_SALT));
        let mut next_city = 1_u32;
        let countries: Vec<Country> = (0..profile.countries as usize)
            .map(|i| {
                let n = match profile.cities {
                    CityCount::Between(lo, hi) => rng.random_range(lo..=hi),
                    CityCount::Fixed(counts) => counts[i % counts.len()],
                };
                let cities = (next_city..next_city + n).collect();
                next_city += n;
                Country {
                    isp_deficit: rng.random_range(0.02..0.07),
                    cities,
                }
            })
            .collect();

        let mut viewer_base = 1_u32;
        let customers: Vec<Customer> = (1..=profile.customers)
            .map(|id| {
                let customer = build_customer(&mut rng, &countries, profile, id, viewer_base);
                viewer_base += customer.population;
                customer
            })
            .collect();
        let customer_cum = cumulative(customers.iter().map(|c| f64::from(c.population).sqrt()));
        Self {
            countries,
            customers,
            customer_cum,
            employee_salt: mix64(seed ^ EMPLOYEE_SALT),
        }
    }

    pub fn country(&self, id: u32) -> &Country {
        &self.countries[(id - 1) as usize]
    }

    /// Picks a customer for an event; larger customers hold more events (weight √population).
    pub fn pick_customer(&self, u: f64) -> &Customer {
        &self.customers[pick_cumulative(&self.customer_cum, u)]
    }

    /// The employee with index `idx` (`0..population`) of `customer`; stable across events.
    pub fn employee(&self, customer: &Customer, idx: u32) -> Employee {
        let h1 = mix64(self.employee_salt ^ (u64::from(customer.id) << 40) ^ u64::from(idx));
        let h2 = mix64(h1);
        let h3 = mix64(h2);
        let office = pick_cumulative(&customer.office_cum, unit(h1));
        let country_index = if unit(h2) < SAME_COUNTRY_HOME_SHARE {
            customer.offices[office].country_index
        } else {
            (h3 >> 32) as usize % customer.countries.len()
        };
        let homes = &customer.home_cities[country_index];
        Employee {
            viewer_id: customer.viewer_base + idx,
            office,
            home_country: customer.countries[country_index],
            home_city: homes[(h3 & 0xFFFF_FFFF) as usize % homes.len()],
        }
    }
}

fn build_customer(
    rng: &mut StdRng,
    countries: &[Country],
    profile: &Profile,
    id: u32,
    viewer_base: u32,
) -> Customer {
    let n_countries = profile.countries;
    let mut customer_countries = vec![rng.random_range(1..=n_countries)];
    let secondary = rng.random_range(0..=3_usize).min(n_countries as usize - 1);
    while customer_countries.len() < 1 + secondary {
        let c = rng.random_range(1..=n_countries);
        if !customer_countries.contains(&c) {
            customer_countries.push(c);
        }
    }

    let mut offices = Vec::new();
    let mut office_weights = Vec::new();
    let mut home_cities = Vec::new();
    for (country_index, &country_id) in customer_countries.iter().enumerate() {
        let cities = &countries[(country_id - 1) as usize].cities;
        let home_country = country_index == 0;
        // Offices leave at least one city of the country for home workers.
        let count = if home_country {
            rng.random_range(1..=3.min(cities.len() - 1))
        } else {
            usize::from(rng.random_bool(0.7))
        };
        let chosen: Vec<u32> = index::sample(rng, cities.len(), count)
            .iter()
            .map(|i| cities[i])
            .collect();
        for &city_id in &chosen {
            let net_deficit = if rng.random_bool(0.15) {
                rng.random_range(0.05..0.08)
            } else {
                rng.random_range(0.012..0.035)
            };
            offices.push(Office {
                city_id,
                country_id,
                country_index,
                net_deficit,
            });
            office_weights.push(if home_country {
                rng.random_range(2.0..6.0)
            } else {
                rng.random_range(0.5..2.0)
            });
        }
        home_cities.push(
            cities
                .iter()
                .copied()
                .filter(|c| !chosen.contains(c))
                .collect(),
        );
    }

    let (min_pop, max_pop) = (profile.population.0.ln(), profile.population.1.ln());
    Customer {
        id,
        countries: customer_countries,
        offices,
        office_cum: cumulative(office_weights),
        home_cities,
        wfh_share: rng.random_range(0.18..0.42),
        population: rng.random_range(min_pop..max_pop).exp() as u32,
        viewer_base,
    }
}
