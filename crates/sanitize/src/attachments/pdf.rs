//! PDF: text extraction is not implemented (no PDF crate was judged safe and bounded enough for
//! this release), so `convert` falls back per policy — quarantine by default — and says so.

use mamori_core::Text;

pub(crate) fn unsupported() -> Text {
    Text::new(
        "PDF のテキスト抽出には未対応",
        "PDF text extraction is not supported yet",
    )
}
