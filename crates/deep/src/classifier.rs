//! The supervised variant: a GRU sequence classifier for when labels exist. A GRU reads a
//! sequence of `window` scaled steps, a linear layer maps its last state to one logit, and
//! training minimises binary cross-entropy with the positive class weighted by
//! `negatives / positives` (capped), so that rare incidents weigh as much as the usual.
//! A sequence is positive when at least half of its steps are; a step's score is the mean,
//! over the sequences containing it, of the predicted probability, the weighting undone. Split by group for early
//! stopping as the autoencoder is.

use std::collections::BTreeSet;

use candle_core::{D, DType, Device, Tensor};
use candle_nn::rnn::{GRU, GRUConfig, RNN, gru};
use candle_nn::{AdamW, Linear, Module, Optimizer, ParamsAdamW, VarBuilder, VarMap, linear};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::DeepError;
use super::log::{CandidateLog, EpochReport};
use super::model::Series;
use super::network::{NamedTensor, export, import, initialise};
use super::scaler::Scaler;
use super::sequences::{cut, starts};

/// How the classifier is built and trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClassifierParams {
    /// Steps per sequence.
    pub window: usize,
    pub hidden: usize,
    pub learning_rate: f64,
    pub epochs: usize,
    pub patience: usize,
    pub batch: usize,
    /// Training sequences at most: every positive one, then a seeded subsample of the rest.
    pub max_sequences: usize,
    /// Share of groups held out for early stopping.
    pub validation_share: f64,
    /// Largest weight of a positive sequence in the loss.
    pub max_positive_weight: f64,
    /// Sequences scored start this many steps apart.
    pub score_stride: usize,
    pub seed: u64,
}

impl Default for ClassifierParams {
    fn default() -> Self {
        Self {
            window: 10,
            hidden: 16,
            learning_rate: 1e-2,
            epochs: 30,
            patience: 4,
            batch: 64,
            max_sequences: 4_000,
            validation_share: 0.2,
            max_positive_weight: 50.0,
            score_stride: 2,
            seed: 7,
        }
    }
}

impl ClassifierParams {
    pub fn validate(&self) -> Result<(), DeepError> {
        let bad = |m: &str| Err(DeepError::BadParameter(format!("classifier: {m}")));
        if self.window == 0 || self.hidden == 0 || self.batch == 0 || self.score_stride == 0 {
            return bad("window, hidden, batch and score_stride must be at least 1");
        }
        if self.epochs == 0 || self.max_sequences < 2 {
            return bad("needs at least one epoch and two sequences");
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad("learning_rate must be a positive number");
        }
        if !(0.05..=0.5).contains(&self.validation_share) {
            return bad("validation_share must be from 0.05 to 0.5");
        }
        if self.max_positive_weight.is_nan() || self.max_positive_weight < 1.0 {
            return bad("max_positive_weight must be at least 1");
        }
        Ok(())
    }
}

/// A series with a label per step.
#[derive(Debug, Clone, Copy)]
pub struct LabelledSeries<'a> {
    pub group: u64,
    pub values: &'a [f64],
    pub positive: &'a [bool],
}

struct Net {
    gru: GRU,
    out: Linear,
}

impl Net {
    fn new(vars: &VarMap, dim: usize, hidden: usize) -> Result<Self, DeepError> {
        let vb = VarBuilder::from_varmap(vars, DType::F32, &Device::Cpu);
        Ok(Self {
            gru: gru(dim, hidden, GRUConfig::default(), vb.pp("gru"))?,
            out: linear(hidden, 1, vb.pp("out"))?,
        })
    }

    /// One logit per sequence (batch × steps × features → batch).
    fn logits(&self, x: &Tensor) -> Result<Tensor, DeepError> {
        let states = self.gru.seq(x)?;
        let last = states
            .last()
            .ok_or_else(|| DeepError::BadData("a sequence needs at least one step".into()))?;
        Ok(self.out.forward(last.h())?.squeeze(D::Minus1)?)
    }
}

/// Weighted binary cross-entropy of `logits` against `targets` (0/1), `weights` per sequence:
/// `Σ w · (softplus(z) − y·z) / Σ w`, with `softplus(z) = max(z, 0) + ln(1 + e^(−|z|))`.
fn weighted_bce(logits: &Tensor, targets: &Tensor, weights: &Tensor) -> Result<Tensor, DeepError> {
    let softplus = (logits.relu()? + (logits.abs()?.neg()?.exp()? + 1.0)?.log()?)?;
    let per = (softplus - (targets * logits)?)?;
    Ok(((per * weights)?.sum_all()? / f64::from(weights.sum_all()?.to_scalar::<f32>()?))?)
}

/// A fitted classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SequenceClassifier {
    pub dim: usize,
    pub params: ClassifierParams,
    scaler: Scaler,
    weights: Vec<NamedTensor>,
    /// Weight of a positive sequence in the loss.
    pub positive_weight: f64,
    pub log: CandidateLog,
    pub training_sequences: usize,
    pub positive_sequences: usize,
}

/// Scaled sequences with their targets.
struct Set {
    data: Vec<f32>,
    targets: Vec<f32>,
}

impl Set {
    fn count(&self) -> usize {
        self.targets.len()
    }
}

impl SequenceClassifier {
    /// Fits on `series` (`dim` features per step), holding out a share of the groups for
    /// early stopping. Needs positive steps among the training groups. `on_epoch` hears every
    /// epoch and stops training by returning `false`.
    pub fn fit(
        series: &[LabelledSeries<'_>],
        dim: usize,
        params: &ClassifierParams,
        on_epoch: &mut (dyn FnMut(&EpochReport) -> bool + Send),
    ) -> Result<Self, DeepError> {
        super::on_one_thread(|| Self::fit_here(series, dim, params, on_epoch))
    }

    fn fit_here(
        series: &[LabelledSeries<'_>],
        dim: usize,
        params: &ClassifierParams,
        on_epoch: &mut (dyn FnMut(&EpochReport) -> bool + Send),
    ) -> Result<Self, DeepError> {
        params.validate()?;
        if dim == 0
            || series
                .iter()
                .any(|s| s.values.len() != s.positive.len() * dim)
        {
            return Err(DeepError::BadData(
                "every series needs one label per step of its feature rows".into(),
            ));
        }
        let groups: Vec<u64> = series
            .iter()
            .map(|s| s.group)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if groups.len() < 2 {
            return Err(DeepError::BadData(
                "the classifier needs series from at least 2 groups (events)".into(),
            ));
        }
        let mut rng = StdRng::seed_from_u64(params.seed);
        let mut shuffled = groups.clone();
        shuffled.shuffle(&mut rng);
        let held_out = ((groups.len() as f64 * params.validation_share).round() as usize)
            .clamp(1, groups.len() - 1);
        let validation_groups: BTreeSet<u64> = shuffled[..held_out].iter().copied().collect();
        let (validation, training): (Vec<&LabelledSeries<'_>>, Vec<&LabelledSeries<'_>>) = series
            .iter()
            .partition(|s| validation_groups.contains(&s.group));
        let scaler = Scaler::fit(training.iter().flat_map(|s| s.values.chunks(dim)), dim);
        let train = labelled_sequences(
            &training,
            &scaler,
            dim,
            params,
            params.max_sequences,
            &mut rng,
        );
        let valid = labelled_sequences(
            &validation,
            &scaler,
            dim,
            params,
            params.max_sequences / 4,
            &mut rng,
        );
        let positives = train.targets.iter().filter(|&&t| t > 0.5).count();
        if positives == 0 {
            return Err(DeepError::BadData(
                "no positive (labelled anomalous) sequence among the training events".into(),
            ));
        }
        let negatives = train.count() - positives;
        let positive_weight =
            (negatives as f64 / positives as f64).clamp(1.0, params.max_positive_weight);

        let vars = VarMap::new();
        let net = Net::new(&vars, dim, params.hidden)?;
        initialise(&vars, params.seed)?;
        let mut optimiser = AdamW::new(
            vars.all_vars(),
            ParamsAdamW {
                lr: params.learning_rate,
                weight_decay: 0.0,
                ..ParamsAdamW::default()
            },
        )?;
        let mut log = CandidateLog {
            hidden: params.hidden,
            learning_rate: params.learning_rate,
            train_loss: Vec::new(),
            validation_loss: Vec::new(),
            best_epoch: 0,
        };
        let mut best = (f64::INFINITY, export(&vars)?);
        let step = params.window * dim;
        let mut order: Vec<usize> = (0..train.count()).collect();
        for epoch in 1..=params.epochs {
            order.shuffle(&mut rng);
            let mut total = 0.0;
            for batch in order.chunks(params.batch) {
                let (x, y, w) =
                    batch_tensors(&train, batch, step, params.window, dim, positive_weight)?;
                let loss = weighted_bce(&net.logits(&x)?, &y, &w)?;
                optimiser.backward_step(&loss)?;
                total += f64::from(loss.to_scalar::<f32>()?) * batch.len() as f64;
            }
            let train_loss = total / train.count().max(1) as f64;
            let validation_loss = mean_loss(&net, &valid, params, dim, positive_weight)?;
            log.train_loss.push(train_loss);
            log.validation_loss.push(validation_loss);
            if validation_loss < best.0 {
                best = (validation_loss, export(&vars)?);
                log.best_epoch = epoch;
            }
            let report = EpochReport {
                candidate: 0,
                candidates: 1,
                hidden: params.hidden,
                learning_rate: params.learning_rate,
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
        Ok(Self {
            dim,
            params: params.clone(),
            scaler,
            weights: best.1,
            positive_weight,
            log,
            training_sequences: train.count(),
            positive_sequences: positives,
        })
    }

    /// The network's probability with the class weighting undone: weighting positives by `w`
    /// multiplies the odds it learns by `w`, so the odds are divided by `w` again,
    /// `p / (p + w·(1 − p))`.
    fn calibrated(&self, p: f64) -> f64 {
        p / (p + self.positive_weight * (1.0 - p))
    }

    /// Probability that each step of each series belongs to an incident: the mean, over the
    /// sequences (`score_stride` apart) that contain it, of the sequence's probability with
    /// the class weighting undone ([`Self::calibrated`]).
    pub fn score(&self, series: &[Series<'_>]) -> Result<Vec<Vec<f64>>, DeepError> {
        super::on_one_thread(|| self.score_here(series))
    }

    fn score_here(&self, series: &[Series<'_>]) -> Result<Vec<Vec<f64>>, DeepError> {
        let vars = VarMap::new();
        let net = Net::new(&vars, self.dim, self.params.hidden)?;
        import(&vars, &self.weights)?;
        let (dim, window) = (self.dim, self.params.window);
        let scaled: Vec<Vec<f32>> = series
            .iter()
            .map(|s| {
                let mut out = Vec::with_capacity(s.values.len());
                for row in s.values.chunks(dim) {
                    self.scaler.apply(row, &mut out);
                }
                out
            })
            .collect();
        let mut sums: Vec<Vec<f64>> = scaled.iter().map(|s| vec![0.0; s.len() / dim]).collect();
        let mut counts: Vec<Vec<u32>> = sums.iter().map(|s| vec![0; s.len()]).collect();
        let places: Vec<(usize, usize)> = scaled
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .flat_map(|(i, s)| {
                starts(s.len() / dim, window, self.params.score_stride)
                    .into_iter()
                    .map(move |start| (i, start))
            })
            .collect();
        for chunk in places.chunks(512) {
            let mut data = Vec::with_capacity(chunk.len() * window * dim);
            for &(i, start) in chunk {
                cut(&scaled[i], dim, window, start, &mut data);
            }
            let x = Tensor::from_vec(data, (chunk.len(), window, dim), &Device::Cpu)?;
            let p: Vec<f32> = candle_nn::ops::sigmoid(&net.logits(&x)?)?.to_vec1()?;
            for (&(i, start), p) in chunk.iter().zip(p) {
                let p = self.calibrated(f64::from(p));
                let len = sums[i].len();
                for s in start..(start + window).min(len) {
                    sums[i][s] += p;
                    counts[i][s] += 1;
                }
            }
        }
        Ok(sums
            .into_iter()
            .zip(counts)
            .map(|(s, c)| {
                s.into_iter()
                    .zip(c)
                    .map(|(v, n)| if n > 0 { v / f64::from(n) } else { 0.0 })
                    .collect()
            })
            .collect())
    }
}

/// Every sliding sequence of `series` with its target (positive when at least half its steps
/// are); every positive one kept, negatives subsampled (seeded) so that at most `cap` remain.
fn labelled_sequences(
    series: &[&LabelledSeries<'_>],
    scaler: &Scaler,
    dim: usize,
    params: &ClassifierParams,
    cap: usize,
    rng: &mut StdRng,
) -> Set {
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
    let window = params.window;
    let mut positive = Vec::new();
    let mut negative = Vec::new();
    for (i, s) in series.iter().enumerate() {
        if s.positive.is_empty() {
            continue;
        }
        for start in starts(s.positive.len(), window, 1) {
            let end = (start + window).min(s.positive.len());
            let hits = s.positive[start..end].iter().filter(|&&p| p).count();
            if 2 * hits >= window.min(end - start) && hits > 0 {
                positive.push((i, start));
            } else {
                negative.push((i, start));
            }
        }
    }
    negative.shuffle(rng);
    negative.truncate(cap.saturating_sub(positive.len().min(cap / 2)));
    positive.shuffle(rng);
    positive.truncate(cap / 2);
    let mut data = Vec::new();
    let mut targets = Vec::new();
    for (places, target) in [(&positive, 1.0), (&negative, 0.0)] {
        for &(i, start) in places {
            cut(&standardised[i], dim, window, start, &mut data);
            targets.push(target);
        }
    }
    Set { data, targets }
}

fn batch_tensors(
    set: &Set,
    batch: &[usize],
    step: usize,
    window: usize,
    dim: usize,
    positive_weight: f64,
) -> Result<(Tensor, Tensor, Tensor), DeepError> {
    let mut data = Vec::with_capacity(batch.len() * step);
    let mut y = Vec::with_capacity(batch.len());
    let mut w = Vec::with_capacity(batch.len());
    for &i in batch {
        data.extend_from_slice(&set.data[i * step..(i + 1) * step]);
        y.push(set.targets[i]);
        w.push(if set.targets[i] > 0.5 {
            positive_weight as f32
        } else {
            1.0
        });
    }
    let n = batch.len();
    Ok((
        Tensor::from_vec(data, (n, window, dim), &Device::Cpu)?,
        Tensor::from_vec(y, n, &Device::Cpu)?,
        Tensor::from_vec(w, n, &Device::Cpu)?,
    ))
}

/// The weighted loss over a whole set (no gradients); 0 for an empty set.
fn mean_loss(
    net: &Net,
    set: &Set,
    params: &ClassifierParams,
    dim: usize,
    positive_weight: f64,
) -> Result<f64, DeepError> {
    if set.count() == 0 {
        return Ok(0.0);
    }
    let all: Vec<usize> = (0..set.count()).collect();
    let (x, y, w) = batch_tensors(
        set,
        &all,
        params.window * dim,
        params.window,
        dim,
        positive_weight,
    )?;
    Ok(f64::from(
        weighted_bce(&net.logits(&x)?, &y, &w)?.to_scalar::<f32>()?,
    ))
}
