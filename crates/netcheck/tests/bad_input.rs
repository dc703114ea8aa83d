#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Bad input: clear errors with file:line:column, never a panic, never a silent "OK".

use mamori_core::Lang;
use mamori_netcheck::{
    ConfigFormat, FsLoader, MemLoader, NetcheckError, check_with_loader, parse_config,
};
use std::path::PathBuf;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const ZONES: &str = r#"
[organisation]
name = "test"
model = "alpha"

[[zone]]
name = "lg"
kind = "lgwan"
subnets = ["10.20.0.0/24"]
gateway = ["10.20.0.1"]

[[zone]]
name = "inet"
kind = "internet"
subnets = ["10.30.0.0/24"]
"#;

const DEVICE: &str = r#"
[[device]]
name = "fw"
configs = [{ path = "fw.rules", format = "iptables-save" }]
interface = [
  { name = "lg0", zone = "lg", addresses = ["10.20.0.1"] },
  { name = "in0", zone = "inet", addresses = ["10.30.0.1"] },
]
"#;

const RULES: &str =
    "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";

fn mem(files: &[(&str, &str)]) -> MemLoader {
    let mut m = MemLoader::default();
    for (k, v) in files {
        m.files.insert((*k).to_string(), (*v).to_string());
    }
    m
}

fn run(inv: &str, files: &[(&str, &str)]) -> Result<mamori_netcheck::Report, NetcheckError> {
    check_with_loader("inv.toml", inv, &mem(files), None)
}

#[test]
fn minimal_inventory_in_memory_holds() {
    // The baseline the error cases below differ from.
    let r = run(&format!("{ZONES}{DEVICE}"), &[("fw.rules", RULES)]).unwrap();
    assert_eq!(r.exit_code(), 0);
}

#[test]
fn nft_json_syntax_error_has_line_column_and_text() {
    let text = "{\"nftables\": [\n  {\"table\": {\"family\": \"inet\", \"name\": \"f\"}}\n  {\"chain\": {}}\n]}\n";
    let e = parse_config("core.json", text, ConfigFormat::NftablesJson).unwrap_err();
    match &e {
        NetcheckError::Syntax {
            file,
            line,
            column,
            text,
            ..
        } => {
            assert_eq!(file, "core.json");
            assert_eq!(*line, 3);
            assert_eq!(*column, 3);
            assert!(text.contains("chain"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.message(Lang::Ja).contains("core.json:3:3: 構文エラー"));
    assert!(e.to_string().starts_with("core.json:3:3: syntax error"));
}

#[test]
fn nft_json_without_nftables_array_is_rejected() {
    let e = parse_config("x.json", "{\"foo\": 1}", ConfigFormat::NftablesJson).unwrap_err();
    assert!(matches!(e, NetcheckError::Syntax { line: 1, .. }), "{e:?}");
}

#[test]
fn iptables_bad_address_points_at_the_token() {
    let text = "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -s 10.0.0.300/8 -j ACCEPT\nCOMMIT\n";
    let e = parse_config("fw.rules", text, ConfigFormat::IptablesSave).unwrap_err();
    match e {
        NetcheckError::Syntax {
            line, column, text, ..
        } => {
            assert_eq!((line, column), (3, 15));
            assert_eq!(text, "10.0.0.300/8");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn iptables_structure_errors() {
    for (text, line) in [
        ("-A FORWARD -j ACCEPT\n", 1), // rule outside a table
        (
            "*filter\n:FORWARD DROP [0:0]\n-A NOPE -j ACCEPT\nCOMMIT\n",
            3,
        ), // undeclared chain
        ("*filter\n:FORWARD DROP [0:0]\n-X FORWARD\nCOMMIT\n", 3), // not a save-file line
        ("*filter\n:FORWARD MAYBE [0:0]\nCOMMIT\n", 2), // bad policy
        (
            "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m comment --comment \"x\nCOMMIT\n",
            3,
        ),
    ] {
        match parse_config("fw.rules", text, ConfigFormat::IptablesSave) {
            Err(NetcheckError::Syntax { line: l, .. }) => assert_eq!(l, line, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    // A table never committed is an error too.
    assert!(
        parse_config(
            "fw.rules",
            "*filter\n:FORWARD DROP [0:0]\n",
            ConfigFormat::IptablesSave
        )
        .is_err()
    );
}

#[test]
fn unknown_iptables_option_is_listed_and_verdict_incomplete() {
    let rules = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -i lg0 -o in0 -m time --timestart 09:00 -j ACCEPT\nCOMMIT\n";
    let r = run(&format!("{ZONES}{DEVICE}"), &[("fw.rules", rules)]).unwrap();
    assert_eq!(r.exit_code(), 2);
    assert_eq!(r.unparsed.len(), 1);
    assert_eq!(r.unparsed[0].line, 5);
    assert_eq!(r.unparsed[0].column, 34);
    assert_eq!(r.unparsed[0].text, "--timestart 09:00");
    // Conservatively, the rule may accept: the LGWAN→internet crossing is reported as possible.
    assert!(r.violations.iter().all(|v| v.approximate));
    assert!(!r.violations.is_empty());
    let text = r.to_text(Lang::Ja);
    assert!(text.contains("判定不能"), "{text}");
}

#[test]
fn empty_files_are_errors() {
    let e = run(&format!("{ZONES}{DEVICE}"), &[("fw.rules", "  \n")]).unwrap_err();
    assert!(
        matches!(e, NetcheckError::EmptyFile { ref file } if file == "fw.rules"),
        "{e:?}"
    );
    let e = run("", &[]).unwrap_err();
    assert!(matches!(e, NetcheckError::EmptyFile { .. }));
    let e = parse_config("x.json", "", ConfigFormat::NftablesJson).unwrap_err();
    assert!(matches!(e, NetcheckError::EmptyFile { .. }));
}

#[test]
fn inventory_toml_syntax_error_has_position() {
    let inv = "[organisation]\nname = \"x\"\nmodel = alpha\n";
    match run(inv, &[]).unwrap_err() {
        NetcheckError::Syntax {
            file,
            line,
            column,
            text,
            ..
        } => {
            assert_eq!(file, "inv.toml");
            assert_eq!((line, column), (3, 9));
            assert_eq!(text, "model = alpha");
        }
        other => panic!("{other:?}"),
    }
    // Unknown model names are rejected, not defaulted.
    let inv = "[organisation]\nname = \"x\"\nmodel = \"gamma\"\n";
    assert!(matches!(
        run(inv, &[]).unwrap_err(),
        NetcheckError::Syntax { line: 3, .. }
    ));
}

#[test]
fn overlapping_zones_are_rejected() {
    let inv = format!(
        "{ZONES}\n[[zone]]\nname = \"mn\"\nkind = \"mynumber\"\nsubnets = [\"10.20.0.128/25\"]\n{DEVICE}"
    );
    match run(&inv, &[("fw.rules", RULES)]).unwrap_err() {
        NetcheckError::OverlappingZones { a, b, .. } => {
            assert_eq!((a.as_str(), b.as_str()), ("lg", "mn"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn addresses_in_no_zone_are_rejected() {
    let inv = format!(
        "{ZONES}{DEVICE}\n[[relay]]\nname = \"mail\"\naddresses = [\"10.99.0.5\"]\nservices = [\"tcp/25\"]\n"
    );
    let e = run(&inv, &[("fw.rules", RULES)]).unwrap_err();
    assert!(
        matches!(e, NetcheckError::AddressInNoZone { ref address, .. } if address == "10.99.0.5"),
        "{e:?}"
    );
    assert!(e.message(Lang::Ja).contains("どのゾーンにも属していません"));
    // An interface address outside every zone.
    let inv = format!("{ZONES}{}", DEVICE.replace("10.30.0.1", "10.31.0.1"));
    let e = run(&inv, &[("fw.rules", RULES)]).unwrap_err();
    assert!(matches!(e, NetcheckError::AddressInNoZone { .. }), "{e:?}");
}

#[test]
fn device_without_config_and_config_without_device() {
    let inv = format!(
        "{ZONES}{}",
        DEVICE.replace(
            "configs = [{ path = \"fw.rules\", format = \"iptables-save\" }]",
            ""
        )
    );
    let e = run(&inv, &[]).unwrap_err();
    assert!(
        matches!(e, NetcheckError::DeviceWithoutConfig { ref device } if device == "fw"),
        "{e:?}"
    );

    let inv = format!(
        "config_dir = \"cfg\"\n{ZONES}{}",
        DEVICE.replace("fw.rules", "cfg/fw.rules")
    );
    let ok = run(&inv, &[("cfg/fw.rules", RULES)]).unwrap();
    assert_eq!(ok.exit_code(), 0);
    let e = run(
        &inv,
        &[("cfg/fw.rules", RULES), ("cfg/forgotten.rules", RULES)],
    )
    .unwrap_err();
    assert!(
        matches!(e, NetcheckError::ConfigWithoutDevice { ref file } if file == "cfg/forgotten.rules"),
        "{e:?}"
    );

    // A named configuration that does not exist.
    let e = run(&format!("{ZONES}{DEVICE}"), &[]).unwrap_err();
    assert!(matches!(e, NetcheckError::Io { .. }), "{e:?}");
}

#[test]
fn interface_names_unknown_to_the_inventory_make_it_incomplete() {
    // The configuration calls the LGWAN port `eth1`, the inventory `lg0`: the accept rule
    // would silently never match, so the result must not be "holds".
    let rules = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -i eth1 -o in0 -j ACCEPT\nCOMMIT\n";
    let r = run(&format!("{ZONES}{DEVICE}"), &[("fw.rules", rules)]).unwrap();
    assert_eq!(r.exit_code(), 2);
    assert_eq!(r.unparsed.len(), 1);
    assert_eq!(r.unparsed[0].text, "eth1");
    assert_eq!(r.unparsed[0].line, 5);
    // Wildcards that match a declared interface are fine.
    let rules = rules.replace("-i eth1", "-i lg+");
    let r = run(&format!("{ZONES}{DEVICE}"), &[("fw.rules", &rules)]).unwrap();
    assert!(r.unparsed.is_empty(), "{:?}", r.unparsed);
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn duplicate_names_are_inventory_errors() {
    let inv = format!(
        "{ZONES}{}",
        DEVICE.replace("name = \"in0\"", "name = \"lg0\"")
    );
    let e = run(&inv, &[("fw.rules", RULES)]).unwrap_err();
    assert!(e.to_string().contains("interface `lg0` twice"), "{e}");
    let inv = format!("{ZONES}{DEVICE}{DEVICE}");
    let e = run(&inv, &[("fw.rules", RULES)]).unwrap_err();
    assert!(
        e.to_string().contains("device `fw` is declared twice"),
        "{e}"
    );
}

#[test]
fn unknown_zone_and_bad_prefix_are_inventory_errors() {
    let inv = format!(
        "{ZONES}{}",
        DEVICE.replace("zone = \"inet\"", "zone = \"nowhere\"")
    );
    assert!(matches!(
        run(&inv, &[]).unwrap_err(),
        NetcheckError::Inventory { .. }
    ));
    let inv = ZONES.replace("10.30.0.0/24", "10.30.0.0/40");
    let e = run(&inv, &[]).unwrap_err();
    assert!(e.to_string().contains("10.30.0.0/40"), "{e}");
}

#[test]
fn files_over_the_size_limit_are_refused() {
    let dir = std::env::temp_dir().join(format!("mamori-netcheck-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fw.rules"), RULES).unwrap();
    let loader = FsLoader {
        base: dir.clone(),
        max_bytes: 16,
    };
    let e = check_with_loader("inv.toml", &format!("{ZONES}{DEVICE}"), &loader, None).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        matches!(e, NetcheckError::TooLarge { limit: 16, .. }),
        "{e:?}"
    );
}

#[test]
fn truncated_and_mangled_fixtures_never_panic() {
    let fixtures = crate_dir().join("tests/fixtures");
    for (name, format) in [
        ("core-rdp.nft.json", ConfigFormat::NftablesJson),
        ("edge-rdp.iptables-save", ConfigFormat::IptablesSave),
        ("core-lg-dmz-http.fortigate.conf", ConfigFormat::Fortigate),
        ("edge-rdp.rtx.conf", ConfigFormat::Yamaha),
    ] {
        let text = std::fs::read_to_string(fixtures.join(name)).unwrap();
        let chars: Vec<char> = text.chars().collect();
        for cut in (0..chars.len()).step_by(7) {
            let truncated: String = chars[..cut].iter().collect();
            let _ = parse_config(name, &truncated, format);
            // Replace one character by a quote, a brace or a digit.
            for c in ['"', '}', '9', ' '] {
                let mut m = chars.clone();
                m[cut] = c;
                let s: String = m.iter().collect();
                let _ = parse_config(name, &s, format);
            }
        }
    }
}

#[test]
fn verify_without_rulesets_is_incomplete_not_a_panic() {
    let net = mamori_netcheck::inventory::parse_inventory(
        "inv.toml",
        &format!("{ZONES}{DEVICE}"),
        &mem(&[("fw.rules", RULES)]),
    )
    .unwrap();
    let r = mamori_netcheck::verify(&net, &[]);
    assert_eq!(r.exit_code(), 2);
    // Without rules the device forwards everything: the LGWAN↔internet crossing shows.
    assert!(!r.violations.is_empty());
}
