//! Wiring: the listener (one task per connection, limited), the queue workers (sanitise, deliver,
//! retry, bounce) and graceful shutdown on a future.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use mamori_core::Lang;
use mamori_sanitize::{SanitizeContext, sanitize};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, Notify, Semaphore, broadcast, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::bounce;
use crate::config::{Clock, RelayConfig};
use crate::event::RelayEvent;
use crate::queue::{Job, Next, Queue};
use crate::release::{self, Kept, QuarantineRecords};
use crate::smtp::line::{Line, read_line};
use crate::smtp::{Envelope, Reply, Session, SessionLimits, Step, client};
use crate::spool::{Entry, Spool, SpoolError, Stage};

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Spool(#[from] SpoolError),
}

impl RelayError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RelayError::Listen { addr, source }, Lang::Ja) => {
                format!("{addr} で待ち受けできません: {source}")
            }
            (RelayError::Listen { addr, source }, Lang::En) => {
                format!("cannot listen on {addr}: {source}")
            }
            (RelayError::Spool(e), lang) => e.message(lang),
        }
    }
}

/// Counters for monitoring and tests (messages, not recipients).
#[derive(Debug, Default)]
pub struct RelayStats {
    /// Acknowledged with 250 (durably spooled).
    pub accepted: AtomicU64,
    pub sanitized: AtomicU64,
    /// Messages with at least one quarantined original.
    pub quarantined: AtomicU64,
    /// Delivery attempts completed for all remaining recipients.
    pub delivered: AtomicU64,
    /// Delivery attempts that left recipients for a retry.
    pub deferred: AtomicU64,
    /// Bounces queued to senders.
    pub bounced: AtomicU64,
    /// Failed bounces (null sender) dropped: nobody to tell.
    pub dropped: AtomicU64,
    /// Spool or internal errors (the message stays in the spool and is retried).
    pub errors: AtomicU64,
}

impl RelayStats {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

pub(crate) struct Shared {
    events: broadcast::Sender<RelayEvent>,
    pub(crate) config: RelayConfig,
    pub(crate) spool: Spool,
    pub(crate) clock: Arc<dyn Clock>,
    queue: Mutex<Queue>,
    notify: Notify,
    stats: Arc<RelayStats>,
    /// With `--db`: the quarantine record and release workflow.
    pub(crate) records: Option<QuarantineRecords>,
}

impl Shared {
    pub(crate) fn emit(&self, event: RelayEvent) {
        // No subscriber is fine: events are for logs, the spool is the record.
        let _ = self.events.send(event);
    }

    async fn enqueue(&self, job: Job) {
        self.queue.lock().await.push(job);
        self.notify.notify_one();
    }
}

/// A bound relay: listening, spool recovered, not yet serving.
pub struct Relay {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Relay {
    /// Opens the spool (recovery scan: everything not delivered is queued again) and binds.
    pub async fn bind(config: RelayConfig, clock: Arc<dyn Clock>) -> Result<Relay, RelayError> {
        Relay::bind_with(config, clock, None).await
    }

    /// [`Relay::bind`], recording every quarantined message in the store and running the release
    /// workflow's relay side (delivering approved originals, purging expired ones).
    pub async fn bind_with(
        config: RelayConfig,
        clock: Arc<dyn Clock>,
        records: Option<QuarantineRecords>,
    ) -> Result<Relay, RelayError> {
        let dir = config.spool_dir.clone();
        let spool = blocking(move || Spool::open(dir)).await?;
        let mut queue = Queue::default();
        for (stage, id) in spool.pending()? {
            queue.push(Job {
                id,
                stage,
                failures: 0,
            });
        }
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| RelayError::Listen {
                    addr: config.listen,
                    source,
                })?;
        Ok(Relay {
            listener,
            shared: Arc::new(Shared {
                events: broadcast::channel(1024).0,
                config,
                spool,
                clock,
                queue: Mutex::new(queue),
                notify: Notify::new(),
                stats: Arc::new(RelayStats::default()),
                records,
            }),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Events for the operator's log (ja/en via `RelayEvent::message`). Subscribe before `run`;
    /// a subscriber that falls more than 1024 events behind misses the oldest.
    pub fn subscribe(&self) -> broadcast::Receiver<RelayEvent> {
        self.shared.events.subscribe()
    }

    pub fn stats(&self) -> Arc<RelayStats> {
        self.shared.stats.clone()
    }

    /// Serves until `shutdown` completes; then stops accepting, drops open connections (nothing
    /// unacknowledged is lost: the client retries) and lets workers finish their current message.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), RelayError> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut workers = JoinSet::new();
        for _ in 0..self.shared.config.workers.max(1) {
            workers.spawn(worker(self.shared.clone(), stop_rx.clone()));
        }
        if self.shared.records.is_some() {
            workers.spawn(release::poll(self.shared.clone(), stop_rx.clone()));
        }
        let slots = Arc::new(Semaphore::new(self.shared.config.limits.max_connections));
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    let shared = self.shared.clone();
                    match slots.clone().try_acquire_owned() {
                        Ok(permit) => {
                            connections.spawn(async move {
                                serve(stream, peer, shared).await;
                                drop(permit);
                            });
                        }
                        Err(_) => {
                            connections.spawn(async move { refuse(stream).await });
                        }
                    }
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.abort_all();
        let _ = stop_tx.send(true);
        while workers.join_next().await.is_some() {}
        Ok(())
    }
}

/// Binds and serves until `shutdown` completes: what `mamori relay` calls.
pub async fn run(
    config: RelayConfig,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RelayError> {
    Relay::bind(config, clock).await?.run(shutdown).await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SpoolError> + Send + 'static,
) -> Result<T, SpoolError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(SpoolError::Io {
            path: std::path::PathBuf::new(),
            source: std::io::Error::other(e.to_string()),
        }),
    }
}

async fn refuse(mut stream: TcpStream) {
    let reply = Reply::new(421, "4.7.0 Too many connections, try again later");
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.write_all(&reply.to_bytes()),
    )
    .await;
}

async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let cfg = &shared.config;
    let limits = &cfg.limits;
    let _ = stream.set_nodelay(true);
    let mut session = Session::new(SessionLimits {
        hostname: cfg.hostname.clone(),
        accept_domains: cfg.accept_domains.clone(),
        max_message_bytes: limits.max_message_bytes,
        max_recipients: limits.max_recipients,
        max_errors: limits.max_errors,
        tls_available: cfg.tls.is_some(),
        tls_required: cfg.tls.is_some() && cfg.require_tls,
    });
    let mut conn = BufReader::new(stream);
    let greeting = session.greeting().to_bytes();
    let end = converse(&mut conn, greeting, &mut session, &shared, peer, "ESMTP").await;
    let (End::StartTls, Some(tls)) = (end, &cfg.tls) else {
        return;
    };
    // Anything pipelined after STARTTLS arrived in plain text: never act on it (CVE-2011-0411).
    if !conn.buffer().is_empty() {
        return;
    }
    let handshake = tls.acceptor.accept(conn.into_inner());
    let Ok(Ok(stream)) = tokio::time::timeout(limits.command_timeout, handshake).await else {
        return;
    };
    session.tls_started();
    let mut conn = BufReader::new(stream);
    converse(&mut conn, Vec::new(), &mut session, &shared, peer, "ESMTPS").await;
}

enum End {
    Closed,
    StartTls,
}

/// The command loop over one transport (plain, then TLS after STARTTLS).
async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut BufReader<S>,
    mut out: Vec<u8>,
    session: &mut Session,
    shared: &Arc<Shared>,
    peer: SocketAddr,
    protocol: &str,
) -> End {
    let limits = &shared.config.limits;
    let timeout = limits.command_timeout;
    let mut helo = String::new();
    loop {
        // Pipelining: answer in order, but write only when the client has nothing more queued.
        if !out.is_empty() && conn.buffer().is_empty() {
            match tokio::time::timeout(timeout, conn.get_mut().write_all(&out)).await {
                Ok(Ok(())) => out.clear(),
                _ => return End::Closed,
            }
        }
        let max = if session.in_data() {
            limits.max_data_line
        } else {
            limits.max_command_line
        };
        let step = match tokio::time::timeout(timeout, read_line(conn, max)).await {
            Err(_) => Step::ReplyAndClose(session.timeout()),
            Ok(Err(_)) | Ok(Ok(Line::Eof)) => return End::Closed,
            Ok(Ok(Line::TooLong)) => session.line_too_long(),
            Ok(Ok(Line::Text(line))) => {
                let is_hello = line.len() > 5
                    && (line[..5].eq_ignore_ascii_case(b"EHLO ")
                        || line[..5].eq_ignore_ascii_case(b"HELO "));
                if is_hello && !session.in_data() {
                    helo = String::from_utf8_lossy(&line[5..]).trim().to_string();
                }
                session.line(&line)
            }
        };
        match step {
            Step::Nothing => {}
            Step::Reply(r) => out.extend_from_slice(&r.to_bytes()),
            Step::ReplyAndClose(r) => {
                out.extend_from_slice(&r.to_bytes());
                flush(conn.get_mut(), &out, timeout).await;
                return End::Closed;
            }
            Step::StartTls(r) => {
                out.extend_from_slice(&r.to_bytes());
                return if flush(conn.get_mut(), &out, timeout).await {
                    End::StartTls
                } else {
                    End::Closed
                };
            }
            Step::Message(envelope, body) => {
                let ok = accept(shared, &helo, peer, protocol, envelope, body).await;
                out.extend_from_slice(&session.stored(ok).to_bytes());
            }
        }
    }
}

async fn flush<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8], timeout: Duration) -> bool {
    let sent = tokio::time::timeout(timeout, async {
        w.write_all(bytes).await?;
        w.flush().await
    })
    .await;
    matches!(sent, Ok(Ok(())))
}

/// Durably spools a received message and queues it. Only after this returns true is 250 sent.
async fn accept(
    shared: &Arc<Shared>,
    helo: &str,
    peer: SocketAddr,
    protocol: &str,
    envelope: Envelope,
    body: Vec<u8>,
) -> bool {
    let now = shared.clock.now();
    let id = shared.spool.new_id(now);
    let received = format!(
        "Received: from {} ([{}])\r\n\tby {} (mamori) with {protocol} id {id};\r\n\t{}\r\n",
        sanitize_helo(helo),
        peer.ip(),
        shared.config.hostname,
        now.to_rfc2822()
    );
    let mut full = received.into_bytes();
    full.extend_from_slice(&body);
    let accepted = RelayEvent::Accepted {
        id: id.clone(),
        from: envelope.mail_from.clone(),
        recipients: envelope.rcpt_to.len(),
        bytes: body.len(),
    };
    let entry = Entry {
        envelope,
        received_at: Some(now),
        attempts: 0,
        body: full,
    };
    let s = shared.clone();
    let job_id = id.clone();
    let stored = blocking(move || s.spool.store(Stage::Incoming, &job_id, &entry)).await;
    match stored {
        Ok(()) => {
            bump(&shared.stats.accepted);
            shared.emit(accepted);
            shared
                .enqueue(Job {
                    id,
                    stage: Stage::Incoming,
                    failures: 0,
                })
                .await;
            true
        }
        Err(e) => {
            bump(&shared.stats.errors);
            shared.emit(RelayEvent::SpoolTrouble {
                id,
                detail: e.to_string(),
            });
            false
        }
    }
}

fn sanitize_helo(helo: &str) -> String {
    let s: String = helo
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        .take(255)
        .collect();
    if s.is_empty() { "unknown".into() } else { s }
}

async fn worker(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let next = shared.queue.lock().await.next(Instant::now());
        match next {
            Next::Run(job) => process(&shared, job).await,
            Next::WaitUntil(at) => {
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = shared.notify.notified() => {}
                    _ = stop.changed() => return,
                }
            }
            Next::Idle => {
                tokio::select! {
                    () = shared.notify.notified() => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

async fn process(shared: &Arc<Shared>, job: Job) {
    match job.stage {
        Stage::Incoming => {
            match sanitize_and_record(shared, &job.id).await {
                Ok((summary, quarantined)) => {
                    bump(&shared.stats.sanitized);
                    shared.emit(RelayEvent::Sanitized {
                        id: job.id.clone(),
                        summary,
                        quarantined,
                    });
                    // Straight on to delivery in this worker.
                    Box::pin(process(
                        shared,
                        Job {
                            stage: Stage::Sanitized,
                            ..job
                        },
                    ))
                    .await;
                }
                Err(e) => retry_later(shared, job, e).await,
            }
        }
        Stage::Sanitized => {
            if let Err(e) = deliver_stage(shared, &job).await {
                retry_later(shared, job, e).await;
            }
        }
    }
}

async fn retry_later(shared: &Arc<Shared>, job: Job, err: SpoolError) {
    bump(&shared.stats.errors);
    shared.emit(RelayEvent::SpoolTrouble {
        id: job.id.clone(),
        detail: err.to_string(),
    });
    if let SpoolError::Io { source, .. } = &err
        && source.kind() == std::io::ErrorKind::NotFound
    {
        // Removed from the spool by someone else: nothing left to do for it.
        return;
    }
    if let SpoolError::Corrupt(_) = err {
        let s = shared.clone();
        let (stage, id) = (job.stage, job.id.clone());
        let _ = blocking(move || s.spool.set_aside(stage, &id)).await;
        return;
    }
    let failures = job.failures + 1;
    let at = Instant::now() + shared.config.retry.delay(failures);
    shared
        .queue
        .lock()
        .await
        .push_at(at, Job { failures, ..job });
    shared.notify.notify_one();
}

/// incoming/ → quarantine/ (+ the store record, with `--db`) → sanitized/, then remove incoming/.
/// Idempotent if interrupted: until incoming/ is removed, everything is done again.
async fn sanitize_and_record(
    shared: &Arc<Shared>,
    id: &str,
) -> Result<(String, usize), SpoolError> {
    let s = shared.clone();
    let sid = id.to_string();
    let (next, kept, summary, quarantined) = blocking(move || sanitize_stage(&s, &sid)).await?;
    // Recorded before the message moves on, so a crash cannot leave an original unrecorded.
    if let (Some(records), Some(kept)) = (&shared.records, &kept) {
        release::record(records, id, kept, shared.clock.now())
            .await
            .map_err(|e| SpoolError::Io {
                path: shared.spool.quarantine_dir(id),
                source: std::io::Error::other(format!("quarantine record: {e}")),
            })?;
    }
    let s = shared.clone();
    let sid = id.to_string();
    blocking(move || {
        s.spool.store(Stage::Sanitized, &sid, &next)?;
        s.spool.remove(Stage::Incoming, &sid)
    })
    .await?;
    Ok((summary, quarantined))
}

/// Sanitises and keeps the originals: returns the sanitised entry, what was kept, the summary
/// and the number of quarantined originals.
fn sanitize_stage(
    shared: &Shared,
    id: &str,
) -> Result<(Entry, Option<Kept>, String, usize), SpoolError> {
    let spool = &shared.spool;
    let entry = spool.read(Stage::Incoming, id)?;
    let cfg = &shared.config;
    let received_at = entry.received_at.unwrap_or_else(|| shared.clock.now());
    let mut ctx = SanitizeContext::new(id, received_at);
    ctx.notice_from = format!("mamori <postmaster@{}>", cfg.hostname);
    ctx.message_id_domain = cfg.hostname.clone();
    ctx.envelope_recipients = entry.envelope.rcpt_to.clone();
    let outcome = sanitize(&entry.body, &cfg.policy, &ctx);
    let mut kept = None;
    if !outcome.quarantined.is_empty() {
        let mut files: Vec<(String, Vec<u8>)> = outcome
            .quarantined
            .iter()
            .enumerate()
            .map(|(i, q)| (format!("{i}-{}", safe_file_name(&q.name)), q.bytes.clone()))
            .collect();
        // The whole message as received: what a release delivers.
        files.push((release::ORIGINAL.to_string(), entry.body.clone()));
        spool.store_quarantine(id, &files, &outcome.report.to_json())?;
        bump(&shared.stats.quarantined);
        kept = Some(Kept::new(spool, id, &entry, &outcome, received_at));
    }
    let summary = outcome.report.header_value();
    let quarantined = outcome.quarantined.len();
    let next = Entry {
        envelope: entry.envelope,
        received_at: entry.received_at,
        attempts: 0,
        body: outcome.message,
    };
    Ok((next, kept, summary, quarantined))
}

fn safe_file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() { "original".into() } else { s }
}

async fn deliver_stage(shared: &Arc<Shared>, job: &Job) -> Result<(), SpoolError> {
    let s = shared.clone();
    let id = job.id.clone();
    let entry = blocking(move || s.spool.read(Stage::Sanitized, &id)).await?;
    let cfg = &shared.config;
    let attempt = client::deliver(
        &cfg.deliver,
        &cfg.hostname,
        cfg.deliver_timeout,
        &entry.envelope.mail_from,
        &entry.envelope.rcpt_to,
        &entry.body,
    )
    .await;
    // The spool's count survives restarts; the in-memory one covers a failed rewrite.
    let failed_before = job.failures.max(entry.attempts);
    let mut failed = attempt.permanent;
    let gave_up = !attempt.temporary.is_empty() && failed_before + 1 >= cfg.retry.max_attempts;
    if gave_up {
        failed.extend(attempt.temporary.iter().cloned());
    }
    // Order matters for "never lost": the bounce is durable before the original is rewritten or
    // removed. A crash in between repeats the bounce, never drops it.
    if !failed.is_empty() {
        if entry.envelope.mail_from.is_empty() {
            bump(&shared.stats.dropped);
            shared.emit(RelayEvent::Dropped {
                id: job.id.clone(),
                reason: failed
                    .iter()
                    .map(|(r, why)| format!("<{r}>: {why}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        } else {
            let now = shared.clock.now();
            let bounce_id = shared.spool.new_id(now);
            let bounce = Entry {
                envelope: Envelope {
                    mail_from: String::new(),
                    rcpt_to: vec![entry.envelope.mail_from.clone()],
                },
                received_at: Some(now),
                attempts: 0,
                body: bounce::build(
                    &cfg.hostname,
                    &job.id,
                    &entry.envelope.mail_from,
                    &failed,
                    &entry.body,
                    entry.received_at,
                    now,
                ),
            };
            let s = shared.clone();
            let bid = bounce_id.clone();
            blocking(move || s.spool.store(Stage::Sanitized, &bid, &bounce)).await?;
            bump(&shared.stats.bounced);
            shared.emit(RelayEvent::Bounced {
                id: job.id.clone(),
                bounce_id: bounce_id.clone(),
                recipients: failed.iter().map(|(r, _)| r.clone()).collect(),
            });
            shared
                .enqueue(Job {
                    id: bounce_id,
                    stage: Stage::Sanitized,
                    failures: 0,
                })
                .await;
        }
    }
    if !attempt.delivered.is_empty() {
        shared.emit(RelayEvent::Delivered {
            id: job.id.clone(),
            recipients: attempt.delivered.clone(),
        });
    }
    if attempt.temporary.is_empty() || gave_up {
        let s = shared.clone();
        let id = job.id.clone();
        blocking(move || s.spool.remove(Stage::Sanitized, &id)).await?;
        if failed.is_empty() {
            bump(&shared.stats.delivered);
        }
        return Ok(());
    }
    bump(&shared.stats.deferred);
    let failures = failed_before + 1;
    let delay = cfg.retry.delay(failures);
    shared.emit(RelayEvent::Deferred {
        id: job.id.clone(),
        reason: attempt
            .temporary
            .first()
            .map(|(_, why)| why.clone())
            .unwrap_or_default(),
        retry_secs: delay.as_secs(),
    });
    // Rewritten atomically: the recipients still to do and the attempt count.
    let remaining: Vec<String> = attempt.temporary.into_iter().map(|(r, _)| r).collect();
    let s = shared.clone();
    let id = job.id.clone();
    let rewritten = Entry {
        envelope: Envelope {
            mail_from: entry.envelope.mail_from,
            rcpt_to: remaining,
        },
        received_at: entry.received_at,
        attempts: failures,
        body: entry.body,
    };
    blocking(move || s.spool.store(Stage::Sanitized, &id, &rewritten)).await?;
    let at = Instant::now() + delay;
    shared.queue.lock().await.push_at(
        at,
        Job {
            failures,
            ..job.clone()
        },
    );
    shared.notify.notify_one();
    Ok(())
}
