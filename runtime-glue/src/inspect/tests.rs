use super::*;

fn report(wat: &str) -> Report {
    let wasm = wat::parse_str(wat).expect("test WAT parses");
    inspect(&wasm).expect("inspect succeeds")
}

fn sig(params: &[ValKind], results: &[ValKind]) -> Signature {
    Signature {
        params: params.to_vec(),
        results: results.to_vec(),
    }
}

const P1: &str = "wasi_snapshot_preview1";

#[test]
fn preview1_imports_bind_and_are_grouped_as_standard() {
    let r = report(&format!(
        r#"(module (import "{P1}" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
                   (import "{P1}" "proc_exit" (func (param i32))))"#
    ));
    assert_eq!(r.imports.len(), 2);
    assert!(
        r.imports
            .iter()
            .all(|i| i.family == AbiFamily::Preview1 && i.is_satisfied())
    );
    assert_eq!(r.unsatisfied().count(), 0);
    assert!(r.to_string().contains("standard WASI preview1 (2):"));
}

#[test]
fn sock_accept_forms_are_told_apart() {
    let legacy = report(&format!(
        r#"(module (import "{P1}" "sock_accept" (func (param i32 i32) (result i32))))"#
    ));
    assert_eq!(
        legacy.socket_forms(),
        vec![("sock_accept", "legacy 2-arg (WasmEdge V1)")]
    );
    let standard = report(&format!(
        r#"(module (import "{P1}" "sock_accept" (func (param i32 i32 i32) (result i32))))"#
    ));
    assert_eq!(
        standard.socket_forms(),
        vec![("sock_accept", "standard 3-arg (preview1 / WasmEdge V2)")]
    );
    assert!(
        standard.to_string().contains("standard WASI preview1 (1):"),
        "3-arg sock_accept is preview1's"
    );
    assert!(legacy.to_string().contains("WasmEdge sockets (1):"));
}

#[test]
fn recv_from_and_getlocaladdr_versions_are_reported() {
    let r = report(&format!(
        r#"(module
            (import "{P1}" "sock_recv_from" (func (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
            (import "{P1}" "sock_getlocaladdr" (func (param i32 i32 i32 i32) (result i32)))
            (import "{P1}" "sock_getpeeraddr_v2" (func (param i32 i32 i32) (result i32))))"#
    ));
    assert_eq!(
        r.socket_forms(),
        vec![
            ("sock_recv_from", "8-arg (V2, with port)"),
            ("sock_getlocaladdr", "4-arg (V1, address type)")
        ]
    );
    assert!(
        r.imports
            .iter()
            .all(|i| i.family == AbiFamily::WasmEdgeSocket && i.is_satisfied())
    );
}

#[test]
fn unknown_and_mistyped_imports_are_unsatisfied_with_signatures() {
    let r = report(&format!(
        r#"(module
            (import "env" "php_thing" (func (param i32 i64) (result f64)))
            (import "{P1}" "fd_write" (func (param i32) (result i32)))
            (import "{P1}" "sock_accept" (func (param i32) (result i32)))
            (import "env" "memory" (memory 1)))"#
    ));
    let bad: Vec<&ImportInfo> = r.unsatisfied().collect();
    assert_eq!(bad.len(), 4);
    assert_eq!(
        bad[0].kind,
        EntityKind::Func(sig(&[ValKind::I32, ValKind::I64], &[ValKind::F64]))
    );
    assert_eq!(bad[0].family, AbiFamily::Unknown);
    let Binding::SignatureMismatch { accepted } = &bad[1].binding else {
        panic!("fd_write: {:?}", bad[1])
    };
    assert_eq!(accepted, &vec![sig(&[ValKind::I32; 4], &[ValKind::I32])]);
    let Binding::SignatureMismatch { accepted } = &bad[2].binding else {
        panic!("accept: {:?}", bad[2])
    };
    assert_eq!(accepted.len(), 2, "both sock_accept forms listed");
    let text = r.to_string();
    assert!(
        text.contains("env.php_thing (i32, i64) -> f64  [no such host function]"),
        "{text}"
    );
    assert!(
        text.contains("runtime provides (i32, i32, i32, i32) -> i32"),
        "{text}"
    );
    assert_eq!(r.memories.len(), 1, "imported memory is listed");
}

#[test]
fn exports_and_memories_are_listed() {
    let r = report(
        r#"(module (memory (export "memory") 17 100) (func (export "_start")) (global (export "g") i32 (i32.const 0)))"#,
    );
    let kinds: Vec<(&str, &str)> = r
        .exports
        .iter()
        .map(|e| (e.name.as_str(), e.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![("memory", "memory"), ("_start", "func"), ("g", "global")]
    );
    assert_eq!(
        r.memories,
        vec![MemoryInfo {
            initial_pages: 17,
            maximum_pages: Some(100),
            memory64: false,
            shared: false
        }]
    );
    assert!(
        r.to_string()
            .contains("memory 0: 17 pages initial, 100 max")
    );
}

/// The PHP bug: `zend_list_free` returns int but is stored where a `void (*)(int)` is called.
const ZEND: &str = r#"(module
    (type $dtor (func (param i32)))
    (table 4 funcref)
    (elem (i32.const 0) $zend_list_free $good_dtor $other_params)
    (func $zend_list_free (param i32) (result i32) i32.const 0)
    (func $good_dtor (param i32))
    (func $other_params (param i64) (result i32) i32.const 1)
    (func $call_dtor (param i32) local.get 0 i32.const 0 call_indirect (type $dtor)))"#;

#[test]
fn results_only_mismatch_is_found_by_name() {
    let r = report(ZEND);
    assert_eq!(r.indirect_call_types, vec![sig(&[ValKind::I32], &[])]);
    assert_eq!(r.table_functions, 3);
    assert_eq!(
        r.indirect_mismatches,
        vec![IndirectMismatch {
            call_type: sig(&[ValKind::I32], &[]),
            callers: vec!["call_dtor".into()],
            function_index: 0,
            function: "zend_list_free".into(),
            function_type: sig(&[ValKind::I32], &[ValKind::I32]),
            own_type_called_indirectly: false,
        }]
    );
    let text = r.to_string();
    assert!(text.contains("  ranked findings (most likely first):\n    1. SUSPECT: slot 0 holds `zend_list_free`: (i32) -> i32, a type no call_indirect uses; called as (i32) -> () in call_dtor\n"), "{text}");
    assert!(r.to_json().contains(r#""function":"zend_list_free","function_type":"(i32) -> i32","call_type":"(i32) -> ()","suspect":true"#));
}

#[test]
fn entries_whose_own_type_is_also_called_are_only_candidates() {
    let r = report(
        r#"(module (type $v (func (param i32))) (type $r (func (param i32) (result i32)))
            (table 2 funcref) (elem (i32.const 0) $ret)
            (func $ret (param i32) (result i32) i32.const 0)
            (func $call_v (param i32) local.get 0 i32.const 0 call_indirect (type $v))
            (func $call_r (param i32) (result i32) local.get 0 i32.const 0 call_indirect (type $r)))"#,
    );
    assert_eq!(r.indirect_mismatches.len(), 1);
    assert!(!r.indirect_mismatches[0].is_suspect());
    let text = r.to_string();
    assert!(
        text.contains(
            "  folded: 1 other candidate(s) whose own type is called indirectly too (harmless unless a pointer was cast):\n    called as (i32) -> (), slot holds (i32) -> i32: 1 function(s), e.g. ret\n"
        ),
        "{text}"
    );
    assert!(r.indirect_findings.is_empty());
    assert!(!text.contains("SUSPECT"), "{text}");
}

#[test]
fn matching_tables_report_no_mismatch() {
    let r = report(
        r#"(module (type $t (func (param i32) (result i32)))
            (table 1 funcref) (elem (i32.const 0) $f)
            (func $f (param i32) (result i32) local.get 0)
            (func (param i32) (result i32) local.get 0 i32.const 0 call_indirect (type $t)))"#,
    );
    assert!(r.indirect_mismatches.is_empty());
    assert!(r.to_string().contains("ok: no table function differs"));
}

#[test]
fn entries_of_another_table_are_not_compared() {
    let r = report(
        r#"(module (type $v (func (param i32)))
            (table $a 1 funcref) (table $b 1 funcref)
            (elem (table $a) (i32.const 0) func $ret)
            (func $ret (param i32) (result i32) i32.const 0)
            (func (param i32) local.get 0 i32.const 0 call_indirect $b (type $v)))"#,
    );
    assert!(
        r.indirect_mismatches.is_empty(),
        "{:?}",
        r.indirect_mismatches
    );
}

#[test]
fn expression_segments_and_duplicate_types_are_handled() {
    let r = report(
        r#"(module (type $v1 (func (param i32))) (type $v2 (func (param i32)))
            (table 2 funcref)
            (elem (i32.const 0) funcref (ref.func $ret))
            (func $ret (param i32) (result i32) i32.const 0)
            (func $a (param i32) local.get 0 i32.const 0 call_indirect (type $v1))
            (func $b (param i32) local.get 0 i32.const 0 return_call_indirect (type $v2)))"#,
    );
    assert_eq!(
        r.indirect_call_types.len(),
        1,
        "structurally equal types merge"
    );
    assert_eq!(r.indirect_mismatches.len(), 1);
    assert_eq!(
        r.indirect_mismatches[0].callers,
        vec!["a".to_string(), "b".to_string()]
    );
}

#[test]
fn unnamed_functions_fall_back_to_export_or_index() {
    let wasm = wat::parse_str(
        r#"(module (type $v (func (param i32))) (table 2 funcref) (elem (i32.const 0) 0 1)
            (func (export "exported_ret") (param i32) (result i32) i32.const 0)
            (func (param i32) (result i32) i32.const 0)
            (func (param i32) local.get 0 i32.const 0 call_indirect (type $v)))"#,
    )
    .expect("wat");
    let names: Vec<String> = inspect(&wasm)
        .expect("inspect")
        .indirect_mismatches
        .into_iter()
        .map(|m| m.function)
        .collect();
    assert_eq!(
        names,
        vec!["exported_ret (export)".to_string(), "func[1]".to_string()]
    );
}

#[test]
fn garbage_is_a_parse_error() {
    assert!(matches!(
        inspect(b"\0asm\x01\0\0\0\x01\xff"),
        Err(InspectError::Parse(_))
    ));
    assert!(matches!(inspect(b"not wasm"), Err(InspectError::Parse(_))));
}

#[test]
fn json_escapes_names_and_lists_every_section() {
    let r =
        report(r#"(module (import "env" "we\"ird\\name\n\01" (func)) (memory (export "m") 1))"#);
    let json = r.to_json();
    assert!(
        json.starts_with(
            r#"{"imports":[{"module":"env","name":"we\"ird\\name\n\u0001","family":"Unknown""#
        ),
        "{json}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed["imports"][0]["name"], "we\"ird\\name\n\u{1}");
    assert_eq!(parsed["imports"][0]["type"], "() -> ()");
    assert!(
        json.contains(
            r#""binding":"unknown","form":""}],"exports":[{"name":"m","kind":"memory","index":0}]"#
        ),
        "{json}"
    );
    assert!(
        json.ends_with(
            r#""memories":["1 pages initial, no max"],"indirect_sites":0,"indirect_mismatches":[],"indirect_findings":[]}"#
        ),
        "{json}"
    );
}

/// PHP's `rc_dtor_func` shape: a data-segment array of slot numbers (slots 1..=4 at
/// address 64), mostly `(i32) -> ()` destructors and one `(i32) -> i32` cast in, read by a
/// caller with `i32.load offset=64`; `(i32) -> i32` is called indirectly too (by
/// `call_handler`), so `zend_list_free` is no suspect and only the array ranks it.
const RC_DTOR: &str = r#"(module
    (type $v (func (param i32)))
    (type $r (func (param i32) (result i32)))
    (memory 1)
    (table 8 funcref)
    (elem (i32.const 1) $string_destroy $array_destroy $zend_list_free $ref_destroy
                        $handler_a $handler_b)
    (data (i32.const 64) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00")
    (data (i32.const 128) "\05\00\00\00\06\00\00\00")
    (func $string_destroy (param i32))
    (func $array_destroy (param i32))
    (func $zend_list_free (param i32) (result i32) i32.const 1)
    (func $ref_destroy (param i32))
    (func $handler_a (param i32) (result i32) i32.const 1)
    (func $handler_b (param i32) (result i32) i32.const 2)
    (func $rc_dtor_func (param i32 i32)
      (call_indirect (type $v) (local.get 1)
        (i32.load offset=64 (i32.shl (local.get 0) (i32.const 2)))))
    (func $call_handler (param i32) (result i32)
      (call_indirect (type $r) (local.get 0)
        (i32.load (i32.add (i32.const 128) (i32.shl (local.get 0) (i32.const 2)))))))"#;

#[test]
fn pointer_array_evidence_ranks_the_cast_function_first_and_folds_the_rest() {
    let r = report(RC_DTOR);
    assert_eq!(r.indirect_sites, 2);
    assert_eq!(
        r.indirect_findings,
        vec![IndirectFinding {
            callers: vec!["rc_dtor_func".into()],
            call_type: sig(&[ValKind::I32], &[]),
            slot: Some(3),
            function: "zend_list_free".into(),
            function_type: sig(&[ValKind::I32], &[ValKind::I32]),
            evidence: Evidence::PointerArray {
                address: 64,
                len: 4,
                same_type: 3
            },
        }]
    );
    let text = r.to_string();
    assert!(text.contains("    1. rc_dtor_func calls (i32) -> () through the function-pointer array at 0x40 (4 slots, 3 of that type); its slot 3 holds `zend_list_free`: (i32) -> i32\n"), "{text}");
    // handler_a/b vs (i32) -> () and the destructors vs (i32) -> i32: folded, not listed.
    assert!(text.contains("called as (i32) -> (), slot holds (i32) -> i32: 2 function(s), e.g. handler_a, handler_b\n"), "{text}");
    assert!(
        text.contains("called as (i32) -> i32, slot holds (i32) -> (): 3 function(s)"),
        "{text}"
    );
    assert!(r.to_json().contains(r#""indirect_findings":[{"evidence":"pointer_array","callers":["rc_dtor_func"],"call_type":"(i32) -> ()","slot":3,"function":"zend_list_free","function_type":"(i32) -> i32","array_address":64,"array_len":4,"array_same_type":3}]"#), "{}", r.to_json());
}

#[test]
fn an_array_without_entries_of_the_called_type_is_no_evidence() {
    // call_handler reads the handler array (all (i32) -> i32): no (i32) -> () entry there,
    // so reading it from an (i32) -> () caller proves nothing.
    let r = report(&RC_DTOR.replace("offset=64", "offset=128"));
    assert!(r.indirect_findings.is_empty(), "{:?}", r.indirect_findings);
}

#[test]
fn indirect_trap_describes_site_slot_and_types_from_the_module_alone() {
    let wasm = wat::parse_str(RC_DTOR).expect("wat");
    // rc_dtor_func is function 6, call_handler 7; each has one call_indirect, so no site
    // number is needed.
    let trap = indirect_trap(&wasm, 6, None, 3).expect("rc_dtor_func's site");
    assert_eq!(
        trap.to_string(),
        "rc_dtor_func called table slot 3 (zend_list_free: (i32) -> i32) as (i32) -> ()"
    );
    assert_eq!(
        indirect_trap(&wasm, 7, Some(0), 7)
            .expect("call_handler")
            .to_string(),
        "call_handler called table slot 7 (not filled by an element segment) as (i32) -> i32"
    );
    assert_eq!(
        indirect_trap(&wasm, 0, None, 0),
        None,
        "no site in string_destroy"
    );
    assert_eq!(indirect_trap(b"junk", 6, None, 0), None);
}

#[test]
fn with_several_sites_in_the_caller_the_recorded_site_decides() {
    let wasm = wat::parse_str(
        r#"(module (type $v (func (param i32))) (type $r (func (param i32) (result i32)))
            (table 2 funcref) (elem (i32.const 0) $ret)
            (func $ret (param i32) (result i32) i32.const 0)
            (func $two (param i32)
              (call_indirect (type $v) (local.get 0) (i32.const 0))
              (drop (call_indirect (type $r) (local.get 0) (i32.const 0)))))"#,
    )
    .expect("wat");
    let as_void = indirect_trap(&wasm, 1, Some(0), 0).expect("site 0");
    assert_eq!(as_void.expected, sig(&[ValKind::I32], &[]));
    let as_int = indirect_trap(&wasm, 1, Some(1), 0).expect("site 1");
    assert_eq!(as_int.expected, sig(&[ValKind::I32], &[ValKind::I32]));
    assert_eq!(
        indirect_trap(&wasm, 1, None, 0),
        None,
        "ambiguous without a site"
    );
    assert_eq!(
        indirect_trap(&wasm, 0, Some(0), 0),
        None,
        "site 0 is not in $ret"
    );
}

#[test]
fn a_vtable_like_run_with_one_entry_of_the_called_type_is_no_evidence() {
    // Slots 1 (a destructor), 5, 6 (int handlers) and 3 (zend_list_free) at address 64:
    // one entry of the called type among four reads as a Rust vtable, not a dtor array.
    let r = report(&RC_DTOR.replace(
        r#"(data (i32.const 64) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00")"#,
        r#"(data (i32.const 64) "\01\00\00\00\05\00\00\00\06\00\00\00\03\00\00\00")"#,
    ));
    assert!(r.indirect_findings.is_empty(), "{:?}", r.indirect_findings);
}
