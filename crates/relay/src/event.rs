//! What the relay did, for the operator's log: one event per step of a message, in Japanese and
//! English. The library never prints; the binary subscribes and writes the lines.

use mamori_core::Lang;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// 250 sent: the message is durably in the spool.
    Accepted {
        id: String,
        from: String,
        recipients: usize,
        bytes: usize,
    },
    /// 無害化 done; `quarantined` originals kept under the spool's quarantine/<id>/.
    Sanitized {
        id: String,
        summary: String,
        quarantined: usize,
    },
    Delivered {
        id: String,
        recipients: Vec<String>,
    },
    /// Temporary failure; the next attempt is in `retry_secs`.
    Deferred {
        id: String,
        reason: String,
        retry_secs: u64,
    },
    /// A bounce `bounce_id` was queued to the sender for these recipients.
    Bounced {
        id: String,
        bounce_id: String,
        recipients: Vec<String>,
    },
    /// A bounce could not be delivered (null sender): nobody to tell.
    Dropped {
        id: String,
        reason: String,
    },
    /// Spool trouble; the message stays in the spool and is tried again.
    SpoolTrouble {
        id: String,
        detail: String,
    },
    /// An approved original was delivered to the recipient who asked for it.
    Released {
        id: String,
        to: String,
    },
    /// Releasing or purging a quarantined original failed; tried again at the next poll.
    QuarantineTrouble {
        id: String,
        detail: String,
    },
    /// An original past its retention was purged from the spool.
    Purged {
        id: String,
    },
}

impl RelayEvent {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (
                RelayEvent::Accepted {
                    id,
                    from,
                    recipients,
                    bytes,
                },
                Lang::Ja,
            ) => format!(
                "{id}: 受信しスプールに保存しました（差出人 <{from}>、宛先 {recipients} 件、{bytes} バイト）"
            ),
            (
                RelayEvent::Accepted {
                    id,
                    from,
                    recipients,
                    bytes,
                },
                Lang::En,
            ) => format!(
                "{id}: accepted and spooled (from <{from}>, {recipients} recipient(s), {bytes} bytes)"
            ),
            (
                RelayEvent::Sanitized {
                    id,
                    summary,
                    quarantined,
                },
                Lang::Ja,
            ) => format!("{id}: 無害化しました（{summary}、隔離 {quarantined} 件）"),
            (
                RelayEvent::Sanitized {
                    id,
                    summary,
                    quarantined,
                },
                Lang::En,
            ) => format!("{id}: sanitised ({summary}; {quarantined} original(s) quarantined)"),
            (RelayEvent::Delivered { id, recipients }, Lang::Ja) => {
                format!("{id}: 配送しました（{}）", recipients.join(", "))
            }
            (RelayEvent::Delivered { id, recipients }, Lang::En) => {
                format!("{id}: delivered to {}", recipients.join(", "))
            }
            (
                RelayEvent::Deferred {
                    id,
                    reason,
                    retry_secs,
                },
                Lang::Ja,
            ) => format!("{id}: 一時的に配送できません（{reason}）。{retry_secs} 秒後に再送します"),
            (
                RelayEvent::Deferred {
                    id,
                    reason,
                    retry_secs,
                },
                Lang::En,
            ) => format!("{id}: deferred ({reason}); next attempt in {retry_secs} s"),
            (
                RelayEvent::Bounced {
                    id,
                    bounce_id,
                    recipients,
                },
                Lang::Ja,
            ) => format!(
                "{id}: 配送できない宛先（{}）があるため、差出人へ配送不能通知 {bounce_id} を送ります",
                recipients.join(", ")
            ),
            (
                RelayEvent::Bounced {
                    id,
                    bounce_id,
                    recipients,
                },
                Lang::En,
            ) => format!(
                "{id}: undeliverable to {}; bounce {bounce_id} queued to the sender",
                recipients.join(", ")
            ),
            (RelayEvent::Dropped { id, reason }, Lang::Ja) => {
                format!("{id}: 配送不能通知を配送できず、破棄しました（{reason}）")
            }
            (RelayEvent::Dropped { id, reason }, Lang::En) => {
                format!("{id}: undeliverable bounce dropped ({reason})")
            }
            (RelayEvent::SpoolTrouble { id, detail }, Lang::Ja) => {
                format!("{id}: スプールの処理に失敗しました。後で再試行します（{detail}）")
            }
            (RelayEvent::SpoolTrouble { id, detail }, Lang::En) => {
                format!("{id}: spool trouble, will try again ({detail})")
            }
            (RelayEvent::Released { id, to }, Lang::Ja) => {
                format!("{id}: 承認された原本を <{to}> に配送しました")
            }
            (RelayEvent::Released { id, to }, Lang::En) => {
                format!("{id}: approved original delivered to <{to}>")
            }
            (RelayEvent::QuarantineTrouble { id, detail }, Lang::Ja) => {
                format!("{id}: 隔離した原本の処理に失敗しました。次回再試行します（{detail}）")
            }
            (RelayEvent::QuarantineTrouble { id, detail }, Lang::En) => {
                format!("{id}: quarantine trouble, will try again ({detail})")
            }
            (RelayEvent::Purged { id }, Lang::Ja) => {
                format!("{id}: 保存期間を過ぎた原本を削除しました")
            }
            (RelayEvent::Purged { id }, Lang::En) => {
                format!("{id}: original purged after its retention period")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_in_both_languages() {
        let e = RelayEvent::Deferred {
            id: "Q1".into(),
            reason: "451 try later".into(),
            retry_secs: 60,
        };
        assert_eq!(
            e.message(Lang::Ja),
            "Q1: 一時的に配送できません（451 try later）。60 秒後に再送します"
        );
        assert_eq!(
            e.message(Lang::En),
            "Q1: deferred (451 try later); next attempt in 60 s"
        );
    }
}
