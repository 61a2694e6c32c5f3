//! `fdvirt inspect --json`: `serde::Serialize` for the report, written by serde_json.
//!
//! Signatures, entity kinds and memories are written as their `Display` text (the same words
//! the text report uses), so the JSON stays flat:
//!
//! ```text
//! {"imports":[{"module","name","family","type","binding","form"}...],
//!  "exports":[{"name","kind","index"}...], "memories":["17 pages initial, no max"...],
//!  "indirect_sites":N,
//!  "indirect_mismatches":[{"function","function_type","call_type","suspect","callers":[..]}...],
//!  "indirect_findings":[{"evidence","callers":[..],"call_type","slot","function","function_type",
//!                        "array_address","array_len","array_same_type"}...]}   (ranked)
//! ```

use super::{Binding, Evidence, ImportInfo, IndirectFinding, IndirectMismatch, Report};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use std::fmt::Display;

impl Report {
    /// The report as one JSON object (schema in the module docs).
    ///
    /// # Panics
    /// Never: the report holds only strings, integers, booleans and sequences of them, which
    /// serde_json always writes.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a Report serializes to JSON")
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("Report", 6)?;
        o.serialize_field("imports", &self.imports)?;
        o.serialize_field("exports", &self.exports)?;
        o.serialize_field("memories", &Texts(&self.memories))?;
        o.serialize_field("indirect_sites", &self.indirect_sites)?;
        o.serialize_field("indirect_mismatches", &self.indirect_mismatches)?;
        o.serialize_field("indirect_findings", &self.indirect_findings)?;
        o.end()
    }
}

impl Serialize for ImportInfo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (binding, form) = match &self.binding {
            Binding::Bound { form } => ("bound", *form),
            Binding::SignatureMismatch { .. } => ("signature_mismatch", ""),
            Binding::Unknown => ("unknown", ""),
        };
        let mut o = s.serialize_struct("ImportInfo", 6)?;
        o.serialize_field("module", &self.module)?;
        o.serialize_field("name", &self.name)?;
        o.serialize_field("family", &self.family)?;
        o.serialize_field("type", &Text(&self.kind))?;
        o.serialize_field("binding", binding)?;
        o.serialize_field("form", form)?;
        o.end()
    }
}

impl Serialize for IndirectMismatch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("IndirectMismatch", 5)?;
        o.serialize_field("function", &self.function)?;
        o.serialize_field("function_type", &Text(&self.function_type))?;
        o.serialize_field("call_type", &Text(&self.call_type))?;
        o.serialize_field("suspect", &self.is_suspect())?;
        o.serialize_field("callers", &self.callers)?;
        o.end()
    }
}

/// The `array_*` fields are present only for [`Evidence::PointerArray`].
impl Serialize for IndirectFinding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (evidence, array) = match self.evidence {
            Evidence::PointerArray {
                address,
                len,
                same_type,
            } => ("pointer_array", Some((address, len, same_type))),
            Evidence::OwnTypeNeverCalled => ("own_type_never_called", None),
        };
        let fields = if array.is_some() { 9 } else { 6 };
        let mut o = s.serialize_struct("IndirectFinding", fields)?;
        o.serialize_field("evidence", evidence)?;
        o.serialize_field("callers", &self.callers)?;
        o.serialize_field("call_type", &Text(&self.call_type))?;
        o.serialize_field("slot", &self.slot)?;
        o.serialize_field("function", &self.function)?;
        o.serialize_field("function_type", &Text(&self.function_type))?;
        if let Some((address, len, same_type)) = array {
            o.serialize_field("array_address", &address)?;
            o.serialize_field("array_len", &len)?;
            o.serialize_field("array_same_type", &same_type)?;
        }
        o.end()
    }
}

/// A value written as its `Display` text.
struct Text<'a, T>(&'a T);

impl<T: Display> Serialize for Text<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

/// A slice written as a sequence of `Display` texts.
struct Texts<'a, T>(&'a [T]);

impl<T: Display> Serialize for Texts<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Text))
    }
}
