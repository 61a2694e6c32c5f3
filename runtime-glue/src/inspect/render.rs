//! Human-readable output of `fdvirt inspect` (the `Display` impls).

use super::{
    AbiFamily, Binding, EntityKind, Evidence, ImportInfo, IndirectFinding, MemoryInfo, Report,
    Signature,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::{self, Display, Formatter, Write as _},
};

impl Display for MemoryInfo {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} pages initial", self.initial_pages)?;
        match self.maximum_pages {
            Some(max) => write!(f, ", {max} max")?,
            None => f.write_str(", no max")?,
        }
        if self.memory64 {
            f.write_str(", memory64")?;
        }
        if self.shared {
            f.write_str(", shared")?;
        }
        Ok(())
    }
}

impl Display for EntityKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            EntityKind::Func(sig) => write!(f, "{sig}"),
            EntityKind::Table => f.write_str("table"),
            EntityKind::Memory(m) => write!(f, "memory ({m})"),
            EntityKind::Global => f.write_str("global"),
            EntityKind::Tag => f.write_str("tag"),
        }
    }
}

fn import_line(f: &mut Formatter<'_>, i: &ImportInfo) -> fmt::Result {
    write!(f, "    {}.{} {}", i.module, i.name, i.kind)?;
    match &i.binding {
        Binding::Bound { form: "" } => writeln!(f),
        Binding::Bound { form } => writeln!(f, "  [{form}]"),
        Binding::SignatureMismatch { accepted } => {
            let accepted: Vec<String> = accepted.iter().map(ToString::to_string).collect();
            writeln!(
                f,
                "  [signature mismatch: runtime provides {}]",
                accepted.join(" or ")
            )
        }
        Binding::Unknown => writeln!(f, "  [no such host function]"),
    }
}

impl Report {
    fn imports_section(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "imports ({}):", self.imports.len())?;
        let groups = [
            ("standard WASI preview1", Some(AbiFamily::Preview1)),
            ("WasmEdge sockets", Some(AbiFamily::WasmEdgeSocket)),
            ("unsatisfiable (the runtime cannot link these)", None),
        ];
        for (title, family) in groups {
            let members: Vec<&ImportInfo> = self
                .imports
                .iter()
                .filter(|i| match family {
                    Some(fam) => i.is_satisfied() && i.family == fam,
                    None => !i.is_satisfied(),
                })
                .collect();
            if !members.is_empty() {
                writeln!(f, "  {title} ({}):", members.len())?;
                members.iter().try_for_each(|i| import_line(f, i))?;
            }
        }
        Ok(())
    }

    fn indirect_section(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "call_indirect check: {} signature(s) called indirectly at {} site(s), {} table slot(s)",
            self.indirect_call_types.len(),
            self.indirect_sites,
            self.table_functions
        )?;
        if self.indirect_mismatches.is_empty() {
            return writeln!(
                f,
                "  ok: no table function differs from them only in results"
            );
        }
        if !self.indirect_findings.is_empty() {
            writeln!(f, "  ranked findings (most likely first):")?;
        }
        for (n, finding) in (1..).zip(self.indirect_findings.iter().take(MAX_FINDINGS)) {
            writeln!(f, "    {n}. {finding}")?;
        }
        if self.indirect_findings.len() > MAX_FINDINGS {
            writeln!(
                f,
                "    +{} more ranked finding(s) in --json",
                self.indirect_findings.len() - MAX_FINDINGS
            )?;
        }
        self.folded(f)
    }

    /// The candidates no finding covers, counted per (call type, entry type) pair.
    fn folded(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let ranked: BTreeSet<(&Signature, &str)> = self
            .indirect_findings
            .iter()
            .map(|x| (&x.call_type, x.function.as_str()))
            .collect();
        let mut pairs: BTreeMap<(&Signature, &Signature), Vec<String>> = BTreeMap::new();
        for m in &self.indirect_mismatches {
            if !m.is_suspect() && !ranked.contains(&(&m.call_type, m.function.as_str())) {
                pairs
                    .entry((&m.call_type, &m.function_type))
                    .or_default()
                    .push(m.function.clone());
            }
        }
        if pairs.is_empty() {
            return Ok(());
        }
        let total: usize = pairs.values().map(Vec::len).sum();
        writeln!(
            f,
            "  folded: {total} other candidate(s) whose own type is called indirectly too (harmless unless a pointer was cast):"
        )?;
        for ((call, own), funcs) in pairs {
            writeln!(
                f,
                "    called as {call}, slot holds {own}: {} function(s), e.g. {}",
                funcs.len(),
                names(&funcs, 3)
            )?;
        }
        writeln!(
            f,
            "  (--json lists every candidate; a trap names the exact caller, slot and types)"
        )
    }
}

/// Most ranked findings the text report shows.
const MAX_FINDINGS: usize = 20;

/// `rc_dtor_func calls (i32) -> () through ... slot 2164 holds zend_list_free: (i32) -> i32`.
impl Display for IndirectFinding {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let slot = match self.slot {
            Some(s) => format!("slot {s}"),
            None => "a slot".to_owned(),
        };
        match self.evidence {
            Evidence::PointerArray {
                address,
                len,
                same_type,
            } => write!(
                f,
                "{} calls {} through the function-pointer array at {address:#x} ({len} slots, \
                 {same_type} of that type); its {slot} holds `{}`: {}",
                names(&self.callers, 6),
                self.call_type,
                self.function,
                self.function_type
            ),
            Evidence::OwnTypeNeverCalled => write!(
                f,
                "SUSPECT: {slot} holds `{}`: {}, a type no call_indirect uses; called as {} in {}",
                self.function,
                self.function_type,
                self.call_type,
                names(&self.callers, 6)
            ),
        }
    }
}

/// `a, b, c, +N more` showing at most `max` items.
fn names(items: &[String], max: usize) -> String {
    let mut out = items
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        let _ = write!(out, ", +{} more", items.len() - max);
    }
    out
}

/// The full human-readable report.
impl Display for Report {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.imports_section(f)?;
        writeln!(f, "exports ({}):", self.exports.len())?;
        for e in &self.exports {
            writeln!(f, "    {} {} [{}]", e.kind, e.name, e.index)?;
        }
        writeln!(f, "memories ({}):", self.memories.len())?;
        for (n, m) in self.memories.iter().enumerate() {
            writeln!(f, "    memory {n}: {m}")?;
        }
        self.indirect_section(f)
    }
}
