//! Logistic regression baseline (linfa-logistic, L2-penalised), stored as its coefficients.

use linfa::Dataset;
use linfa::prelude::Fit;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::TrafficError;

/// `P(live | z) = 1 / (1 + e^{−(b + w·z)})` on standardised features `z`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub intercept: f64,
    pub weights: Vec<f64>,
}

impl Logistic {
    /// Fits with L2 penalty `alpha` on rows `x`, targets 1 = live, 0 = VOD (both must occur).
    pub fn fit(x: Array2<f64>, y: Array1<usize>, alpha: f64) -> Result<Self, TrafficError> {
        let fitted = LogisticRegression::default()
            .alpha(alpha)
            .max_iterations(200)
            .fit(&Dataset::new(x, y))
            .map_err(|e| TrafficError::Training {
                classifier: "logistic regression",
                message: e.to_string(),
            })?;
        // linfa's probability is that of its positive class, the larger label: 1 = live. Check
        // rather than assume, so a change in linfa cannot flip every prediction silently.
        let sign = if fitted.labels().pos.class == 1 {
            1.0
        } else {
            -1.0
        };
        Ok(Self {
            intercept: sign * fitted.intercept(),
            weights: fitted.params().iter().map(|w| sign * w).collect(),
        })
    }

    /// Probability of live per row.
    #[must_use]
    pub fn prob_live(&self, x: &Array2<f64>) -> Vec<f64> {
        x.rows()
            .into_iter()
            .map(|row| {
                let z = self.intercept
                    + row
                        .iter()
                        .zip(&self.weights)
                        .map(|(a, w)| a * w)
                        .sum::<f64>();
                1.0 / (1.0 + (-z).exp())
            })
            .collect()
    }
}
