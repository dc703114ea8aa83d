#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Parser details: families, approximations, positions of errors per format.

use mamori_netcheck::ir::{Action, Hook};
use mamori_netcheck::space::{DPORT, SRC, parse_prefix, v4_space, v6_space};
use mamori_netcheck::{ConfigFormat, NetcheckError, parse_config};

#[test]
fn ip6tables_rules_see_only_ipv6() {
    let text = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -s fd00:10::/64 -p tcp -m tcp --dport 22 -j ACCEPT\n-A FORWARD ! -d fd00:20::/64 -j DROP\nCOMMIT\n";
    let rs = parse_config("fw.v6", text, ConfigFormat::Ip6tablesSave).unwrap();
    assert_eq!(rs.base.len(), 1);
    assert_eq!(rs.base[0].hook, Hook::Forward);
    assert_eq!(rs.base[0].family.as_ref(), Some(&v6_space()));
    let r = &rs.chains[rs.base[0].chain].rules;
    assert_eq!(r[0].header.dims[SRC], parse_prefix("fd00:10::/64").unwrap());
    assert_eq!(r[0].header.dims[DPORT].first(), Some(22));
    // `! -d` is the complement within IPv6 only.
    assert!(
        r[1].header.dims[mamori_netcheck::space::DST]
            .intersect(&v4_space())
            .is_empty()
    );
    assert_eq!(r[1].action, Action::Drop);
}

#[test]
fn nft_ip_header_fields_fix_the_family() {
    let text = r#"{"nftables": [{"table": {"family": "inet", "name": "f", "handle": 1}},
      {"chain": {"family": "inet", "table": "f", "name": "fw", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "accept"}},
      {"rule": {"family": "inet", "table": "f", "chain": "fw", "handle": 2, "expr": [
        {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "protocol"}}, "right": "tcp"}}, {"drop": null}]}}]}"#;
    let rs = parse_config("f.json", text, ConfigFormat::NftablesJson).unwrap();
    let rule = &rs.chains[0].rules[0];
    // `ip protocol tcp drop` drops IPv4 TCP only; IPv6 TCP is untouched.
    assert!(rule.header.dims[SRC].is_subset_of(&v4_space()));
    assert_eq!(rule.loc.line, 3);
    assert_eq!(rule.display.as_deref(), Some("ip protocol tcp drop"));
}

#[test]
fn yamaha_errors_and_approximations() {
    let e = parse_config("rtx.conf", "ip filter 1 maybe * *\n", ConfigFormat::Yamaha).unwrap_err();
    match e {
        NetcheckError::Syntax {
            line, column, text, ..
        } => {
            assert_eq!((line, column), (1, 13));
            assert_eq!(text, "maybe");
        }
        other => panic!("{other:?}"),
    }
    let e = parse_config(
        "rtx.conf",
        "\n ip filter 2 pass 10.0.0.300 *\n",
        ConfigFormat::Yamaha,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            NetcheckError::Syntax {
                line: 2,
                column: 19,
                ..
            }
        ),
        "{e:?}"
    );
    // FQDN filters: any address, flagged approximate; undefined filters are listed.
    let text = "ip lan1 secure filter in 1 2 3\nip filter 1 pass * www.example.jp tcp * https\nip filter 2 reject * * * * *\n";
    let rs = parse_config("rtx.conf", text, ConfigFormat::Yamaha).unwrap();
    let chain = rs
        .chains
        .iter()
        .find(|c| c.name == "ip lan1 secure filter in")
        .unwrap();
    assert!(chain.rules[0].uncertain);
    assert!(chain.rules.last().unwrap().implicit);
    assert_eq!(rs.unparsed.len(), 1);
    assert_eq!(rs.unparsed[0].text, "3");
    // pp filters need a `pp select` context.
    let e = parse_config(
        "rtx.conf",
        "ip pp secure filter in 1\n",
        ConfigFormat::Yamaha,
    )
    .unwrap_err();
    assert!(matches!(e, NetcheckError::Syntax { line: 1, .. }));
}

#[test]
fn fortigate_errors_and_unknown_settings() {
    let e = parse_config(
        "fg.conf",
        "config firewall policy\n    next\nend\n",
        ConfigFormat::Fortigate,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            NetcheckError::Syntax {
                line: 2,
                column: 5,
                ..
            }
        ),
        "{e:?}"
    );
    let e = parse_config(
        "fg.conf",
        "config firewall policy\n    edit 1\n",
        ConfigFormat::Fortigate,
    )
    .unwrap_err();
    assert!(matches!(e, NetcheckError::Syntax { .. }));
    let text = "config firewall policy\n    edit 1\n        set srcintf \"a\"\n        set dstintf \"b\"\n        set srcaddr \"all\"\n        set dstaddr \"all\"\n        set service \"ALL\"\n        set action accept\n        set frobnicate enable\n    next\nend\n";
    let rs = parse_config("fg.conf", text, ConfigFormat::Fortigate).unwrap();
    assert_eq!(rs.unparsed.len(), 1);
    assert_eq!((rs.unparsed[0].line, rs.unparsed[0].column), (9, 9));
    let policy = rs
        .chains
        .iter()
        .find(|c| c.name == "firewall policy")
        .unwrap();
    assert!(policy.rules[0].uncertain);
    assert_eq!(policy.rules[0].loc.line, 2);
}

#[test]
fn fortigate_multi_vdom_sections_are_read() {
    let text = "config vdom\nedit root\nconfig firewall policy\n    edit 1\n        set srcintf \"a\"\n        set dstintf \"b\"\n        set srcaddr \"all\"\n        set dstaddr \"all\"\n        set service \"ALL\"\n        set action accept\n    next\nend\nnext\nend\n";
    let rs = parse_config("fg.conf", text, ConfigFormat::Fortigate).unwrap();
    let policy = rs
        .chains
        .iter()
        .find(|c| c.name == "firewall policy")
        .unwrap();
    assert_eq!(policy.rules.len(), 1);
    assert_eq!(policy.rules[0].action, Action::Accept);
}

#[test]
fn yamaha_unhandled_forms_are_listed() {
    let text =
        "ip lan1 secure filter name office\nnat descriptor static 1 1 203.0.113.3=10.0.0.3 1\n";
    let rs = parse_config("rtx.conf", text, ConfigFormat::Yamaha).unwrap();
    let lines: Vec<usize> = rs.unparsed.iter().map(|u| u.line).collect();
    assert_eq!(lines, vec![1, 2]);
}
