//! `module_load`: arbitrary bytes through fdvirt's loading paths on both
//! engines (wasmi and wasmtime) and `inspect`. Each must give an error or a
//! result, never a panic, and they must agree with each other.

use runtime_glue::{fuzzing, inspect};

/// The globals the trap instrumentation adds and exports (runtime-glue `names.rs`).
const ADDED_EXPORTS: [&str; 3] = [
    "__fdvirt_current_fn",
    "__fdvirt_indirect_site",
    "__fdvirt_indirect_slot",
];

/// The fuzz body.
///
/// Properties, beyond "no panic":
/// - a module wasmi accepts is one `inspect` can read (or names as
///   unsupported), and `fdvirt inspect --json` output is valid JSON naming
///   each import exactly;
/// - the trap-naming rewrite of a valid module is valid, and keeps the
///   imports and all exports (adding one);
/// - the linker always builds, and `inspect` calls every import satisfied
///   exactly when the run-time import check passes;
/// - the same on wasmtime: for a module wasmtime compiles, `add_to_linker`
///   succeeds and its import check agrees with `inspect` (one binding rule
///   for both engines).
///
/// # Panics
/// When one of these properties fails.
pub fn module_load(data: &[u8]) {
    let load = fuzzing::load_module(data);
    assert_ne!(load.linker_ok, Some(false), "linker::build failed");
    let report = inspect::inspect(data);
    if let Ok(report) = &report {
        check_report(report);
        check_wasmtime(report, &load.wasmtime);
    }
    if load.validated.is_err() {
        return;
    }
    let report = match report {
        Ok(r) => r,
        Err(inspect::InspectError::Unsupported { .. }) => return,
        Err(e) => panic!("wasmi accepts the module but inspect fails: {e}"),
    };
    if let Some(w) = &load.instrumented {
        assert_eq!(
            load.instrumented_valid,
            Some(true),
            "the trap-naming rewrite broke a valid module"
        );
        check_instrumented(&report, w);
    }
    let satisfied = report.unsatisfied().next().is_none();
    assert_eq!(
        load.imports_ok,
        Some(satisfied),
        "run's import check and inspect disagree: {:?}",
        report.unsatisfied().map(|i| &i.name).collect::<Vec<_>>()
    );
}

/// The wasmtime engine's load path: its linker always builds, and its import
/// check agrees with `inspect` on every module wasmtime compiles.
fn check_wasmtime(report: &inspect::Report, load: &fuzzing::WasmtimeLoad) {
    assert_ne!(load.linker_ok, Some(false), "wasmtime add_to_linker failed");
    if load.validated.is_ok() {
        let satisfied = report.unsatisfied().next().is_none();
        assert_eq!(
            load.imports_ok,
            Some(satisfied),
            "wasmtime's import check and inspect disagree: {:?}",
            report.unsatisfied().map(|i| &i.name).collect::<Vec<_>>()
        );
    }
}

/// The text and JSON renderings of a report.
fn check_report(report: &inspect::Report) {
    let _ = report.to_string();
    let _ = report.socket_forms();
    let json = report.to_json();
    let value: serde_json::Value = match serde_json::from_str(&json) {
        Ok(v) => v,
        Err(e) => panic!("inspect JSON does not parse ({e}): {json}"),
    };
    let imports = value["imports"].as_array().map(Vec::as_slice);
    let names: Vec<(&str, &str)> = imports
        .unwrap_or_default()
        .iter()
        .map(|i| {
            let s = |k: &str| i[k].as_str().unwrap_or("<missing>");
            (s("module"), s("name"))
        })
        .collect();
    let want: Vec<(&str, &str)> = (report.imports.iter())
        .map(|i| (i.module.as_str(), i.name.as_str()))
        .collect();
    assert_eq!(names, want, "inspect JSON misnames imports: {json}");
}

/// The rewritten module has the same imports and the same exports plus one.
fn check_instrumented(original: &inspect::Report, wasm: &[u8]) {
    let rewritten = match inspect::inspect(wasm) {
        Ok(r) => r,
        Err(e) => panic!("inspect cannot read the rewritten module: {e}"),
    };
    let imports = |r: &inspect::Report| -> Vec<(String, String)> {
        r.imports
            .iter()
            .map(|i| (i.module.clone(), i.name.clone()))
            .collect()
    };
    assert_eq!(
        imports(original),
        imports(&rewritten),
        "rewrite changed imports"
    );
    let exports = |r: &inspect::Report| -> Vec<String> {
        let mut v: Vec<String> = r.exports.iter().map(|e| e.name.clone()).collect();
        v.sort();
        v
    };
    let mut want = exports(original);
    want.extend(ADDED_EXPORTS.map(str::to_owned));
    want.sort();
    assert_eq!(exports(&rewritten), want, "rewrite changed exports");
}
