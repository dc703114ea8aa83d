//! nft syntax for a rule read from JSON, so reports show `iifname "lg0" tcp dport 80 accept`
//! next to the exact JSON element.

use serde_json::Value;

fn value(v: &Value, quote: bool) -> String {
    match v {
        Value::String(s) if quote && !s.starts_with('@') => format!("\"{s}\""),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::Array(a) => a
            .iter()
            .map(|x| value(x, quote))
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(o) => {
            if let Some(p) = o.get("prefix") {
                let addr = p.get("addr").map(|a| value(a, false)).unwrap_or_default();
                let len = p.get("len").map(|l| value(l, false)).unwrap_or_default();
                return format!("{addr}/{len}");
            }
            if let Some(Value::Array(r)) = o.get("range")
                && let [a, b] = r.as_slice()
            {
                return format!("{}-{}", value(a, quote), value(b, quote));
            }
            if let Some(Value::Array(items)) = o.get("set") {
                let inner: Vec<String> = items
                    .iter()
                    .map(|i| match i {
                        Value::Array(pair) if pair.len() == 2 => {
                            format!("{} : {}", value(&pair[0], quote), statement(&pair[1]))
                        }
                        other => value(other, quote),
                    })
                    .collect();
                return format!("{{ {} }}", inner.join(", "));
            }
            if let Some(e) = o.get("elem") {
                return value(e.get("val").unwrap_or(e), quote);
            }
            Value::Object(o.clone()).to_string()
        }
    }
}

fn left(v: &Value) -> (String, bool) {
    if let Some(p) = v.get("payload") {
        let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("?");
        let field = p.get("field").and_then(Value::as_str).unwrap_or("?");
        return (format!("{proto} {field}"), false);
    }
    if let Some(m) = v.get("meta") {
        let k = m.get("key").and_then(Value::as_str).unwrap_or("?");
        return match k {
            "iifname" | "oifname" | "iif" | "oif" => (k.to_string(), true),
            other => (format!("meta {other}"), false),
        };
    }
    if let Some(c) = v.get("ct") {
        let k = c.get("key").and_then(Value::as_str).unwrap_or("?");
        return (format!("ct {k}"), false);
    }
    (v.to_string(), false)
}

fn statement(e: &Value) -> String {
    let Some((name, body)) = e.as_object().and_then(|o| o.iter().next()) else {
        return e.to_string();
    };
    match name.as_str() {
        "match" => {
            let (l, quote) = body.get("left").map(left).unwrap_or_default();
            let op = match body.get("op").and_then(Value::as_str).unwrap_or("==") {
                "==" | "in" => String::new(),
                other => format!("{other} "),
            };
            let r = body
                .get("right")
                .map(|r| value(r, quote))
                .unwrap_or_default();
            format!("{l} {op}{r}")
        }
        "accept" | "drop" | "return" | "continue" | "masquerade" | "notrack" => name.clone(),
        "reject" | "counter" | "log" | "limit" => name.clone(),
        "jump" | "goto" => format!(
            "{name} {}",
            body.get("target").and_then(Value::as_str).unwrap_or("?")
        ),
        "dnat" | "snat" | "redirect" => {
            let mut s = format!("{name} to");
            if let Some(a) = body.get("addr") {
                s.push(' ');
                s.push_str(&value(a, false));
            }
            if let Some(p) = body.get("port") {
                s.push(':');
                s.push_str(&value(p, false));
            }
            s
        }
        "vmap" => {
            let (k, quote) = body.get("key").map(left).unwrap_or_default();
            let d = body
                .get("data")
                .map(|d| value(d, quote))
                .unwrap_or_default();
            format!("{k} vmap {d}")
        }
        _ => e.to_string(),
    }
}

/// One rule object (`{"family":…, "expr": […]}`) in nft syntax.
pub fn rule(r: &Value) -> String {
    let mut parts: Vec<String> = r
        .get("expr")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(statement).collect())
        .unwrap_or_default();
    if let Some(c) = r.get("comment").and_then(Value::as_str) {
        parts.push(format!("comment \"{c}\""));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_nft() {
        let r: Value = serde_json::from_str(
            r#"{"expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "lg0"}},
            {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": {"prefix": {"addr": "10.40.0.0", "len": 24}}}},
            {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [443, 3389]}}},
            {"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}},
            {"jump": {"target": "x"}}], "comment": "c"}"#,
        )
        .unwrap();
        assert_eq!(
            rule(&r),
            "iifname \"lg0\" ip daddr 10.40.0.0/24 tcp dport { 443, 3389 } ct state established,related jump x comment \"c\""
        );
    }
}
