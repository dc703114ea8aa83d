//! The steps of `sanitize`, in order: parse, body to text, attachments by policy, notice, compose.

use mamori_core::Text;

use crate::attachments::Processor;
use crate::charset::encode_header_text;
use crate::compose::{Draft, compose};
use crate::context::SanitizeContext;
use crate::defang::defang_links;
use crate::mime::{ParseFailure, extract};
use crate::notice::{NoticeInput, RULE, notice, notice_en, whole_quarantine_notice};
use crate::policy::{OutputCharset, Policy};
use crate::report::{AttachmentResult, BodySource, Report, Status};
use crate::{Outcome, QuarantineItem};

/// Why a message was quarantined whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WholeReason {
    Unparseable,
    TooLarge,
    InternalFault,
}

impl WholeReason {
    fn text(self) -> Text {
        match self {
            WholeReason::Unparseable => Text::new(
                "メールとして解析できなかった",
                "the message could not be parsed as MIME",
            ),
            WholeReason::TooLarge => Text::new(
                "サイズが上限を超えていた",
                "the message exceeds the size limit",
            ),
            WholeReason::InternalFault => Text::new(
                "無害化処理中に異常が発生した",
                "an internal fault occurred while sanitising",
            ),
        }
    }

    fn token(self) -> &'static str {
        match self {
            WholeReason::Unparseable => "unparseable",
            WholeReason::TooLarge => "too-large",
            WholeReason::InternalFault => "internal-fault",
        }
    }
}

pub(crate) fn run(raw: &[u8], policy: &Policy, ctx: &SanitizeContext) -> Outcome {
    if raw.len() > policy.max_message_bytes {
        return quarantine_whole(raw, policy, ctx, WholeReason::TooLarge);
    }
    let extracted = match extract(raw, policy.output_charset) {
        Ok(e) => e,
        Err(ParseFailure::NotMime | ParseFailure::NoHeaders) => {
            return quarantine_whole(raw, policy, ctx, WholeReason::Unparseable);
        }
    };

    let from_html = extracted.body.iter().any(|b| b.from_html);
    let body_source = if extracted.body.is_empty() {
        BodySource::None
    } else if from_html {
        BodySource::Html
    } else {
        BodySource::Text
    };
    let original_body = extracted
        .body
        .iter()
        .map(|b| b.text.trim_end())
        .collect::<Vec<_>>()
        .join("\n\n");

    let mut processor = Processor::new(policy);
    for c in &extracted.attachments {
        processor.process(c, &c.name, 0);
    }

    // Body + appended extracted text, then one defang pass over all of it.
    let mut body = if original_body.trim().is_empty() {
        "（本文はありません / no body text）".to_string()
    } else {
        original_body
    };
    for a in &processor.appendix {
        body.push_str(&format!(
            "\n\n{RULE}\n【添付ファイル {} から取り出した文字】\n{}\n",
            a.title, a.text
        ));
    }
    let (body, links) = defang_links(&body);

    let quarantined = std::mem::take(&mut processor.quarantined);
    let quarantine_id = (!quarantined.is_empty()).then(|| ctx.safe_quarantine_id());
    let notice_input = NoticeInput {
        from_html,
        links,
        attachments: &processor.reports,
        quarantine_id: quarantine_id.as_deref(),
        appended_text: !processor.appendix.is_empty(),
    };
    let notice_text = notice(&notice_input);
    let english = notice_en(&notice_input);
    // File names in the notice are shown defanged too.
    let (notice_text, _) = defang_links(&notice_text);

    let mut report = Report {
        status: Status::Sanitized,
        quarantine_id,
        subject: extracted.subject.clone(),
        body_source,
        links_defanged: links,
        attachments: std::mem::take(&mut processor.reports),
        actions: Vec::new(),
        warnings: extracted.warnings.clone(),
        notice_ja: notice_text.clone(),
        notice_en: english,
    };
    report.actions = actions(&report);

    let mut extra = Vec::new();
    if !extracted.has_date {
        extra.push(("Date".to_string(), ctx.received_at.to_rfc2822()));
    }
    let full_body = format!("{notice_text}\n{body}\n");
    let (message, replaced) = compose(&Draft {
        headers: &extracted.headers,
        extra_headers: &extra,
        mamori_header: &report.header_value(),
        body: &full_body,
        attachments: &processor.delivered,
        charset: policy.output_charset,
    });
    if replaced > 0 {
        report.warnings.push(Text::new(
            format!("ISO-2022-JP で表せない文字 {replaced} 個を〓に置き換えました"),
            format!("{replaced} characters not representable in ISO-2022-JP were replaced by 〓"),
        ));
    }
    Outcome {
        message,
        report,
        quarantined,
    }
}

fn actions(report: &Report) -> Vec<String> {
    let mut a = Vec::new();
    if report.body_source == BodySource::Html {
        a.push("html-to-text".to_string());
    }
    if report.links_defanged > 0 {
        a.push(format!("links-defanged={}", report.links_defanged));
    }
    let counts = [
        (
            "attachment-removed",
            report.count(AttachmentResult::Removed),
        ),
        (
            "attachment-quarantined",
            report.count(AttachmentResult::Quarantined),
        ),
        (
            "attachment-converted",
            report.count(AttachmentResult::Converted),
        ),
        (
            "macro-removed",
            report
                .attachments
                .iter()
                .filter(|r| r.macro_removed)
                .count(),
        ),
        (
            "image-reencoded",
            report
                .attachments
                .iter()
                .filter(|r| r.image_reencoded)
                .count(),
        ),
        (
            "text-extracted",
            report
                .attachments
                .iter()
                .filter(|r| r.text_extracted)
                .count(),
        ),
    ];
    for (token, n) in counts {
        if n > 0 {
            a.push(format!("{token}={n}"));
        }
    }
    if a.is_empty() {
        a.push("text-only".to_string());
    }
    if let Some(id) = &report.quarantine_id {
        a.push(format!("quarantine-id={id}"));
    }
    a
}

/// The whole message goes to the quarantine; the recipient gets a notice in its place.
pub(crate) fn quarantine_whole(
    raw: &[u8],
    policy: &Policy,
    ctx: &SanitizeContext,
    why: WholeReason,
) -> Outcome {
    let id = ctx.safe_quarantine_id();
    let reason = why.text();
    let body = whole_quarantine_notice(&reason.ja, raw.len() as u64, &id);
    let actions = vec![
        why.token().to_string(),
        "message-quarantined".to_string(),
        format!("quarantine-id={id}"),
    ];
    let to = if ctx.envelope_recipients.is_empty() {
        "undisclosed-recipients:;".to_string()
    } else {
        ctx.envelope_recipients
            .iter()
            .map(|r| {
                r.chars()
                    .filter(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ','))
                    .collect::<String>()
            })
            .filter(|r| !r.is_empty())
            .map(|r| format!("<{r}>"))
            .collect::<Vec<_>>()
            .join(",\r\n ")
    };
    let from: String = ctx
        .notice_from
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let domain: String = ctx
        .message_id_domain
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        .collect();
    let headers = vec![
        ("Date".to_string(), ctx.received_at.to_rfc2822()),
        (
            "From".to_string(),
            encode_header_text(&from, policy.output_charset),
        ),
        ("To".to_string(), to),
        (
            "Subject".to_string(),
            encode_header_text(
                "【mamori】受信メールを隔離しました (message quarantined)",
                policy.output_charset,
            ),
        ),
        ("Message-ID".to_string(), format!("<{id}.notice@{domain}>")),
    ];
    let (message, _) = compose(&Draft {
        headers: &[],
        extra_headers: &headers,
        mamori_header: &actions.join("; "),
        body: &body,
        attachments: &[],
        charset: match policy.output_charset {
            OutputCharset::Utf8 => OutputCharset::Utf8,
            OutputCharset::Iso2022Jp => OutputCharset::Iso2022Jp,
        },
    });
    Outcome {
        message,
        report: Report {
            status: Status::QuarantinedWhole,
            quarantine_id: Some(id.clone()),
            subject: None,
            body_source: BodySource::None,
            links_defanged: 0,
            attachments: Vec::new(),
            actions,
            warnings: vec![reason.clone()],
            notice_en: format!(
                "The message ({} bytes) was quarantined whole: {}. Quarantine ID: {id}",
                raw.len(),
                reason.en
            ),
            notice_ja: body,
        },
        quarantined: vec![QuarantineItem {
            name: "message.eml".into(),
            content_type: "message/rfc822".into(),
            bytes: raw.to_vec(),
            reason,
        }],
    }
}
