//! Test support: a tiny SMTP sink standing in for the LGWAN-side MTA, and helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct SinkMessage {
    pub from: String,
    pub rcpt: Vec<String>,
    pub data: Vec<u8>,
}

impl SinkMessage {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// Accepts everything except recipients starting with `unknown` (550 5.1.1); answers 451 to the
/// end of DATA while `tempfail` is above zero. Each accepted message is written to `dir` too.
pub struct Sink {
    pub addr: String,
    pub messages: Arc<Mutex<Vec<SinkMessage>>>,
    pub tempfail: Arc<AtomicUsize>,
    pub data_attempts: Arc<AtomicUsize>,
}

impl Sink {
    pub async fn start(dir: PathBuf) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let tempfail = Arc::new(AtomicUsize::new(0));
        let data_attempts = Arc::new(AtomicUsize::new(0));
        let (m, t, a) = (messages.clone(), tempfail.clone(), data_attempts.clone());
        std::fs::create_dir_all(&dir).unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (m, t, a, dir) = (m.clone(), t.clone(), a.clone(), dir.clone());
                tokio::spawn(async move {
                    let _ = sink_conn(stream, m, t, a, dir).await;
                });
            }
        });
        Sink {
            addr,
            messages,
            tempfail,
            data_attempts,
        }
    }

    pub fn received(&self) -> Vec<SinkMessage> {
        self.messages.lock().unwrap().clone()
    }
}

async fn sink_conn(
    stream: tokio::net::TcpStream,
    messages: Arc<Mutex<Vec<SinkMessage>>>,
    tempfail: Arc<AtomicUsize>,
    attempts: Arc<AtomicUsize>,
    dir: PathBuf,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink ESMTP\r\n").await?;
    let (mut from, mut rcpt) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250 sink\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = between(&cmd);
            rcpt.clear();
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let to = between(&cmd);
            if to.starts_with("unknown") {
                b"550 5.1.1 no such user\r\n"
            } else {
                rcpt.push(to);
                b"250 ok\r\n"
            }
        } else if upper == "DATA" {
            w.write_all(b"354 go\r\n").await?;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                if r.read_until(b'\n', &mut l).await? == 0 {
                    return Ok(());
                }
                if l == b".\r\n" {
                    break;
                }
                let l = l.strip_prefix(b".").unwrap_or(&l);
                data.extend_from_slice(l);
            }
            attempts.fetch_add(1, Ordering::SeqCst);
            let fail = tempfail
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if fail {
                b"451 4.3.0 try later\r\n"
            } else {
                let mut list = messages.lock().unwrap();
                std::fs::write(dir.join(format!("{}.eml", list.len())), &data)?;
                list.push(SinkMessage {
                    from: from.clone(),
                    rcpt: rcpt.clone(),
                    data,
                });
                b"250 ok queued\r\n"
            }
        } else if upper == "QUIT" {
            w.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 ok\r\n"
        };
        w.write_all(reply).await?;
    }
}

fn between(cmd: &str) -> String {
    let start = cmd.find('<').map_or(0, |i| i + 1);
    let end = cmd.rfind('>').unwrap_or(cmd.len());
    cmd[start..end].to_string()
}

/// Polls `cond` every 20 ms for at most `limit`.
pub async fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

pub fn test_config(spool: PathBuf, deliver: &str) -> mamori_relay::RelayConfig {
    let mut cfg = mamori_relay::RelayConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        deliver,
        spool,
        vec!["city.example.lg.jp".into()],
    );
    cfg.hostname = "relay.test".into();
    cfg.retry = mamori_relay::RetrySchedule {
        initial: Duration::from_millis(50),
        factor: 2,
        max_delay: Duration::from_millis(200),
        max_attempts: 5,
    };
    cfg.deliver_timeout = Duration::from_secs(3);
    cfg.workers = 2;
    cfg
}

pub fn html_mail(subject: &str) -> Vec<u8> {
    format!(
        "From: Sender <a@internet.example>\r\n\
         To: <taro@city.example.lg.jp>\r\n\
         Subject: {subject}\r\n\
         Message-ID: <{subject}@internet.example>\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         \r\n\
         <html><body><p>Hello {subject}</p><script>alert(1)</script>\r\n\
         <a href=\"http://evil.example/x\">click</a>\r\n\
         .a line starting with a dot\r\n\
         </body></html>\r\n"
    )
    .into_bytes()
}

/// The text/plain body of a single-part sanitised message (base64, as the sanitiser writes it).
pub fn decoded_body(message: &str) -> String {
    use base64::Engine;
    let (_, body) = message.split_once("\r\n\r\n").unwrap();
    let joined: String = body.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(joined)
        .unwrap();
    String::from_utf8(bytes).unwrap()
}
