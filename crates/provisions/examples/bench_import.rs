//! Time the parse of a generated regulation of N articles (default 500), each with a caption, two
//! paragraphs, items and sub-items, broken across lines as PDF extraction leaves it.
//! `cargo run --release -p mamori-provisions --example bench_import [N]`
use std::fmt::Write;
use std::time::Instant;

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    let mut text = String::from(
        "〇ベンチマーク市情報セキュリティ対策基準\n\n令和７年４月１日\n\n訓令第９号\n\n",
    );
    for a in 1..=n {
        let _ = write!(
            text,
            "（第{a}条の見出し）\n第{a}条 市長は、情報資産の機密性、完全性及び可用性を維持するため、次に掲げる対策を\n講じなければならない。\n"
        );
        for i in 1..=4 {
            let _ = write!(
                text,
                "（{i}） 対策{i} 情報システムの管理について必要な事項を定め、定期的に\n見直すこと。\n"
            );
        }
        for s in ["ア", "イ", "ウ"] {
            let _ = writeln!(text, "  {s} 細分{s}の内容を定めること。");
        }
        let _ = write!(
            text,
            "２ 前項の規定にかかわらず、統括情報セキュリティ責任者が認める場合は、この限りでない。\n（令６訓令８・一部改正）\n\n\n"
        );
    }
    text.push_str("附 則\nこの訓令は、令和７年４月１日から施行する。\n");
    let bytes = text.len();
    let mut best = f64::MAX;
    let mut provisions = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let r = match mamori_provisions::parse(&text) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{}", e.message(mamori_core::Lang::En));
                std::process::exit(1);
            }
        };
        provisions = r.provisions().len();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "parse {n} articles ({:.0} KB, {provisions} provisions): best of 20 {:.2} ms",
        bytes as f64 / 1024.0,
        best * 1000.0
    );
}
