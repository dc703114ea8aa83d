//! The seed regulation (能代市情報セキュリティ対策に関する規程) parsed in full.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mamori_provisions::{Level, ProvisionError, parse};

const SEED: &str = include_str!("fixtures/noshiro_security_regulation.txt");
/// The whole tree, one provision a line: citation | anchor | caption | text. Checked by reading it
/// against the regulation; any change to the parser that changes a provision shows up here.
const TREE: &str = include_str!("fixtures/noshiro_security_regulation.tree.txt");

fn outline(text: &str) -> String {
    let r = parse(text).unwrap();
    let mut out = String::new();
    for p in r.provisions() {
        out.push_str(&format!(
            "{} | {} | {} | {}\n",
            p.citation,
            p.anchor,
            p.caption.as_deref().unwrap_or("-"),
            p.text.replace('\n', "⏎")
        ));
    }
    out
}

#[test]
fn the_whole_seed_tree() {
    assert_eq!(outline(SEED), TREE);
}

#[test]
fn the_seed_structure() {
    let r = parse(SEED).unwrap();
    assert_eq!(r.title, "能代市情報セキュリティ対策に関する規程");
    assert_eq!(r.enacted.as_deref(), Some("令和３年２月１日"));
    assert_eq!(r.number.as_deref(), Some("訓令第１号"));
    assert!(r.preamble.ends_with("の全部を改正する。"));
    assert_eq!(r.articles.len(), 10);
    let items: Vec<usize> = r
        .articles
        .iter()
        .map(|a| a.paragraphs[0].items.len())
        .collect();
    assert_eq!(items, [0, 14, 5, 0, 7, 7, 0, 0, 0, 0]);
    assert_eq!(r.articles[9].paragraphs.len(), 2);
    assert_eq!(r.articles[1].amendments, ["令６訓令８・一部改正"]);
    assert_eq!(
        r.articles[5].amendments,
        ["令５訓令１０・令６訓令８・一部改正"]
    );
    assert_eq!(
        r.articles[6].caption.as_deref(),
        Some("情報セキュリティ監査及び自己点検の実施")
    );
    assert_eq!(r.supplementary.len(), 3);
    assert_eq!(r.supplementary[0].paragraphs.len(), 2);
    assert_eq!(
        r.supplementary[1].title.as_deref(),
        Some("令和５年８月２９日訓令第１０号")
    );
    let sub = r.find("第６条第２号イ").unwrap();
    assert_eq!(sub.anchor, "a6-p1-i2-s2");
    assert!(sub.text.contains("無害化通信を実施すること"));
    assert!(r.find("第10条第2項").unwrap().text.contains("非公開とする"));
    // The quoted item of the amended rule in 附則 stays text, not a 号 of 附則.
    assert!(r.supplementary[0].paragraphs[1].items.is_empty());
}

#[test]
fn page_breaks_and_stray_spaces_change_nothing() {
    let noisy: String = SEED
        .lines()
        .map(|l| format!("{l}   \n\n \u{3000}\n"))
        .collect();
    assert_eq!(outline(&noisy), TREE);
    let crlf = SEED.replace('\n', "\r\n");
    assert_eq!(outline(&crlf), TREE);
}

#[test]
fn text_without_articles_names_its_first_line() {
    let err = parse("\n\n議事録\n本日の会議では、予算について話し合った。\n").unwrap_err();
    assert_eq!(
        err,
        ProvisionError::NotLegalText {
            line: 3,
            text: "議事録".into()
        }
    );
    assert!(
        err.message(mamori_core::Lang::Ja)
            .contains("3行目「議事録」")
    );
    assert_eq!(parse("  \n\u{3000}\n"), Err(ProvisionError::Empty));
}

#[test]
fn numbering_gaps_and_duplicates_are_reported_with_their_line() {
    let gap = "○規程\n第１条 趣旨。\n第３条 定義。\n";
    assert!(matches!(
        parse(gap),
        Err(ProvisionError::NumberingGap {
            line: 3,
            kind: Level::Article,
            ..
        })
    ));
    let dup = "○規程\n第１条 趣旨。\n第２条 定義。\n第２条 重複。\n";
    assert_eq!(
        parse(dup),
        Err(ProvisionError::DuplicateArticle {
            line: 4,
            article: "第2条".into(),
            first_line: 3
        })
    );
    let item_gap = "○規程\n第１条 次のとおり。\n（１） 一つ目\n（３） 三つ目\n";
    assert!(matches!(
        parse(item_gap),
        Err(ProvisionError::NumberingGap {
            line: 4,
            kind: Level::Item,
            ..
        })
    ));
    let para_gap = "○規程\n第１条 本文。\n３ 第三項。\n";
    assert!(matches!(
        parse(para_gap),
        Err(ProvisionError::NumberingGap {
            line: 3,
            kind: Level::Paragraph,
            ..
        })
    ));
    let sub_gap = "○規程\n第１条 次のとおり。\n（１） 区分\n  ア 一\n  ウ 三\n";
    assert!(matches!(
        parse(sub_gap),
        Err(ProvisionError::NumberingGap {
            line: 5,
            kind: Level::Subitem,
            ..
        })
    ));
}

#[test]
fn kanji_numerals_branch_articles_and_national_style_items() {
    let text = "○規則\n（目的）\n第一条 この規則は、次に掲げる事項を定める。\n一 組織\n二 分類\n第二条 定義。\n第二条の二 追加された条。\n２ 第二項。\n第三条 雑則。\n";
    let r = parse(text).unwrap();
    let citations: Vec<String> = r.provisions().into_iter().map(|p| p.citation).collect();
    assert_eq!(
        citations,
        [
            "第1条",
            "第1条第1号",
            "第1条第2号",
            "第2条",
            "第2条の2",
            "第2条の2第2項",
            "第3条"
        ]
    );
    assert_eq!(r.articles[0].caption.as_deref(), Some("目的"));
}

#[test]
fn diff_of_the_seed_against_its_state_before_the_2024_amendment() {
    // Before 令６訓令８, 第2条 had no 第14号 (外部サービス) and 第6条第7号 had no ウ.
    let before: String = SEED
        .replace(
            "（１４） 外部サービス（クラウドサービス） クラウドサービスをいう。",
            "",
        )
        .replace(
            "ウ ソーシャルメディアサービスを利用する場合 ソーシャルメディアサービ",
            "",
        )
        .replace(
            "スの運用手順を定め、ソーシャルメディアサービスで発信できる情報を規定",
            "",
        )
        .replace(
            "し、利用するソーシャルメディアサービスごとの責任者を定めること。",
            "",
        );
    let (old, new) = (parse(&before).unwrap(), parse(SEED).unwrap());
    let changes: Vec<(String, mamori_provisions::ChangeKind)> = mamori_provisions::diff(&old, &new)
        .into_iter()
        .map(|c| (c.citation, c.kind))
        .collect();
    assert_eq!(
        changes,
        [
            (
                "第2条第14号".to_string(),
                mamori_provisions::ChangeKind::Added
            ),
            (
                "第6条第7号ウ".to_string(),
                mamori_provisions::ChangeKind::Added
            ),
        ]
    );
}
