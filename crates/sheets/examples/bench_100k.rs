//! Timing and peak memory for 100,000 rows × 25 columns.
//!
//! `cargo run --release -p mamori-sheets --example bench_100k -- <step>` where step is one of
//! `write-xlsx`, `read-xlsx`, `write-csv`, `write-csv-cp932`, `read-csv`, `read-csv-cp932`, `all`.
//! Run one step per process to see that step's peak memory (VmHWM includes building the table).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use mamori_sheets::{CsvEncoding, Format, Row, Table, read_table, write_csv, write_xlsx};

const ROWS: usize = 100_000;
const COLUMNS: usize = 25;

fn register() -> Table {
    let headers = (0..COLUMNS).map(|c| format!("項目{c:02}")).collect();
    let words = [
        "住民記録システム",
        "機密性2",
        "総務課",
        "001",
        "2024-04-01",
        "ノートPC",
        "㈱髙﨑商事①",
    ];
    let rows = (0..ROWS)
        .map(|r| Row {
            number: r + 2,
            cells: (0..COLUMNS)
                .map(|c| match c % 4 {
                    0 => format!("{:06}", r),
                    1 => format!("{}-{}", words[(r + c) % words.len()], r % 97),
                    2 => words[(r * 7 + c) % words.len()].to_string(),
                    _ => format!("備考, \"引用\" {r}"),
                })
                .collect(),
        })
        .collect();
    Table::new(headers, rows)
}

fn peak_mib() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or("?".to_string(), |kb| format!("{} MiB", kb / 1024))
}

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    println!(
        "{label:<18} {:>8.3} s   peak so far {}",
        start.elapsed().as_secs_f64(),
        peak_mib()
    );
    value
}

fn main() {
    let step = std::env::args().nth(1).unwrap_or_else(|| "all".to_string());
    if let (Some(format), Some(path)) = (step.strip_prefix("read-file-"), std::env::args().nth(2)) {
        // Read a file written earlier (e.g. by `save <dir>`), to measure reading alone.
        let bytes = std::fs::read(&path).unwrap();
        let format = if format == "xlsx" {
            Format::Xlsx
        } else {
            Format::Csv
        };
        let back = timed("read file", || read_table(&bytes, format).unwrap());
        println!("{} rows", back.rows.len());
        return;
    }
    let table = timed("build table", register);
    println!(
        "table: {} rows × {} columns",
        table.rows.len(),
        table.headers.len()
    );
    if let (true, Some(dir)) = (step == "save", std::env::args().nth(2)) {
        std::fs::write(
            format!("{dir}/bench.xlsx"),
            write_xlsx(&table, "情報資産台帳").unwrap(),
        )
        .unwrap();
        std::fs::write(
            format!("{dir}/bench.csv"),
            write_csv(&table, CsvEncoding::Utf8Bom).unwrap(),
        )
        .unwrap();
        std::fs::write(
            format!("{dir}/bench-cp932.csv"),
            write_csv(&table, CsvEncoding::Cp932).unwrap(),
        )
        .unwrap();
        return;
    }
    let all = step == "all";
    if all || step == "write-xlsx" || step == "read-xlsx" {
        let bytes = timed("write xlsx", || write_xlsx(&table, "情報資産台帳").unwrap());
        println!("xlsx size: {:.1} MiB", bytes.len() as f64 / 1048576.0);
        if all || step == "read-xlsx" {
            drop(table.clone());
            let back = timed("read xlsx", || read_table(&bytes, Format::Xlsx).unwrap());
            assert_eq!(back.rows.len(), ROWS);
            assert_eq!(back.rows[ROWS - 1].cells, table.rows[ROWS - 1].cells);
        }
    }
    for (name, encoding) in [
        ("csv", CsvEncoding::Utf8Bom),
        ("csv-cp932", CsvEncoding::Cp932),
    ] {
        if all || step == format!("write-{name}") || step == format!("read-{name}") {
            let bytes = timed(&format!("write {name}"), || {
                write_csv(&table, encoding).unwrap()
            });
            println!("{name} size: {:.1} MiB", bytes.len() as f64 / 1048576.0);
            if all || step == format!("read-{name}") {
                let back = timed(&format!("read {name}"), || {
                    read_table(&bytes, Format::Csv).unwrap()
                });
                assert_eq!(back.rows.len(), ROWS);
                assert_eq!(back.rows[ROWS - 1].cells, table.rows[ROWS - 1].cells);
            }
        }
    }
}
