//! The short Japanese notice at the top of the delivered body.

use crate::report::{AttachmentReport, AttachmentResult};

pub(crate) const RULE: &str = "――――――――――――――――――――――――――――――";

/// "23.4 KB" style sizes (1 KB = 1024 bytes, as Windows shows them).
pub(crate) fn human_size(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} バイト")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else if b < KB * KB * KB {
        format!("{:.1} MB", b / KB / KB)
    } else {
        format!("{:.1} GB", b / KB / KB / KB)
    }
}

pub(crate) struct NoticeInput<'a> {
    pub from_html: bool,
    pub links: usize,
    pub attachments: &'a [AttachmentReport],
    pub quarantine_id: Option<&'a str>,
    pub appended_text: bool,
}

pub(crate) fn notice(input: &NoticeInput<'_>) -> String {
    let mut s = String::new();
    s.push_str("【無害化処理のお知らせ】\n");
    s.push_str("このメールはインターネットから受信したため、mamori により無害化しました。\n");
    match (input.from_html, input.links > 0) {
        (true, true) => s.push_str(&format!(
            "HTML 形式の本文はテキストに変換し、リンク（{} 件）はクリックできない形（hxxps://example[.]com）にしています。\n",
            input.links
        )),
        (true, false) => s.push_str("HTML 形式の本文はテキストに変換しました。\n"),
        (false, true) => s.push_str(&format!(
            "リンク（{} 件）はクリックできない形（hxxps://example[.]com）にしています。\n",
            input.links
        )),
        (false, false) => {}
    }
    if !input.attachments.is_empty() {
        s.push_str("添付ファイル:\n");
        for a in input.attachments {
            s.push_str(&format!(
                "・{}（{}）: {}\n",
                a.path,
                human_size(a.size),
                a.reason.ja
            ));
        }
    }
    if input.appended_text {
        s.push_str("添付ファイルから取り出した文字は本文の末尾にあります。\n");
    }
    let any_quarantined = input
        .attachments
        .iter()
        .any(|a| a.result == AttachmentResult::Quarantined);
    if let (true, Some(id)) = (any_quarantined, input.quarantine_id) {
        s.push_str("隔離したファイルが必要な場合は、隔離IDを添えて情報システム管理者へ依頼してください。\n");
        s.push_str(&format!("隔離ID: {id}\n"));
    }
    s.push_str(RULE);
    s.push('\n');
    s
}

/// The same notice in English, for the report (administrators, logs).
pub(crate) fn notice_en(input: &NoticeInput<'_>) -> String {
    let mut s = String::from(
        "[Sanitisation notice] This message came from the internet and was sanitised by mamori.\n",
    );
    if input.from_html {
        s.push_str("The HTML body was converted to plain text.\n");
    }
    if input.links > 0 {
        s.push_str(&format!(
            "{} link(s) were made non-clickable (hxxps://example[.]com).\n",
            input.links
        ));
    }
    for a in input.attachments {
        s.push_str(&format!(
            "- {} ({} bytes): {}\n",
            a.path, a.size, a.reason.en
        ));
    }
    let any_quarantined = input
        .attachments
        .iter()
        .any(|a| a.result == AttachmentResult::Quarantined);
    if let (true, Some(id)) = (any_quarantined, input.quarantine_id) {
        s.push_str(&format!("Quarantine ID: {id}\n"));
    }
    s
}

/// The body of the notice that replaces a message that could not be processed.
pub(crate) fn whole_quarantine_notice(reason_ja: &str, size: u64, quarantine_id: &str) -> String {
    format!(
        "【無害化処理のお知らせ】\n\
         インターネットから受信したメール（{}）を{}ため、本文・添付ファイルを配送せずに隔離しました。\n\
         内容の確認が必要な場合は、隔離IDを添えて情報システム管理者へ依頼してください。\n\
         隔離ID: {quarantine_id}\n{RULE}\n\
         [English] A message received from the internet could not be sanitised and was quarantined whole. \
         Quarantine ID: {quarantine_id}\n",
        human_size(size),
        reason_ja
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_windows() {
        assert_eq!(human_size(512), "512 バイト");
        assert_eq!(human_size(23_962), "23.4 KB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MB");
    }
}
