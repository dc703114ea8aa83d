//! Recompute a risk register of N asset × threat pairs (default 100,000) after a classification
//! change, as 第8条's review does: `cargo run --release -p mamori-core --example bench_risk [N]`.
use mamori_core::classification::mic_r6;
use mamori_core::risk::{Matrix, Risk};
use mamori_core::threats::builtin_threats;
use mamori_core::{Asset, AssetKind, Classification};
use std::collections::HashMap;
use std::time::Instant;

fn main() {
    let pairs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let (scheme, matrix, threats) = (mic_r6(), Matrix::five_by_five(), builtin_threats());
    let codes = ["1", "2", "3C", "3B", "3A"];
    let assets: Vec<Asset> = (0..pairs.div_ceil(threats.len()))
        .map(|i| {
            let mut a = Asset::new(format!("A-{i:06}"), "資産", AssetKind::Information);
            a.classification = Classification::new(
                codes[i % 5],
                if i % 2 == 0 { "2" } else { "1" },
                if i % 3 == 0 { "2" } else { "1" },
            );
            a
        })
        .collect();
    let threat_by_id: HashMap<&str, &mamori_core::threats::Threat> =
        threats.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut risks: Vec<Risk> = Vec::with_capacity(pairs);
    'outer: for a in &assets {
        for t in &threats {
            if risks.len() == pairs {
                break 'outer;
            }
            match Risk::assess(&matrix, &scheme, a, t, 1 + (risks.len() % 5) as u8) {
                Ok(r) => risks.push(r),
                Err(e) => {
                    eprintln!("{}", e.message(mamori_core::Lang::En));
                    std::process::exit(1);
                }
            }
        }
    }
    // The change: every asset's confidentiality moves up one level (a scheme-wide review).
    let changed: Vec<Asset> = assets
        .iter()
        .map(|a| {
            let mut b = a.clone();
            let next = match b.classification.confidentiality.as_deref() {
                Some("1") => "2",
                Some("2") => "3C",
                Some("3C") => "3B",
                _ => "3A",
            };
            b.classification.confidentiality = Some(next.into());
            b
        })
        .collect();
    let asset_by_id: HashMap<&str, &Asset> = changed.iter().map(|a| (a.id.as_str(), a)).collect();
    let start = Instant::now();
    let mut updated = 0usize;
    let mut high = 0usize;
    for r in &mut risks {
        let (Some(a), Some(t)) = (
            asset_by_id.get(r.asset.as_str()),
            threat_by_id.get(r.threat.as_str()),
        ) else {
            continue;
        };
        if r.refresh_impact(&matrix, &scheme, a, t) {
            updated += 1;
        }
        if matrix
            .band(r.inherent_score(&matrix))
            .is_some_and(|b| !b.acceptable)
        {
            high += 1;
        }
    }
    let elapsed = start.elapsed();
    println!(
        "recompute {} risks ({} assets × {} threats) after a classification change: {:.1} ms ({updated} impacts changed, {high} above the acceptable band)",
        risks.len(),
        assets.len(),
        threats.len(),
        elapsed.as_secs_f64() * 1000.0
    );
}
