//! SARIF 2.1.0 output so CI systems show violations on the configuration lines.

use super::{Report, RuleRef, WarningKind};
use crate::model::TierRule;
use mamori_core::Lang;
use serde_json::{Value, json};

fn location(r: &RuleRef) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": r.loc.file },
            "region": {
                "startLine": r.loc.line,
                "startColumn": r.loc.column,
                "snippet": { "text": r.text }
            }
        }
    });
    if let Some(p) = &r.loc.pointer {
        loc["logicalLocations"] = json!([{ "fullyQualifiedName": p }]);
    }
    loc
}

pub(super) fn render(r: &Report) -> String {
    let mut rules: Vec<Value> = TierRule::ALL
        .iter()
        .map(|t| {
            json!({
                "id": t.id(),
                "name": t.article().en,
                "shortDescription": { "text": t.title(Lang::En) },
                "fullDescription": { "text": t.title(Lang::Ja) },
                "defaultConfiguration": { "level": "error" }
            })
        })
        .collect();
    rules.push(json!({
        "id": "shadowed-rule",
        "shortDescription": { "text": "Rule never matches (shadowed by earlier rules)" },
        "defaultConfiguration": { "level": "warning" }
    }));
    rules.push(json!({
        "id": "any-to-any",
        "shortDescription": { "text": "Any-to-any accept rule on a device between tiers" },
        "defaultConfiguration": { "level": "warning" }
    }));
    rules.push(json!({
        "id": "unparsed",
        "shortDescription": { "text": "Statement not understood; result incomplete" },
        "defaultConfiguration": { "level": "error" }
    }));

    let mut results = Vec::new();
    for v in &r.violations {
        // Point at the last rule that let the packet through: the one to change.
        let locations: Vec<Value> = v
            .path
            .iter()
            .rev()
            .filter_map(|s| s.rule.as_ref())
            .take(1)
            .map(location)
            .collect();
        let related: Vec<Value> = v
            .path
            .iter()
            .filter_map(|s| s.rule.as_ref())
            .map(location)
            .collect();
        results.push(json!({
            "ruleId": v.rule_id,
            "level": "error",
            "message": { "text": format!(
                "{}: {} ({}) → {} ({}), e.g. {}",
                v.rule.title(Lang::En), v.from.name, v.from.kind.label().en,
                v.to.name, v.to.kind.label().en, v.example
            ) },
            "locations": locations,
            "relatedLocations": related,
        }));
    }
    for w in &r.warnings {
        let id = match w.kind {
            WarningKind::ShadowedRule => "shadowed-rule",
            WarningKind::AnyToAny => "any-to-any",
        };
        results.push(json!({
            "ruleId": id,
            "level": "warning",
            "message": { "text": format!("{} {}: {}", w.device, w.chain, w.rule.text) },
            "locations": [location(&w.rule)],
        }));
    }
    for u in &r.unparsed {
        results.push(json!({
            "ruleId": "unparsed",
            "level": "error",
            "message": { "text": format!("{}: {}", u.reason, u.text) },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": u.file },
                    "region": { "startLine": u.line, "startColumn": u.column }
                }
            }],
        }));
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "mamori-netcheck",
                "informationUri": "https://example.invalid/mamori",
                "rules": rules
            } },
            "results": results
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
