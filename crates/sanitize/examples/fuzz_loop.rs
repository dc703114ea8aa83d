//! Stable-toolchain stand-in for cargo-fuzz: random and mutated inputs, the same checks as the
//! fuzz target. `cargo run --release -p mamori-sanitize --example fuzz_loop -- [ITERATIONS] [SEED]`

#[path = "support/corpus.rs"]
mod corpus;

use corpus::Rng;
use mail_parser::{MessageParser, MimeHeaders};
use mamori_sanitize::{Policy, SanitizeContext, sanitize};

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut rng = Rng(seed.max(1));
    let seeds: Vec<Vec<u8>> = (0..12)
        .map(|i| match i % 3 {
            0 => corpus::newsletter(i, &mut rng),
            1 => corpus::plain_reply(i, &mut rng),
            _ => corpus::with_attachment(i, &mut rng),
        })
        .collect();
    let ctx = SanitizeContext::new("Q-FUZZ", chrono::DateTime::UNIX_EPOCH.fixed_offset());
    let policies = [Policy::default(), Policy::recommended()];
    let parser = MessageParser::default();
    let mut failures = 0usize;
    let mut whole = 0usize;
    for it in 0..iterations {
        let mut input = if rng.below(8) == 0 {
            (0..rng.below(4096)).map(|_| rng.next() as u8).collect()
        } else {
            seeds[rng.below(seeds.len())].clone()
        };
        for _ in 0..1 + rng.below(16) {
            if input.is_empty() {
                break;
            }
            let at = rng.below(input.len());
            match rng.below(5) {
                0 => input[at] = rng.next() as u8,
                1 => input.insert(at, rng.next() as u8),
                2 => {
                    input.remove(at);
                }
                3 => {
                    // Splice in MIME syntax, where the interesting bugs are.
                    let tokens: [&[u8]; 8] = [
                        b"\r\n--B\r\n",
                        b"\r\n\r\n",
                        b"Content-Type: multipart/mixed; boundary=B\r\n",
                        b"=?UTF-8?B?",
                        b"?=",
                        b"<a href=",
                        b"PK\x03\x04",
                        b"Content-Transfer-Encoding: base64\r\n",
                    ];
                    let t = tokens[rng.below(tokens.len())];
                    input.splice(at..at, t.iter().copied());
                }
                _ => {
                    let end = (at + rng.below(256)).min(input.len());
                    input.drain(at..end);
                }
            }
        }
        for policy in &policies {
            let out = sanitize(&input, policy, &ctx);
            let fault = out.report.actions.iter().any(|a| a == "internal-fault");
            whole += usize::from(out.report.status == mamori_sanitize::Status::QuarantinedWhole);
            let parsed = parser.parse(&out.message);
            let html = parsed.as_ref().is_some_and(|m| {
                m.parts.iter().any(|p| {
                    p.content_type().is_some_and(|ct| {
                        ct.ctype().eq_ignore_ascii_case("text")
                            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("html"))
                    })
                })
            });
            if fault || parsed.is_none() || html {
                failures += 1;
                let path = format!("/tmp/mamori-fuzz-failure-{seed}-{it}.eml");
                let _ = std::fs::write(&path, &input);
                eprintln!(
                    "FAILURE at iteration {it}: fault={fault} parsed={} html={html} input saved to {path}",
                    parsed.is_some()
                );
            }
        }
    }
    println!("{iterations} inputs × 2 policies: {failures} failures, {whole} quarantined whole");
    if failures > 0 {
        std::process::exit(1);
    }
}
