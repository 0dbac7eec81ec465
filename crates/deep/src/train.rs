//! Training: split by group (never by sequence, so that validation sequences are not the
//! training ones shifted by a minute), a seeded subsample of sliding sequences, Adam on the
//! mean squared reconstruction error, early stopping on the validation loss, and a small grid
//! over hidden size and learning rate, the lowest validation loss winning.

use std::collections::BTreeSet;

use candle_core::{Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::log::{CandidateLog, EpochReport, TrainingLog};
use super::model::{SequenceAutoencoder, Series};
use super::network::{Network, export, initialise};
use super::scaler::Scaler;
use super::sequences::{cut, starts};
use super::{AutoencoderParams, DeepError};

/// Scaled sequences ready for batching.
struct SequenceSet {
    data: Vec<f32>,
    count: usize,
}

impl SequenceAutoencoder {
    /// Fits the autoencoder on `series` (`dim` features per step). `on_epoch` hears every
    /// epoch of every candidate and stops training by returning `false`.
    pub fn fit(
        series: &[Series<'_>],
        dim: usize,
        params: &AutoencoderParams,
        on_epoch: &mut (dyn FnMut(&EpochReport) -> bool + Send),
    ) -> Result<Self, DeepError> {
        super::on_one_thread(|| Self::fit_here(series, dim, params, on_epoch))
    }

    fn fit_here(
        series: &[Series<'_>],
        dim: usize,
        params: &AutoencoderParams,
        on_epoch: &mut (dyn FnMut(&EpochReport) -> bool + Send),
    ) -> Result<Self, DeepError> {
        params.validate()?;
        if dim == 0 {
            return Err(DeepError::BadData("no features to learn from".into()));
        }
        if let Some(bad) = series.iter().find(|s| s.values.len() % dim != 0) {
            return Err(DeepError::BadData(format!(
                "a series of {} values is not a whole number of {dim}-feature steps",
                bad.values.len()
            )));
        }
        let series: Vec<Series<'_>> = series
            .iter()
            .copied()
            .filter(|s| !s.values.is_empty())
            .collect();
        let groups: Vec<u64> = series
            .iter()
            .map(|s| s.group)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if groups.len() < 2 {
            return Err(DeepError::BadData(format!(
                "training needs series from at least 2 groups (events) to hold one out for \
                 validation; got {}",
                groups.len()
            )));
        }
        let mut rng = StdRng::seed_from_u64(params.seed);
        let mut shuffled = groups.clone();
        shuffled.shuffle(&mut rng);
        let held_out = ((groups.len() as f64 * params.validation_share).round() as usize)
            .clamp(1, groups.len() - 1);
        let validation_groups: BTreeSet<u64> = shuffled[..held_out].iter().copied().collect();
        let (validation, training): (Vec<Series<'_>>, Vec<Series<'_>>) = series
            .iter()
            .partition(|s| validation_groups.contains(&s.group));

        let scaler = Scaler::fit(training.iter().flat_map(|s| s.values.chunks(dim)), dim);
        let train_set = sequences(
            &training,
            &scaler,
            dim,
            params,
            params.max_sequences,
            &mut rng,
        );
        let validation_set = sequences(
            &validation,
            &scaler,
            dim,
            params,
            (params.max_sequences / 4).max(1),
            &mut rng,
        );

        let grid: Vec<(usize, f64)> = params
            .search
            .hidden
            .iter()
            .flat_map(|&h| params.search.learning_rate.iter().map(move |&r| (h, r)))
            .collect();
        let mut logs = Vec::with_capacity(grid.len());
        let mut best: Option<(usize, f64, Vec<super::network::NamedTensor>)> = None;
        for (candidate, &(hidden, learning_rate)) in grid.iter().enumerate() {
            let trial = Trial {
                dim,
                hidden,
                learning_rate,
                candidate,
                candidates: grid.len(),
            };
            let (log, weights) = trial.run(params, &train_set, &validation_set, on_epoch)?;
            let candidate_loss = log.best_validation_loss();
            if best.as_ref().is_none_or(|(_, b, _)| candidate_loss < *b) {
                best = Some((candidate, candidate_loss, weights));
            }
            logs.push(log);
        }
        let (chosen, _, weights) = best
            .ok_or_else(|| DeepError::BadParameter("the hyper-parameter grid is empty".into()))?;
        let mut model = Self {
            dim,
            hidden: grid[chosen].0,
            params: params.clone(),
            scaler,
            weights,
            residual_scale: vec![1.0; dim],
            log: TrainingLog {
                candidates: logs,
                chosen,
                training_groups: groups.len() - held_out,
                validation_groups: held_out,
                training_sequences: train_set.count,
                validation_sequences: validation_set.count,
            },
        };
        model.residual_scale = model.residual_rms(&validation_set)?;
        Ok(model)
    }

    /// Per feature, the root mean square of the validation residuals `x − x̂` (floored), so
    /// that a feature the model reconstructs loosely does not dominate the score.
    fn residual_rms(&self, set: &SequenceSet) -> Result<Vec<f64>, DeepError> {
        let (_vars, network) = self.network()?;
        let window = self.params.window;
        let step = window * self.dim;
        let mut sums = vec![0.0_f64; self.dim];
        for start in (0..set.count).step_by(512) {
            let end = (start + 512).min(set.count);
            let x = Tensor::from_vec(
                set.data[start * step..end * step].to_vec(),
                (end - start, window, self.dim),
                &Device::Cpu,
            )?;
            let squares = (&x - network.forward(&x)?)?.sqr()?.sum((0, 1))?;
            for (sum, v) in sums.iter_mut().zip(squares.to_vec1::<f32>()?) {
                *sum += f64::from(v);
            }
        }
        let n = (set.count * window).max(1) as f64;
        Ok(sums
            .into_iter()
            .map(|s| (s / n).sqrt().max(MIN_RESIDUAL_SCALE))
            .collect())
    }
}

/// Floor of a feature's residual scale: a perfectly reconstructed feature must not turn a
/// tiny excess into a huge score.
const MIN_RESIDUAL_SCALE: f64 = 0.05;

/// Every sliding sequence (stride 1) of `series`, scaled, without the `trim` share with the
/// most worse-than-usual energy; a seeded subsample of at most `cap` of the rest.
fn sequences(
    series: &[Series<'_>],
    scaler: &Scaler,
    dim: usize,
    params: &AutoencoderParams,
    cap: usize,
    rng: &mut StdRng,
) -> SequenceSet {
    let standardised: Vec<Vec<f32>> = series
        .iter()
        .map(|s| {
            let mut out = Vec::with_capacity(s.values.len());
            for row in s.values.chunks(dim) {
                scaler.apply(row, &mut out);
            }
            out
        })
        .collect();
    let mut places: Vec<(usize, usize)> = standardised
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            starts(s.len() / dim, params.window, 1)
                .into_iter()
                .map(move |start| (i, start))
        })
        .collect();
    if params.trim > 0.0 && places.len() > 1 {
        // Keep the quietest sequences: those with the least worse-than-usual energy.
        let energy = |&(i, start): &(usize, usize)| -> f64 {
            let mut data = Vec::with_capacity(params.window * dim);
            cut(&standardised[i], dim, params.window, start, &mut data);
            data.iter().map(|&v| f64::from(v.max(0.0)).powi(2)).sum()
        };
        let mut ranked: Vec<(f64, (usize, usize))> =
            places.iter().map(|p| (energy(p), *p)).collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let keep = ((ranked.len() as f64) * (1.0 - params.trim)).ceil() as usize;
        places = ranked[..keep.max(1)].iter().map(|&(_, p)| p).collect();
        places.sort_unstable();
    }
    if places.len() > cap {
        places.shuffle(rng);
        places.truncate(cap);
        places.sort_unstable();
    }
    let mut data = Vec::with_capacity(places.len() * params.window * dim);
    for &(i, start) in &places {
        cut(&standardised[i], dim, params.window, start, &mut data);
    }
    SequenceSet {
        data,
        count: places.len(),
    }
}

/// One candidate of the grid.
struct Trial {
    dim: usize,
    hidden: usize,
    learning_rate: f64,
    candidate: usize,
    candidates: usize,
}

impl Trial {
    fn run(
        &self,
        params: &AutoencoderParams,
        train: &SequenceSet,
        validation: &SequenceSet,
        on_epoch: &mut (dyn FnMut(&EpochReport) -> bool + Send),
    ) -> Result<(CandidateLog, Vec<super::network::NamedTensor>), DeepError> {
        let vars = VarMap::new();
        let network = Network::new(&vars, self.dim, self.hidden, params.code)?;
        initialise(&vars, params.seed)?;
        let mut optimiser = AdamW::new(
            vars.all_vars(),
            ParamsAdamW {
                lr: self.learning_rate,
                weight_decay: 0.0,
                ..ParamsAdamW::default()
            },
        )?;
        let step = params.window * self.dim;
        let mut order: Vec<usize> = (0..train.count).collect();
        let mut rng = StdRng::seed_from_u64(params.seed ^ 0x9E37_79B9_7F4A_7C15);
        let mut log = CandidateLog {
            hidden: self.hidden,
            learning_rate: self.learning_rate,
            train_loss: Vec::new(),
            validation_loss: Vec::new(),
            best_epoch: 0,
        };
        let mut best_weights = export(&vars)?;
        let mut best_loss = f64::INFINITY;
        for epoch in 1..=params.epochs {
            order.shuffle(&mut rng);
            let mut total = 0.0;
            for batch in order.chunks(params.batch) {
                let mut data = Vec::with_capacity(batch.len() * step);
                for &i in batch {
                    data.extend_from_slice(&train.data[i * step..(i + 1) * step]);
                }
                let x =
                    Tensor::from_vec(data, (batch.len(), params.window, self.dim), &Device::Cpu)?;
                let loss = (&x - network.forward(&x)?)?.sqr()?.mean_all()?;
                optimiser.backward_step(&loss)?;
                total += f64::from(loss.to_scalar::<f32>()?) * batch.len() as f64;
            }
            let train_loss = total / train.count.max(1) as f64;
            let validation_loss = mean_loss(&network, validation, params.window, self.dim)?;
            log.train_loss.push(train_loss);
            log.validation_loss.push(validation_loss);
            if validation_loss < best_loss {
                best_loss = validation_loss;
                best_weights = export(&vars)?;
                log.best_epoch = epoch;
            }
            let report = EpochReport {
                candidate: self.candidate,
                candidates: self.candidates,
                hidden: self.hidden,
                learning_rate: self.learning_rate,
                epoch,
                epochs: params.epochs,
                train_loss,
                validation_loss,
            };
            if !on_epoch(&report) {
                return Err(DeepError::Cancelled);
            }
            if !train_loss.is_finite() || epoch - log.best_epoch >= params.patience {
                break;
            }
        }
        Ok((log, best_weights))
    }
}

/// Mean squared reconstruction error over a set, in batches without gradients.
fn mean_loss(
    network: &Network,
    set: &SequenceSet,
    window: usize,
    dim: usize,
) -> Result<f64, DeepError> {
    let step = window * dim;
    let mut total = 0.0;
    for start in (0..set.count).step_by(512) {
        let end = (start + 512).min(set.count);
        let x = Tensor::from_vec(
            set.data[start * step..end * step].to_vec(),
            (end - start, window, dim),
            &Device::Cpu,
        )?;
        let sum = (&x - network.forward(&x)?.detach())?.sqr()?.sum_all()?;
        total += f64::from(sum.to_scalar::<f32>()?);
    }
    Ok(total / (set.count * step).max(1) as f64)
}
