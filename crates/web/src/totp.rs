//! TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 6 digits, 30-second steps — what every
//! authenticator app reads from an `otpauth://` QR code. Pure functions of a secret and a time.

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::CryptoRng;
use sha1::Sha1;
use subtle::ConstantTimeEq;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: usize = 6;
/// Codes of the step before and after the current one are accepted too: phones' clocks drift.
const WINDOW: i64 = 1;
/// 160 bits, the size RFC 4226 recommends for HMAC-SHA-1.
const SECRET_BYTES: usize = 20;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what authenticator apps expect in `secret=`).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decode base32, ignoring case, spaces, hyphens and padding (a key typed by hand).
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars() {
        if c.is_whitespace() || c == '-' || c == '=' {
            continue;
        }
        let up = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| char::from(b) == up)?;
        buffer = ((buffer << 5) | value as u32) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// A new random secret, base32.
pub fn new_secret(rng: &mut impl CryptoRng) -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rng.fill_bytes(&mut bytes);
    base32_encode(&bytes)
}

/// The 30-second step a time falls in.
pub fn step_at(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(STEP_SECONDS)
}

/// HOTP (RFC 4226 §5.3): the code for one counter value.
pub fn hotp(key: &[u8], counter: i64) -> Option<String> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).ok()?;
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest.last()? & 0x0f);
    let slice: [u8; 4] = digest.get(offset..offset + 4)?.try_into().ok()?;
    let binary = u32::from_be_bytes(slice) & 0x7fff_ffff;
    Some(format!("{:06}", binary % 1_000_000))
}

/// The code an authenticator app shows at `t` for a base32 secret.
pub fn code_at(secret: &str, t: DateTime<Utc>) -> Option<String> {
    hotp(&base32_decode(secret)?, step_at(t))
}

/// The step whose code `code` is, within the window around `now`; `None` if it matches none.
/// Whether that step was already used is the store's question.
pub fn matching_step(secret: &str, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let key = base32_decode(secret)?;
    let now_step = step_at(now);
    // Check every step of the window (no early exit) so timing does not tell which one matched.
    let mut found = None;
    for step in now_step - WINDOW..=now_step + WINDOW {
        if let Some(expected) = hotp(&key, step)
            && bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
        {
            found = Some(step);
        }
    }
    found
}

/// Does the text look like a TOTP code (six digits) rather than a recovery code?
pub fn looks_like_code(text: &str) -> bool {
    let digits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == DIGITS && digits.iter().all(char::is_ascii_digit)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://` URI authenticator apps read (Google Authenticator key-URI format).
pub fn otpauth_uri(issuer: &str, login: &str, secret: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(login)
    )
}

/// The QR code of `text` as an SVG image in a `data:` URL (allowed by the CSP's `img-src data:`).
pub fn qr_svg_data_url(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

/// The key in groups of four for typing into an app by hand.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 6238 Appendix B, SHA-1 column (the RFC's 8-digit values; ours are their last 6 digits).
    #[test]
    fn rfc6238_test_vectors() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (unix, code8) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let t = Utc.timestamp_opt(unix, 0).unwrap();
            assert_eq!(code_at(&secret, t).unwrap(), &code8[2..], "t = {unix}");
        }
    }

    /// RFC 4226 Appendix D.
    #[test]
    fn rfc4226_hotp_values() {
        let expected = ["755224", "287082", "359152", "969429", "338314"];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", i as i64).unwrap(), *e);
        }
    }

    #[test]
    fn base32_round_trips_and_forgives_typing() {
        for len in 0..25 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        }
        let s = base32_encode(b"hello world!");
        assert_eq!(
            base32_decode(&grouped(&s).to_lowercase()).unwrap(),
            b"hello world!"
        );
        assert!(base32_decode("ABC1").is_none());
    }

    #[test]
    fn codes_match_within_one_step_only() {
        let secret = base32_encode(b"12345678901234567890");
        let t = Utc.timestamp_opt(1_111_111_109, 0).unwrap();
        let now_step = step_at(t);
        let code = code_at(&secret, t).unwrap();
        assert_eq!(matching_step(&secret, &code, t), Some(now_step));
        assert_eq!(
            matching_step(&secret, &code, t + chrono::TimeDelta::seconds(30)),
            Some(now_step)
        );
        assert_eq!(
            matching_step(&secret, &code, t + chrono::TimeDelta::seconds(90)),
            None
        );
        assert_eq!(matching_step(&secret, "12345", t), None);
        assert_eq!(matching_step(&secret, "abcdef", t), None);
        assert!(looks_like_code(" 123 456") && !looks_like_code("abcd-efgh-jkmn"));
    }

    #[test]
    fn uri_and_qr_code() {
        let uri = otpauth_uri("mamori あおば市", "ciso", "ABCD");
        assert!(
            uri.starts_with("otpauth://totp/mamori%20%E3%81%82"),
            "{uri}"
        );
        assert!(uri.contains(":ciso?secret=ABCD&issuer=mamori%20"));
        let data = qr_svg_data_url(&uri).unwrap();
        let svg = base64::engine::general_purpose::STANDARD
            .decode(data.trim_start_matches("data:image/svg+xml;base64,"))
            .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.contains("<svg") && !svg.contains("<script"));
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
