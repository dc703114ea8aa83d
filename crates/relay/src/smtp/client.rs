//! A small SMTP client for one known next hop (the LGWAN-side MTA). Written here rather than taken
//! from lettre/mail-send because the relay needs per-recipient 4xx/5xx results and the null
//! reverse-path for bounces, exactly, with every step under a timeout; that is ~150 lines.

use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::line::{Line, read_line};
use super::reply::Reply;

/// The result of one delivery attempt, per recipient.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempt {
    pub delivered: Vec<String>,
    /// 4xx or connection trouble: try again later.
    pub temporary: Vec<(String, String)>,
    /// 5xx: bounce.
    pub permanent: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
enum Fail {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("timeout after {0:?}")]
    Timeout(Duration),
    #[error("connection closed")]
    Closed,
    #[error("bad reply line")]
    BadReply,
}

struct Conn {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
    timeout: Duration,
}

impl Conn {
    async fn reply(&mut self) -> Result<Reply, Fail> {
        let mut lines = Vec::new();
        loop {
            let line = tokio::time::timeout(self.timeout, read_line(&mut self.reader, 4096))
                .await
                .map_err(|_| Fail::Timeout(self.timeout))??;
            let Line::Text(line) = line else {
                return Err(match line {
                    Line::Eof => Fail::Closed,
                    _ => Fail::BadReply,
                });
            };
            let text = String::from_utf8_lossy(&line).into_owned();
            let code: u16 = text
                .get(..3)
                .and_then(|c| c.parse().ok())
                .ok_or(Fail::BadReply)?;
            let more = text.as_bytes().get(3) == Some(&b'-');
            lines.push(text.get(4..).unwrap_or("").to_string());
            if !more {
                return Ok(Reply::multi(code, lines));
            }
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        tokio::time::timeout(self.timeout, self.writer.write_all(bytes))
            .await
            .map_err(|_| Fail::Timeout(self.timeout))??;
        Ok(())
    }

    async fn command(&mut self, cmd: &str) -> Result<Reply, Fail> {
        self.send(format!("{cmd}\r\n").as_bytes()).await?;
        self.reply().await
    }
}

/// Dot-stuffs the message and makes sure it ends with CRLF, then the terminating ".".
pub fn dot_stuff(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 50 + 5);
    let mut at_line_start = true;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\n' && (i == 0 || body[i - 1] != b'\r') {
            out.push(b'\r');
        }
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// Delivers one message to `addr` (host:port). Never fails as a whole: trouble becomes per-recipient
/// temporary or permanent results.
pub async fn deliver(
    addr: &str,
    helo: &str,
    timeout: Duration,
    mail_from: &str,
    rcpt_to: &[String],
    body: &[u8],
) -> Attempt {
    match try_deliver(addr, helo, timeout, mail_from, rcpt_to, body).await {
        Ok(attempt) => attempt,
        Err(e) => Attempt {
            temporary: rcpt_to
                .iter()
                .map(|r| (r.clone(), format!("{addr}: {e}")))
                .collect(),
            ..Attempt::default()
        },
    }
}

async fn try_deliver(
    addr: &str,
    helo: &str,
    timeout: Duration,
    mail_from: &str,
    rcpt_to: &[String],
    body: &[u8],
) -> Result<Attempt, Fail> {
    let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| Fail::Timeout(timeout))??;
    stream.set_nodelay(true)?;
    let (r, w) = stream.into_split();
    let mut c = Conn {
        reader: BufReader::new(r),
        writer: w,
        timeout,
    };
    let all = |reply: &Reply| -> Vec<(String, String)> {
        rcpt_to
            .iter()
            .map(|r| (r.clone(), reply.summary()))
            .collect()
    };
    let fail_all = |reply: &Reply| -> Attempt {
        if reply.is_permanent() {
            Attempt {
                permanent: all(reply),
                ..Attempt::default()
            }
        } else {
            Attempt {
                temporary: all(reply),
                ..Attempt::default()
            }
        }
    };
    let greeting = c.reply().await?;
    if greeting.code != 220 {
        return Ok(fail_all(&greeting));
    }
    let mut hello = c.command(&format!("EHLO {helo}")).await?;
    if hello.code != 250 {
        hello = c.command(&format!("HELO {helo}")).await?;
        if hello.code != 250 {
            return Ok(fail_all(&hello));
        }
    }
    let mail = c.command(&format!("MAIL FROM:<{mail_from}>")).await?;
    if mail.code != 250 {
        return Ok(fail_all(&mail));
    }
    let mut attempt = Attempt::default();
    let mut accepted = Vec::new();
    for rcpt in rcpt_to {
        let reply = c.command(&format!("RCPT TO:<{rcpt}>")).await?;
        if reply.is_positive() {
            accepted.push(rcpt.clone());
        } else if reply.is_permanent() {
            attempt.permanent.push((rcpt.clone(), reply.summary()));
        } else {
            attempt.temporary.push((rcpt.clone(), reply.summary()));
        }
    }
    if accepted.is_empty() {
        let _ = c.command("QUIT").await;
        return Ok(attempt);
    }
    let data = c.command("DATA").await?;
    if data.code != 354 {
        let mut failed = fail_all(&data);
        failed.permanent.retain(|(r, _)| accepted.contains(r));
        failed.temporary.retain(|(r, _)| accepted.contains(r));
        attempt.permanent.extend(failed.permanent);
        attempt.temporary.extend(failed.temporary);
        return Ok(attempt);
    }
    c.send(&dot_stuff(body)).await?;
    // If the connection breaks here the message may or may not have been taken: we retry, so the
    // next hop may get it twice (at-least-once, never lost).
    let done = c.reply().await?;
    if done.code == 250 {
        attempt.delivered = accepted;
    } else {
        let reason = done.summary();
        let list = accepted.into_iter().map(|r| (r, reason.clone()));
        if done.is_permanent() {
            attempt.permanent.extend(list);
        } else {
            attempt.temporary.extend(list);
        }
    }
    let _ = c.command("QUIT").await;
    Ok(attempt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_and_line_endings() {
        assert_eq!(dot_stuff(b".a\r\nb\n.\n"), b"..a\r\nb\r\n..\r\n.\r\n");
        assert_eq!(dot_stuff(b"x"), b"x\r\n.\r\n");
        assert_eq!(dot_stuff(b""), b".\r\n");
    }
}
