#![no_main]
//! Any bytes in: the sanitiser must not panic (a caught panic counts as a crash here), and the
//! output must parse as MIME with no text/html part.

use libfuzzer_sys::fuzz_target;
use mail_parser::{MessageParser, MimeHeaders};
use mamori_sanitize::{Policy, SanitizeContext, sanitize};

fuzz_target!(|data: &[u8]| {
    let ctx = SanitizeContext::new("Q-FUZZ", chrono::DateTime::UNIX_EPOCH.fixed_offset());
    for policy in [Policy::default(), Policy::recommended()] {
        let out = sanitize(data, &policy, &ctx);
        assert!(!out.report.actions.iter().any(|a| a == "internal-fault"));
        let msg = MessageParser::default()
            .parse(&out.message)
            .expect("output parses");
        for part in &msg.parts {
            if let Some(ct) = part.content_type() {
                assert!(
                    !(ct.ctype().eq_ignore_ascii_case("text")
                        && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("html")))
                );
            }
        }
    }
});
