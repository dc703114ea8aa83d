//! Throughput of `sanitize` on a generated corpus, beside the raw mail-parser parse (the ceiling).
//! One core, release build: `cargo run --release -p mamori-sanitize --example bench [N]`.

#[path = "support/corpus.rs"]
mod corpus;

use std::time::Instant;

use corpus::Rng;
use mamori_sanitize::{Policy, SanitizeContext, sanitize};

fn measure(label: &str, corpus: &[Vec<u8>], policy: &Policy) {
    let ctx = SanitizeContext::new("Q-BENCH", chrono::DateTime::UNIX_EPOCH.fixed_offset());
    let bytes: usize = corpus.iter().map(Vec::len).sum();
    let mb = bytes as f64 / 1_000_000.0;

    // Warm up, then time.
    for m in corpus.iter().take(20) {
        std::hint::black_box(sanitize(m, policy, &ctx));
    }
    let start = Instant::now();
    let mut out_bytes = 0usize;
    for m in corpus {
        out_bytes += std::hint::black_box(sanitize(m, policy, &ctx))
            .message
            .len();
    }
    let sanitize_s = start.elapsed().as_secs_f64();

    let parser = mail_parser::MessageParser::default();
    let start = Instant::now();
    for m in corpus {
        std::hint::black_box(parser.parse(m.as_slice()));
    }
    let parse_s = start.elapsed().as_secs_f64();

    let n = corpus.len() as f64;
    println!(
        "{label:<34} {:>6} msgs, avg {:>6.1} KB | sanitize {:>8.0} msg/s {:>7.1} MB/s | mail-parser parse {:>8.0} msg/s {:>7.1} MB/s | out {:.1} MB",
        corpus.len(),
        bytes as f64 / n / 1024.0,
        n / sanitize_s,
        mb / sanitize_s,
        n / parse_s,
        mb / parse_s,
        out_bytes as f64 / 1_000_000.0,
    );
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let newsletters: Vec<Vec<u8>> = (0..n).map(|i| corpus::newsletter(i, &mut rng)).collect();
    let replies: Vec<Vec<u8>> = (0..n).map(|i| corpus::plain_reply(i, &mut rng)).collect();
    let attachments: Vec<Vec<u8>> = (0..n / 4)
        .map(|i| corpus::with_attachment(i, &mut rng))
        .collect();
    let recommended = Policy::recommended();
    println!("mamori-sanitize benchmark (one thread, policy = recommended)");
    measure("20 KB HTML newsletters", &newsletters, &recommended);
    measure("plain ISO-2022-JP replies", &replies, &recommended);
    measure(
        "Office/PDF attachments (convert)",
        &attachments,
        &recommended,
    );
    measure(
        "Office/PDF attachments (remove)",
        &attachments,
        &Policy::default(),
    );
    let mut mixed: Vec<Vec<u8>> = Vec::new();
    for i in 0..n {
        mixed.push(newsletters[i].clone());
        mixed.push(replies[i].clone());
        if i % 4 == 0 {
            mixed.push(attachments[i / 4].clone());
        }
    }
    measure("mixed corpus", &mixed, &recommended);
}
