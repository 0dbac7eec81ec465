//! ABR throughput traces (Sabre JSON, Pensieve text) and video manifests, read from a file as
//! `streamlens abr` does and then played by every ABR algorithm against a fixed counterpart.

use streamlens_abr::synthetic::{Profile, manifest as synth_manifest, trace as synth_trace};
use streamlens_abr::trace::read_trace;
use streamlens_abr::{Algorithm, Manifest, SimConfig, Trace, simulate};

use super::{ReadFn, TempInput, text};
use crate::seeds::{head, shared_dir};

/// Plays `trace` with `manifest` under every algorithm (a usable file must not make one panic).
fn play(trace: &Trace, manifest: &Manifest) {
    let config = SimConfig::default();
    for algorithm in Algorithm::ALL {
        let mut player = algorithm.player(manifest, config.buffer_cap_s);
        let _ = simulate(trace, manifest, player.as_mut(), &config);
    }
}

pub(super) fn trace(shared: bool) -> (Vec<Vec<u8>>, ReadFn) {
    let mut seeds = vec![
        synth_trace(Profile::Mobile3g, 1, 40).to_json().into_bytes(),
        synth_trace(Profile::Lte, 2, 40).to_json().into_bytes(),
        b"0 1.5\n1.0 2.25\n2.5 0.0\n4 12\n\n7.25 0.4\n".to_vec(),
    ];
    if shared {
        for folder in ["abr-traces/norway-3g", "abr-traces/lte-4g"] {
            seeds.extend(
                shared_dir(folder, &[".json"])
                    .iter()
                    .take(3)
                    .map(|t| head(t, 80)),
            );
        }
    }
    let manifest = synth_manifest(3, 12);
    let input = TempInput::new("trace.json");
    let read = move |bytes: &[u8]| {
        let trace = text(read_trace(input.write(bytes)?))?;
        play(&trace, &manifest);
        Ok(())
    };
    (seeds, Box::new(read))
}

pub(super) fn manifest(shared: bool) -> (Vec<Vec<u8>>, ReadFn) {
    let mut seeds = vec![synth_manifest(1, 6).to_json().into_bytes()];
    if shared {
        seeds.extend(shared_dir("abr-traces", &["bbb.json", "bbb4k.json"]));
    }
    let trace = synth_trace(Profile::Mobile3g, 4, 60);
    let input = TempInput::new("manifest.json");
    let read = move |bytes: &[u8]| {
        let manifest = text(Manifest::read(input.write(bytes)?))?;
        play(&trace, &manifest);
        Ok(())
    };
    (seeds, Box::new(read))
}
