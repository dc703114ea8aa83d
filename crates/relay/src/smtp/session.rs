//! The server side of ESMTP as a pure state machine: one input line in, at most one step out.
//! No sockets here, so every rule (sequence, limits, relay control) is unit-tested directly.

use super::reply::Reply;

/// What the server accepts; set by the relay from its configuration.
#[derive(Debug, Clone)]
pub struct SessionLimits {
    /// Name used in the greeting and EHLO reply.
    pub hostname: String,
    /// Recipient domains accepted (lower case). Anything else is relay-denied (550 5.7.1).
    pub accept_domains: Vec<String>,
    /// Largest message accepted (bytes of DATA after dot-unstuffing).
    pub max_message_bytes: usize,
    /// Recipients per transaction.
    pub max_recipients: usize,
    /// Command errors tolerated before the connection is closed (421).
    pub max_errors: usize,
    /// A certificate is configured: advertise and accept STARTTLS.
    pub tls_available: bool,
    /// Refuse MAIL until STARTTLS has been done (530 5.7.0).
    pub tls_required: bool,
}

/// The SMTP envelope of one accepted message. `mail_from` is empty for the null reverse-path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
}

/// What the connection handler must do after feeding one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A DATA line was consumed; nothing to send.
    Nothing,
    Reply(Reply),
    /// Send the reply, then close the connection.
    ReplyAndClose(Reply),
    /// Send the reply (220), then start the TLS handshake and call `Session::tls_started`.
    StartTls(Reply),
    /// The message is complete: store it durably, then send `Session::stored`'s reply.
    Message(Envelope, Vec<u8>),
}

#[derive(Debug)]
enum State {
    /// Connected, no HELO/EHLO yet.
    Fresh,
    Ready,
    Mail {
        from: String,
    },
    Rcpt {
        from: String,
        rcpt: Vec<String>,
    },
    Data(DataState),
}

#[derive(Debug)]
struct DataState {
    envelope: Envelope,
    body: Vec<u8>,
    too_big: bool,
    line_too_long: bool,
}

#[derive(Debug)]
pub struct Session {
    limits: SessionLimits,
    state: State,
    errors: usize,
    tls_active: bool,
}

impl Session {
    pub fn new(limits: SessionLimits) -> Session {
        Session {
            limits,
            state: State::Fresh,
            errors: 0,
            tls_active: false,
        }
    }

    pub fn greeting(&self) -> Reply {
        Reply::new(
            220,
            format!("{} ESMTP mamori sanitising relay", self.limits.hostname),
        )
    }

    /// After a successful handshake: RFC 3207 says forget everything said before it.
    pub fn tls_started(&mut self) {
        self.state = State::Fresh;
        self.tls_active = true;
    }

    /// True while the message text is being received (lines are data, not commands).
    pub fn in_data(&self) -> bool {
        matches!(self.state, State::Data(_))
    }

    /// The reply after the relay tried to store a completed message.
    pub fn stored(&mut self, ok: bool) -> Reply {
        self.state = State::Ready;
        if ok {
            Reply::new(250, "2.0.0 Ok: queued")
        } else {
            Reply::new(
                451,
                "4.3.0 Error: could not store the message, try again later",
            )
        }
    }

    /// A line (without its CRLF/LF) longer than the limit was received and discarded.
    pub fn line_too_long(&mut self) -> Step {
        if let State::Data(d) = &mut self.state {
            d.line_too_long = true;
            return Step::Nothing;
        }
        self.error(Reply::new(500, "5.5.2 Error: line too long"))
    }

    /// The peer was silent for too long.
    pub fn timeout(&self) -> Reply {
        Reply::new(421, "4.4.2 Error: timeout exceeded, closing connection")
    }

    pub fn line(&mut self, line: &[u8]) -> Step {
        if let State::Data(d) = &mut self.state {
            return data_line(d, line, self.limits.max_message_bytes).map_or(Step::Nothing, |d| {
                self.state = State::Ready;
                finish_data(d)
            });
        }
        let Ok(text) = std::str::from_utf8(line) else {
            return self.error(Reply::new(500, "5.5.2 Error: command is not valid text"));
        };
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v, a.trim()),
            None => (text.trim(), ""),
        };
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" if arg.is_empty() => {
                self.error(Reply::new(501, "5.5.4 Syntax: EHLO hostname"))
            }
            "EHLO" => {
                self.state = State::Ready;
                let mut lines = vec![
                    self.limits.hostname.clone(),
                    format!("SIZE {}", self.limits.max_message_bytes),
                    "8BITMIME".into(),
                    "PIPELINING".into(),
                ];
                if self.limits.tls_available && !self.tls_active {
                    lines.push("STARTTLS".into());
                }
                lines.push("ENHANCEDSTATUSCODES".into());
                Step::Reply(Reply::multi(250, lines))
            }
            "HELO" => {
                self.state = State::Ready;
                Step::Reply(Reply::new(250, self.limits.hostname.clone()))
            }
            "STARTTLS" => self.starttls(arg),
            "MAIL" => self.mail(arg),
            "RCPT" => self.rcpt(arg),
            "DATA" => self.data(arg),
            "RSET" => {
                if !matches!(self.state, State::Fresh) {
                    self.state = State::Ready;
                }
                Step::Reply(Reply::new(250, "2.0.0 Ok"))
            }
            "NOOP" => Step::Reply(Reply::new(250, "2.0.0 Ok")),
            "VRFY" => Step::Reply(Reply::new(252, "2.0.0 Cannot verify, send some mail")),
            "HELP" => Step::Reply(Reply::new(214, "2.0.0 See RFC 5321")),
            "QUIT" => Step::ReplyAndClose(Reply::new(221, "2.0.0 Bye")),
            _ => self.error(Reply::new(500, "5.5.2 Error: command not recognized")),
        }
    }

    fn starttls(&mut self, arg: &str) -> Step {
        if !self.limits.tls_available {
            return self.error(Reply::new(502, "5.5.1 Error: STARTTLS not available"));
        }
        if self.tls_active {
            return self.error(Reply::new(503, "5.5.1 Error: TLS already active"));
        }
        if !arg.is_empty() {
            return self.error(Reply::new(501, "5.5.4 Syntax: STARTTLS"));
        }
        if !matches!(self.state, State::Ready) {
            return self.error(Reply::new(
                503,
                "5.5.1 Error: send EHLO first, outside a transaction",
            ));
        }
        Step::StartTls(Reply::new(220, "2.0.0 Ready to start TLS"))
    }

    fn mail(&mut self, arg: &str) -> Step {
        if self.limits.tls_required && !self.tls_active && !matches!(self.state, State::Fresh) {
            return self.error(Reply::new(530, "5.7.0 Must issue a STARTTLS command first"));
        }
        match self.state {
            State::Fresh => {
                return self.error(Reply::new(503, "5.5.1 Error: send HELO/EHLO first"));
            }
            State::Ready => {}
            _ => return self.error(Reply::new(503, "5.5.1 Error: nested MAIL command")),
        }
        let Some(rest) = strip_prefix_ci(arg, "FROM:") else {
            return self.error(Reply::new(501, "5.5.4 Syntax: MAIL FROM:<address>"));
        };
        let Some((addr, params)) = parse_path(rest) else {
            return self.error(Reply::new(501, "5.1.7 Bad sender address syntax"));
        };
        for param in params.split_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => match value.parse::<u64>() {
                    Ok(n) if n > self.limits.max_message_bytes as u64 => {
                        return self
                            .error(Reply::new(552, "5.3.4 Message size exceeds fixed limit"));
                    }
                    Ok(_) => {}
                    Err(_) => return self.error(Reply::new(501, "5.5.4 Bad SIZE parameter")),
                },
                "BODY" if matches!(value.to_ascii_uppercase().as_str(), "7BIT" | "8BITMIME") => {}
                _ => {
                    return self.error(Reply::new(555, "5.5.4 Unsupported MAIL parameter"));
                }
            }
        }
        self.state = State::Mail { from: addr };
        Step::Reply(Reply::new(250, "2.1.0 Ok"))
    }

    fn rcpt(&mut self, arg: &str) -> Step {
        let (from, mut rcpt) = match std::mem::replace(&mut self.state, State::Ready) {
            State::Mail { from } => (from, Vec::new()),
            State::Rcpt { from, rcpt } => (from, rcpt),
            other => {
                self.state = other;
                return self.error(Reply::new(503, "5.5.1 Error: need MAIL command"));
            }
        };
        let reply = match strip_prefix_ci(arg, "TO:").and_then(parse_path) {
            None => Err(Reply::new(501, "5.1.3 Bad recipient address syntax")),
            Some((addr, params)) if !params.is_empty() => {
                let _ = addr;
                Err(Reply::new(555, "5.5.4 Unsupported RCPT parameter"))
            }
            Some((addr, _)) if addr.is_empty() => {
                Err(Reply::new(501, "5.1.3 Bad recipient address syntax"))
            }
            Some((addr, _)) if !self.domain_accepted(&addr) => {
                Err(Reply::new(550, "5.7.1 Relay access denied"))
            }
            Some(_) if rcpt.len() >= self.limits.max_recipients => {
                Err(Reply::new(452, "4.5.3 Error: too many recipients"))
            }
            Some((addr, _)) => {
                rcpt.push(addr);
                Ok(Reply::new(250, "2.1.5 Ok"))
            }
        };
        self.state = if rcpt.is_empty() {
            State::Mail { from }
        } else {
            State::Rcpt { from, rcpt }
        };
        match reply {
            Ok(r) => Step::Reply(r),
            // A refused recipient is the peer's business, not a protocol error: no error count.
            Err(r) if r.code == 550 || r.code == 452 => Step::Reply(r),
            Err(r) => self.error(r),
        }
    }

    fn data(&mut self, arg: &str) -> Step {
        if !arg.is_empty() {
            return self.error(Reply::new(501, "5.5.4 Syntax: DATA"));
        }
        match std::mem::replace(&mut self.state, State::Ready) {
            State::Rcpt { from, rcpt } => {
                self.state = State::Data(DataState {
                    envelope: Envelope {
                        mail_from: from,
                        rcpt_to: rcpt,
                    },
                    body: Vec::new(),
                    too_big: false,
                    line_too_long: false,
                });
                Step::Reply(Reply::new(354, "End data with <CR><LF>.<CR><LF>"))
            }
            other => {
                self.state = other;
                self.error(Reply::new(503, "5.5.1 Error: need RCPT command"))
            }
        }
    }

    fn domain_accepted(&self, addr: &str) -> bool {
        let Some((_, domain)) = addr.rsplit_once('@') else {
            return false;
        };
        let domain = domain.to_ascii_lowercase();
        self.limits
            .accept_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&domain))
    }

    fn error(&mut self, reply: Reply) -> Step {
        self.errors += 1;
        if self.errors > self.limits.max_errors {
            Step::ReplyAndClose(Reply::new(421, "4.7.0 Error: too many errors"))
        } else {
            Step::Reply(reply)
        }
    }
}

/// Consumes one DATA line; returns the finished state on the terminating ".".
fn data_line(d: &mut DataState, line: &[u8], max: usize) -> Option<DataState> {
    if line == b"." {
        return Some(std::mem::replace(
            d,
            DataState {
                envelope: Envelope {
                    mail_from: String::new(),
                    rcpt_to: Vec::new(),
                },
                body: Vec::new(),
                too_big: false,
                line_too_long: false,
            },
        ));
    }
    let line = line.strip_prefix(b".").unwrap_or(line);
    if d.too_big || d.body.len() + line.len() + 2 > max {
        d.too_big = true;
        d.body = Vec::new();
        return None;
    }
    d.body.extend_from_slice(line);
    d.body.extend_from_slice(b"\r\n");
    None
}

fn finish_data(d: DataState) -> Step {
    if d.too_big {
        return Step::Reply(Reply::new(552, "5.3.4 Message size exceeds fixed limit"));
    }
    if d.line_too_long {
        return Step::Reply(Reply::new(
            554,
            "5.6.0 Message contains a line longer than the limit",
        ));
    }
    Step::Message(d.envelope, d.body)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s[prefix.len()..].trim_start())
}

/// `<addr> params` → (addr, params). The address must be bracketed; no spaces or controls inside.
fn parse_path(s: &str) -> Option<(String, &str)> {
    let s = s.strip_prefix('<')?;
    let end = s.find('>')?;
    let addr = &s[..end];
    if addr
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '<')
    {
        return None;
    }
    // Source routes (@a,@b:user@c) are obsolete; keep only the mailbox.
    let addr = addr.rsplit_once(':').map_or(addr, |(_, m)| m);
    if !addr.is_empty() && !addr.contains('@') {
        return None;
    }
    Some((addr.to_string(), s[end + 1..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> SessionLimits {
        SessionLimits {
            hostname: "relay.test".into(),
            accept_domains: vec!["city.example.lg.jp".into()],
            max_message_bytes: 100,
            max_recipients: 2,
            max_errors: 5,
            tls_available: false,
            tls_required: false,
        }
    }

    fn code(step: Step) -> u16 {
        match step {
            Step::Reply(r) | Step::ReplyAndClose(r) | Step::StartTls(r) => r.code,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    fn ready() -> Session {
        let mut s = Session::new(limits());
        assert_eq!(code(s.line(b"EHLO client.example")), 250);
        s
    }

    #[test]
    fn ehlo_advertises_size_8bitmime_pipelining() {
        let mut s = Session::new(limits());
        let Step::Reply(r) = s.line(b"EHLO client") else {
            panic!()
        };
        let text = String::from_utf8(r.to_bytes()).unwrap();
        assert!(text.starts_with("250-relay.test\r\n"), "{text}");
        assert!(text.contains("250-SIZE 100\r\n"));
        assert!(text.contains("250-8BITMIME\r\n"));
        assert!(text.contains("PIPELINING\r\n"));
        assert!(text.ends_with("250 ENHANCEDSTATUSCODES\r\n"));
        // Replies are US-ASCII on the wire (no SMTPUTF8 here).
        assert!(s.greeting().to_bytes().is_ascii());
        s.line(b"MAIL FROM:<a@b.example>");
        let Step::Reply(denied) = s.line(b"RCPT TO:<x@elsewhere.example>") else {
            panic!()
        };
        assert!(denied.to_bytes().is_ascii());
    }

    #[test]
    fn pipelined_transaction_yields_message_with_envelope() {
        let mut s = ready();
        // A pipelining client sends these without waiting; the machine answers each in order.
        let replies: Vec<u16> = [
            &b"MAIL FROM:<a@internet.example> SIZE=20 BODY=8BITMIME"[..],
            b"RCPT TO:<Taro@City.Example.LG.JP>",
            b"RCPT TO:<x@other.example>",
            b"DATA",
        ]
        .iter()
        .map(|l| code(s.line(l)))
        .collect();
        assert_eq!(replies, vec![250, 250, 550, 354]);
        assert!(s.in_data());
        assert_eq!(s.line(b"Subject: hi"), Step::Nothing);
        assert_eq!(s.line(b""), Step::Nothing);
        assert_eq!(s.line(b"..leading dot"), Step::Nothing);
        let Step::Message(env, body) = s.line(b".") else {
            panic!("no message")
        };
        assert_eq!(env.mail_from, "a@internet.example");
        assert_eq!(env.rcpt_to, vec!["Taro@City.Example.LG.JP".to_string()]);
        assert_eq!(body, b"Subject: hi\r\n\r\n.leading dot\r\n");
        assert_eq!(s.stored(true).code, 250);
        // The session is ready for the next transaction.
        assert_eq!(code(s.line(b"MAIL FROM:<>")), 250);
    }

    #[test]
    fn bad_sequences_get_503() {
        let mut s = Session::new(limits());
        assert_eq!(code(s.line(b"MAIL FROM:<a@b.example>")), 503);
        let mut s = ready();
        assert_eq!(code(s.line(b"RCPT TO:<t@city.example.lg.jp>")), 503);
        assert_eq!(code(s.line(b"DATA")), 503);
        assert_eq!(code(s.line(b"MAIL FROM:<a@b.example>")), 250);
        assert_eq!(code(s.line(b"MAIL FROM:<a@b.example>")), 503);
        assert_eq!(code(s.line(b"DATA")), 503);
        assert_eq!(code(s.line(b"RSET")), 250);
        assert_eq!(code(s.line(b"RCPT TO:<t@city.example.lg.jp>")), 503);
    }

    #[test]
    fn unknown_command_500_and_too_many_errors_close() {
        let mut s = ready();
        for _ in 0..5 {
            assert_eq!(
                s.line(b"XYZZY").clone(),
                Step::Reply(Reply::new(500, "5.5.2 Error: command not recognized"))
            );
        }
        assert!(matches!(s.line(b"XYZZY"), Step::ReplyAndClose(r) if r.code == 421));
    }

    #[test]
    fn relay_denied_for_other_domains() {
        let mut s = ready();
        s.line(b"MAIL FROM:<a@b.example>");
        let Step::Reply(r) = s.line(b"RCPT TO:<victim@gmail.example>") else {
            panic!()
        };
        assert_eq!(r.code, 550);
        assert!(r.lines[0].starts_with("5.7.1"));
        assert_eq!(code(s.line(b"RCPT TO:<noat>")), 501);
        // Subdomains are not accepted implicitly.
        assert_eq!(code(s.line(b"RCPT TO:<a@x.city.example.lg.jp>")), 550);
        assert_eq!(code(s.line(b"DATA")), 503);
    }

    #[test]
    fn size_limit_declared_and_actual() {
        let mut s = ready();
        let Step::Reply(r) = s.line(b"MAIL FROM:<a@b.example> SIZE=101") else {
            panic!()
        };
        assert_eq!((r.code, r.lines[0].starts_with("5.3.4")), (552, true));
        s.line(b"MAIL FROM:<a@b.example> SIZE=10");
        s.line(b"RCPT TO:<t@city.example.lg.jp>");
        assert_eq!(code(s.line(b"DATA")), 354);
        for _ in 0..20 {
            assert_eq!(s.line(b"0123456789"), Step::Nothing);
        }
        assert_eq!(code(s.line(b".")), 552);
        assert!(!s.in_data());
    }

    #[test]
    fn max_recipients_452() {
        let mut s = ready();
        s.line(b"MAIL FROM:<a@b.example>");
        assert_eq!(code(s.line(b"RCPT TO:<1@city.example.lg.jp>")), 250);
        assert_eq!(code(s.line(b"RCPT TO:<2@city.example.lg.jp>")), 250);
        assert_eq!(code(s.line(b"RCPT TO:<3@city.example.lg.jp>")), 452);
        assert_eq!(code(s.line(b"DATA")), 354);
    }

    #[test]
    fn line_length_limits() {
        let mut s = ready();
        assert_eq!(code(s.line_too_long()), 500);
        s.line(b"MAIL FROM:<a@b.example>");
        s.line(b"RCPT TO:<1@city.example.lg.jp>");
        s.line(b"DATA");
        assert_eq!(s.line_too_long(), Step::Nothing);
        assert_eq!(code(s.line(b".")), 554);
    }

    #[test]
    fn syntax_errors_and_unsupported_params() {
        let mut s = ready();
        assert_eq!(code(s.line(b"MAIL TO:<a@b.example>")), 501);
        assert_eq!(code(s.line(b"MAIL FROM:a@b.example")), 501);
        assert_eq!(code(s.line(b"MAIL FROM:<a@b.example> SMTPUTF8")), 555);
        assert_eq!(code(s.line(b"MAIL FROM:<a@b.example> SIZE=x")), 501);
        assert_eq!(code(s.line(b"mail from: <a@b.example>")), 250);
        assert_eq!(code(s.line(b"QUIT")), 221);
    }

    #[test]
    fn starttls_advertised_required_and_resets_the_session() {
        let mut s = Session::new(SessionLimits {
            tls_available: true,
            tls_required: true,
            ..limits()
        });
        assert_eq!(code(s.line(b"STARTTLS")), 503);
        let Step::Reply(r) = s.line(b"EHLO c") else {
            panic!()
        };
        assert!(r.lines.contains(&"STARTTLS".to_string()));
        assert_eq!(code(s.line(b"MAIL FROM:<a@b.example>")), 530);
        assert!(matches!(s.line(b"STARTTLS"), Step::StartTls(r) if r.code == 220));
        s.tls_started();
        // Everything before the handshake is forgotten: EHLO again, and no second STARTTLS.
        assert_eq!(code(s.line(b"MAIL FROM:<a@b.example>")), 503);
        let Step::Reply(r) = s.line(b"EHLO c") else {
            panic!()
        };
        assert!(!r.lines.contains(&"STARTTLS".to_string()));
        assert_eq!(code(s.line(b"STARTTLS")), 503);
        assert_eq!(code(s.line(b"MAIL FROM:<a@b.example>")), 250);
        // Without a certificate STARTTLS is not offered at all.
        let mut plain = ready();
        assert_eq!(code(plain.line(b"STARTTLS")), 502);
    }
}
