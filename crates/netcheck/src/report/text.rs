//! Human-readable report, Japanese or English.

use super::{PathStep, Report, StepKind, Verdict, WarningKind};
use mamori_core::Lang;
use std::fmt::Write;

fn step_line(s: &PathStep, lang: Lang) -> String {
    let ifaces = match &s.out_interface {
        Some(o) => format!("{} → {}", s.in_interface, o),
        None => s.in_interface.clone(),
    };
    let chain = s.chain.clone().unwrap_or_default();
    let how = match s.kind {
        StepKind::Rule => lang.pick("規則", "rule").to_string(),
        StepKind::Policy => lang.pick("既定ポリシー", "default policy").to_string(),
        StepKind::NoChain => lang
            .pick(
                "転送を制限するチェインなし",
                "no chain restricts forwarding",
            )
            .to_string(),
    };
    let approx = if s.approximate {
        lang.pick(
            "（近似: 条件の一部を保守的に扱った規則）",
            " (approximate: conditions treated conservatively)",
        )
    } else {
        ""
    };
    let mut line = format!(
        "{} [{}] {:?} {} — {}{}",
        s.device, ifaces, s.hook, chain, how, approx
    );
    if let Some(r) = &s.rule {
        match &r.display {
            Some(d) => {
                let _ = write!(
                    line,
                    "\n        {}\n        {}\n        {}",
                    r.loc, d, r.text
                );
            }
            None => {
                let _ = write!(line, "\n        {}\n        {}", r.loc, r.text);
            }
        }
    }
    line
}

pub(super) fn render(r: &Report, lang: Lang) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: {} ({})",
        lang.pick(
            "三層の対策の検証（規程第6条第2号）",
            "Three-tier separation check (Article 6(2))"
        ),
        r.organisation,
        r.model.label(lang)
    );
    if let Some(t) = &r.checked_at {
        let _ = writeln!(o, "{}: {}", lang.pick("検証日時", "Checked at"), t);
    }
    let verdict = match (r.verdict, lang) {
        (Verdict::Holds, Lang::Ja) => "適合（三層の分離は保たれています）".to_string(),
        (Verdict::Holds, Lang::En) => "HOLDS (the three tiers are separated)".to_string(),
        (Verdict::Violated, Lang::Ja) => format!("違反あり（{}件）", r.violations.len()),
        (Verdict::Violated, Lang::En) => format!("VIOLATED ({} findings)", r.violations.len()),
        (Verdict::Incomplete, Lang::Ja) => format!(
            "判定不能（読み取れない設定が{}件あるため結果は不完全です）",
            r.unparsed.len()
        ),
        (Verdict::Incomplete, Lang::En) => format!(
            "INCOMPLETE ({} statements could not be read; the result is not complete)",
            r.unparsed.len()
        ),
    };
    let _ = writeln!(o, "{}: {}", lang.pick("判定", "Verdict"), verdict);
    let _ = writeln!(
        o,
        "{}",
        match lang {
            Lang::Ja => format!(
                "（ゾーン {}、機器 {}、規則 {}）",
                r.stats.zones, r.stats.devices, r.stats.rules
            ),
            Lang::En => format!(
                "({} zones, {} devices, {} rules)",
                r.stats.zones, r.stats.devices, r.stats.rules
            ),
        }
    );
    // Summary: one line per broken rule and pair of zones, with the number of paths.
    let mut summary: Vec<(String, String, String, usize)> = Vec::new();
    for v in &r.violations {
        let key = (
            v.rule.article().get(lang).to_string(),
            v.from.name.clone(),
            v.to.name.clone(),
        );
        match summary
            .iter_mut()
            .find(|s| (s.0.as_str(), s.1.as_str(), s.2.as_str()) == (&key.0, &key.1, &key.2))
        {
            Some(s) => s.3 += 1,
            None => summary.push((key.0, key.1, key.2, 1)),
        }
    }
    if !summary.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}:", lang.pick("概要", "Summary"));
        for (article, from, to, n) in &summary {
            let paths = match lang {
                Lang::Ja => format!("{n}経路"),
                Lang::En if *n == 1 => "1 path".to_string(),
                Lang::En => format!("{n} paths"),
            };
            let _ = writeln!(o, "  - {article}: {from} → {to} ({paths})");
        }
    }
    for (i, v) in r.violations.iter().enumerate() {
        let _ = writeln!(o);
        let _ = writeln!(o, "[{}] {}", i + 1, v.rule.title(lang));
        let _ = writeln!(
            o,
            "    {}: {} ({}) → {} ({})",
            lang.pick("経路", "From/to"),
            v.from.name,
            v.from.kind.label().get(lang),
            v.to.name,
            v.to.kind.label().get(lang)
        );
        let _ = writeln!(
            o,
            "    {}: {}",
            lang.pick("通過する通信の例", "Example packet"),
            v.example
        );
        if let Some(d) = &v.delivered_as {
            let _ = writeln!(o, "    {}: {}", lang.pick("NAT後", "after NAT"), d);
        }
        if v.approximate {
            let _ = writeln!(
                o,
                "    {}",
                lang.pick(
                    "※ 経路上に近似した規則があるため、実際には通らない可能性があります",
                    "note: an approximated rule is on the path; this may be a false alarm"
                )
            );
        }
        let _ = writeln!(
            o,
            "    {}:",
            lang.pick("通過させている設定", "Let through by")
        );
        for s in &v.path {
            let _ = writeln!(o, "      - {}", step_line(s, lang));
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{} ({}):",
            lang.pick("警告", "Warnings"),
            r.warnings.len()
        );
        for w in &r.warnings {
            let what = match (w.kind, lang) {
                (WarningKind::ShadowedRule, Lang::Ja) => {
                    "一致することのない規則（先行する規則に隠されています）"
                }
                (WarningKind::ShadowedRule, Lang::En) => {
                    "rule never matches (shadowed by earlier rules)"
                }
                (WarningKind::AnyToAny, Lang::Ja) => {
                    "系の境界にある機器で送信元・宛先とも無制限の許可規則"
                }
                (WarningKind::AnyToAny, Lang::En) => {
                    "any-to-any accept rule on a device between tiers"
                }
            };
            let _ = writeln!(o, "  - {} {} {}: {}", w.device, w.chain, w.rule.loc, what);
            let _ = writeln!(
                o,
                "      {}",
                w.rule.display.as_ref().unwrap_or(&w.rule.text)
            );
            for c in &w.covered_by {
                let _ = writeln!(o, "      {} {}", lang.pick("←", "covered by"), c.loc);
            }
        }
    }
    if !r.unparsed.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{} ({}):",
            lang.pick(
                "読み取れなかった記述（保守的に扱いました）",
                "Statements not understood (treated conservatively)"
            ),
            r.unparsed.len()
        );
        for u in &r.unparsed {
            let _ = writeln!(
                o,
                "  - {}:{}:{}: {} — {}",
                u.file, u.line, u.column, u.text, u.reason
            );
        }
    }
    o
}
