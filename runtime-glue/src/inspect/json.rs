//! `fdvirt inspect --json`: the report as one JSON object, written by hand (the schema is
//! small and flat, and the crate has no serde).
//!
//! ```text
//! {"imports":[{"module","name","family","type","binding","form"}...],
//!  "exports":[{"name","kind","index"}...], "memories":["17 pages initial, no max"...],
//!  "indirect_sites":N,
//!  "indirect_mismatches":[{"function","function_type","call_type","suspect","callers":[..]}...],
//!  "indirect_findings":[{"evidence","callers":[..],"call_type","slot","function","function_type",
//!                        "array_address","array_len","array_same_type"}...]}   (ranked)
//! ```

use super::{Binding, Evidence, ExportInfo, ImportInfo, IndirectFinding, IndirectMismatch, Report};
use std::fmt::Write as _;

impl Report {
    /// The report as one JSON object (schema in the module docs).
    pub fn to_json(&self) -> String {
        let imports: Vec<String> = self.imports.iter().map(import).collect();
        let exports: Vec<String> = self.exports.iter().map(export).collect();
        let memories: Vec<String> = self
            .memories
            .iter()
            .map(|m| quote(&m.to_string()))
            .collect();
        let mismatches: Vec<String> = self.indirect_mismatches.iter().map(mismatch).collect();
        let findings: Vec<String> = self.indirect_findings.iter().map(finding).collect();
        format!(
            "{{\"imports\":[{}],\"exports\":[{}],\"memories\":[{}],\"indirect_sites\":{},\
             \"indirect_mismatches\":[{}],\"indirect_findings\":[{}]}}",
            imports.join(","),
            exports.join(","),
            memories.join(","),
            self.indirect_sites,
            mismatches.join(","),
            findings.join(",")
        )
    }
}

fn import(i: &ImportInfo) -> String {
    let (binding, form) = match &i.binding {
        Binding::Bound { form } => ("bound", *form),
        Binding::SignatureMismatch { .. } => ("signature_mismatch", ""),
        Binding::Unknown => ("unknown", ""),
    };
    object(&[
        ("module", quote(&i.module)),
        ("name", quote(&i.name)),
        ("family", quote(&format!("{:?}", i.family))),
        ("type", quote(&i.kind.to_string())),
        ("binding", quote(binding)),
        ("form", quote(form)),
    ])
}

fn export(e: &ExportInfo) -> String {
    object(&[
        ("name", quote(&e.name)),
        ("kind", quote(e.kind)),
        ("index", e.index.to_string()),
    ])
}

fn mismatch(m: &IndirectMismatch) -> String {
    let callers: Vec<String> = m.callers.iter().map(|c| quote(c)).collect();
    object(&[
        ("function", quote(&m.function)),
        ("function_type", quote(&m.function_type.to_string())),
        ("call_type", quote(&m.call_type.to_string())),
        ("suspect", m.is_suspect().to_string()),
        ("callers", format!("[{}]", callers.join(","))),
    ])
}

fn finding(x: &IndirectFinding) -> String {
    let callers: Vec<String> = x.callers.iter().map(|c| quote(c)).collect();
    let mut fields = vec![
        (
            "evidence",
            quote(match x.evidence {
                Evidence::PointerArray { .. } => "pointer_array",
                Evidence::OwnTypeNeverCalled => "own_type_never_called",
            }),
        ),
        ("callers", format!("[{}]", callers.join(","))),
        ("call_type", quote(&x.call_type.to_string())),
        ("slot", x.slot.map_or("null".into(), |s| s.to_string())),
        ("function", quote(&x.function)),
        ("function_type", quote(&x.function_type.to_string())),
    ];
    if let Evidence::PointerArray {
        address,
        len,
        same_type,
    } = x.evidence
    {
        fields.push(("array_address", address.to_string()));
        fields.push(("array_len", len.to_string()));
        fields.push(("array_same_type", same_type.to_string()));
    }
    object(&fields)
}

/// `{"k":v,...}` from already-encoded values.
fn object(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", quote(k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// A JSON string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
