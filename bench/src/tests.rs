use crate::stats::{Latencies, Summary, fmt_num};
use std::time::Duration;

#[test]
fn quantiles_use_nearest_rank() {
    let l = Latencies::new((1..=100).rev().collect());
    assert_eq!(l.quantile(0.5), Some(Duration::from_nanos(50)));
    assert_eq!(l.quantile(0.99), Some(Duration::from_nanos(99)));
    assert_eq!(l.quantile(1.0), Some(Duration::from_nanos(100)));
    assert_eq!(l.quantile(0.0), Some(Duration::from_nanos(1)));
    assert_eq!(Latencies::new(vec![]).quantile(0.5), None);
}

#[test]
fn summary_takes_median_min_max() {
    let s = Summary::of(&[5.0, 1.0, 3.0]).unwrap();
    assert_eq!((s.median, s.min, s.max), (3.0, 1.0, 5.0));
    let even = Summary::of(&[4.0, 1.0, 2.0, 3.0]).unwrap();
    assert_eq!(even.median, 2.5);
    assert!(Summary::of(&[]).is_none());
    assert!(Summary::of(&[1.0, f64::NAN]).is_none());
}

#[test]
fn numbers_get_separators() {
    assert_eq!(fmt_num(1_234_567.4), "1,234,567");
    assert_eq!(fmt_num(123.0), "123");
    assert_eq!(fmt_num(12.5), "12.5");
    assert_eq!(fmt_num(-1000.0), "-1,000");
    assert_eq!(fmt_num(f64::NAN), "-");
}

mod http_parse {
    use crate::http::read_response;
    use std::io::BufReader;

    #[test]
    fn content_length_and_chunked_bodies_are_read_exactly() {
        let wire: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let mut r = BufReader::new(wire);
        let first = read_response(&mut r).unwrap();
        assert_eq!(
            (first.status, first.body.as_slice(), first.close),
            (200, &b"hello"[..], false)
        );
        let second = read_response(&mut r).unwrap();
        assert_eq!(
            (second.status, second.body.as_slice(), second.close),
            (404, &b"abcde"[..], true)
        );
        assert!(read_response(&mut r).is_err(), "EOF is an error");
    }

    #[test]
    fn malformed_responses_are_errors() {
        for wire in [
            &b"SSH-2.0 hi\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
            b"HTTP/1.1 200 OK\r\nbroken header\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ] {
            assert!(
                read_response(&mut BufReader::new(wire)).is_err(),
                "{:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }
}

mod contenders {
    use std::path::PathBuf;

    use crate::{
        contender::{Contender, Engine, Program, Runtime},
        tools::Tools,
    };

    fn tools(with_fdvirt: bool) -> Tools {
        let p = |s: &str| PathBuf::from(s);
        Tools {
            root: p("/r"),
            target_dir: p("/t"),
            native_echo: p("/t/release/bench-echo"),
            native_hello: p("/t/release/bench-hello"),
            echo_wasm: p("/t/echo.wasm"),
            echo_big_wasm: p("/t/big.wasm"),
            wasmedge_echo: Some(p("/t/wasmedge-echo.wasm")),
            hyper_wasm: None,
            std_http: None,
            tokio_echo_wasm: Some(p("/t/tokio-echo.wasm")),
            tokio_http_wasm: Some(p("/t/tokio-http.wasm")),
            native_tokio_echo: p("/t/release/tokio-echo"),
            native_tokio_http: p("/t/release/tokio-http"),
            native_sha: p("/t/release/bench-sha"),
            sha_wasm: p("/t/sha.wasm"),
            fdvirt: with_fdvirt.then(|| p("/t/release/fdvirt")),
            fdvirt_wasmtime: with_fdvirt.then(|| p("/t/release/fdvirt-wasmtime")),
            wasmtime: Some(p("/w/wasmtime")),
            wasmtime_version: None,
            notes: Vec::new(),
        }
    }

    fn argv(c: &Contender, t: &Tools) -> Vec<String> {
        let addr = "127.0.0.1:4000".parse().unwrap();
        let spec = c.spec(t, addr).unwrap();
        std::iter::once(spec.program.display().to_string())
            .chain(spec.args.iter().map(|a| a.to_string_lossy().into_owned()))
            .collect()
    }

    #[test]
    fn command_lines_follow_each_runtime_cli() {
        let t = tools(true);
        let fd = Contender::new(Runtime::fdvirt("capped:1024"), Program::Echo);
        assert_eq!(
            argv(&fd, &t).join(" "),
            "/t/release/fdvirt run --engine wasmi --fd-policy capped:1024 --tcplisten 127.0.0.1:4000 /t/echo.wasm"
        );
        let we = Contender::new(Runtime::fdvirt("lowest"), Program::WasmedgeEcho);
        assert_eq!(
            argv(&we, &t).join(" "),
            "/t/release/fdvirt run --engine wasmi --fd-policy lowest /t/wasmedge-echo.wasm 127.0.0.1:4000"
        );
        let th = Contender::new(Runtime::fdvirt("lowest"), Program::TokioHttp);
        assert_eq!(
            argv(&th, &t).join(" "),
            "/t/release/fdvirt run --engine wasmi --fd-policy lowest --tcplisten 127.0.0.1:4000 /t/tokio-http.wasm"
        );
        let te = Contender::new(Runtime::Native, Program::TokioEcho);
        assert_eq!(
            argv(&te, &t).join(" "),
            "/t/release/tokio-echo 127.0.0.1:4000"
        );
        let wt = Contender::new(Runtime::Wasmtime { cached: false }, Program::EchoBig);
        assert_eq!(
            argv(&wt, &t).join(" "),
            "/w/wasmtime run -C cache=n -S preview2=n -S tcplisten=127.0.0.1:4000 /t/big.wasm"
        );
        let native = Contender::new(Runtime::Native, Program::Echo);
        assert_eq!(
            argv(&native, &t).join(" "),
            "/t/release/bench-echo --listen 127.0.0.1:4000"
        );
    }

    #[test]
    fn the_engine_is_always_explicit_each_engine_has_its_build_and_the_compute_guest_has_a_native_twin()
     {
        let t = tools(true);
        let wt = Runtime::fdvirt_on(Engine::Wasmtime, "lowest");
        let sha = Contender::new(wt.clone(), Program::Sha);
        assert_eq!(
            argv(&sha, &t).join(" "),
            "/t/release/fdvirt-wasmtime run --engine wasmtime --fd-policy lowest --tcplisten 127.0.0.1:4000 /t/sha.wasm"
        );
        // wasmi rows run the default build (wasmi only), as the README builds it.
        let wasmi = Contender::new(Runtime::fdvirt("lowest"), Program::Sha);
        assert!(argv(&wasmi, &t)[0].ends_with("/t/release/fdvirt"));
        assert_eq!(wt.label(), "fdvirt --engine wasmtime (lowest)");
        assert_eq!(Runtime::fdvirt("lowest").label(), "fdvirt (lowest)");
        let native = Contender::new(Runtime::Native, Program::Sha);
        assert_eq!(
            argv(&native, &t).join(" "),
            "/t/release/bench-sha --listen 127.0.0.1:4000"
        );
        let cli = Contender::new(Runtime::Wasmtime { cached: true }, Program::Sha);
        assert_eq!(
            argv(&cli, &t).join(" "),
            "/w/wasmtime run -C cache=y -S preview2=n -S tcplisten=127.0.0.1:4000 /t/sha.wasm"
        );
    }

    #[test]
    fn missing_tools_and_inapplicable_pairs_are_refused() {
        let t = tools(false);
        let addr = "127.0.0.1:1".parse().unwrap();
        assert!(
            Contender::new(Runtime::fdvirt("lowest"), Program::Echo)
                .spec(&t, addr)
                .is_err()
        );
        assert!(
            Contender::new(Runtime::Wasmtime { cached: true }, Program::WasmedgeEcho)
                .spec(&t, addr)
                .is_err()
        );
        assert!(
            Contender::new(Runtime::Wasmtime { cached: false }, Program::TokioHttp)
                .spec(&t, addr)
                .is_err(),
            "tokio_wasi needs the WasmEdge socket calls"
        );
        assert!(
            Contender::new(Runtime::Native, Program::EchoBig)
                .spec(&t, addr)
                .is_err()
        );
        let t = tools(true);
        assert!(
            Contender::new(Runtime::fdvirt("lowest"), Program::Hello)
                .spec(&t, addr)
                .is_err(),
            "hyper guest not built"
        );
    }
}

mod verdicts {
    use crate::{
        contender::{Contender, Program, Runtime},
        results::{Row, Workload},
        targets::evaluate,
        workloads::echo::config,
    };

    fn row(workload: Workload, config: &str, x: f64, runtime: Runtime, values: &[f64]) -> Row {
        let mut r = Row::new(workload, config, x, &Contender::new(runtime, Program::Echo));
        r.values = values.to_vec();
        r
    }

    #[test]
    fn targets_compare_fdvirt_with_native_and_with_itself() {
        let c = config(64, 64);
        let rows = vec![
            row(Workload::Echo, &c, 64.0, Runtime::Native, &[100.0, 100.0]),
            row(
                Workload::Echo,
                &c,
                64.0,
                Runtime::fdvirt("lowest"),
                &[75.0, 80.0, 70.0],
            ),
            row(
                Workload::Poll,
                "10",
                10.0,
                Runtime::fdvirt("lowest"),
                &[100.0],
            ),
            row(
                Workload::Poll,
                "10000",
                10000.0,
                Runtime::fdvirt("lowest"),
                &[50.0],
            ),
            row(
                Workload::Memory,
                "m",
                1000.0,
                Runtime::fdvirt("lowest"),
                &[4.0],
            ),
        ];
        let v = evaluate(&rows);
        let find = |s: &str| v.iter().find(|v| v.target.starts_with(s)).unwrap().verdict;
        assert_eq!(find("echo 64 B"), "yes");
        assert_eq!(find("poll scaling"), "NO");
        assert_eq!(find("RSS"), "yes");
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn issue_16_targets_hold_and_slow() {
        use crate::workloads::{hold, slow};
        let fd = || Runtime::fdvirt("lowest");
        let (open, rss) = hold::configs(Program::Echo, 10_000);
        let (alone, loaded) = slow::configs(Program::Hello, 500);
        let rows = vec![
            row(Workload::Hold, &open, 1e4, Runtime::Native, &[400.0]),
            row(Workload::Hold, &open, 1e4, fd(), &[590.0]),
            row(Workload::Hold, &rss, 1e4, fd(), &[40.5]),
            row(Workload::Slow, &alone, 0.0, fd(), &[100.0]),
            row(Workload::Slow, &loaded, 500.0, fd(), &[69.0]),
        ];
        let v = evaluate(&rows);
        let find = |s: &str| v.iter().find(|v| v.target.contains(s)).unwrap().verdict;
        assert_eq!(find("open all"), "yes", "590 ms is 1.48x native");
        assert_eq!(find("peak RSS"), "NO", "40.5 MiB is over 40");
        assert_eq!(find("slowloris"), "NO", "69% of alone");
        // The wasmtime engine: its open time has the target, its RSS is only reported.
        let wt = || Runtime::fdvirt_on(crate::contender::Engine::Wasmtime, "lowest");
        let rows = vec![
            row(Workload::Hold, &open, 1e4, Runtime::Native, &[400.0]),
            row(Workload::Hold, &open, 1e4, wt(), &[610.0]),
            row(Workload::Hold, &rss, 1e4, wt(), &[45.0]),
        ];
        let v = evaluate(&rows);
        assert_eq!(v.len(), 1, "no RSS verdict for the wasmtime engine: {v:?}");
        assert!(v[0].target.contains("--engine wasmtime"), "{:?}", v[0]);
        assert_eq!(v[0].verdict, "NO", "610 ms is 1.53x native");
        let mut failed = row(Workload::Hold, &rss, 1e4, fd(), &[10.0]);
        failed.fail("held connection 7: echo differs");
        let v = evaluate(&[failed]);
        assert_eq!(v[0].verdict, "not measured", "a byte missing is no pass");
    }

    #[test]
    fn issue_13_targets_put_the_wasmtime_engine_beside_native_and_the_cli() {
        use crate::{contender::Engine, targets_engines, workloads::http};
        let wt = || Runtime::fdvirt_on(Engine::Wasmtime, "lowest");
        let (hyper, sha) = (
            http::config(64, Program::Hello),
            http::config(64, Program::Sha),
        );
        let std = http::config(64, Program::StdHttp);
        let cli = Runtime::Wasmtime { cached: false };
        let rows = vec![
            row(Workload::Http, &hyper, 64.0, Runtime::Native, &[1000.0]),
            row(
                Workload::Http,
                &hyper,
                64.0,
                Runtime::fdvirt("lowest"),
                &[900.0],
            ),
            row(Workload::Http, &hyper, 64.0, wt(), &[790.0]),
            row(Workload::Http, &sha, 64.0, Runtime::Native, &[1000.0]),
            row(Workload::Http, &sha, 64.0, wt(), &[700.0]),
            row(Workload::Http, &std, 64.0, cli, &[1000.0]),
            row(Workload::Http, &std, 64.0, wt(), &[990.0]),
            row(Workload::Startup, "small guest", 0.0, wt(), &[9.0]),
            row(
                Workload::Startup,
                "small guest",
                0.0,
                Runtime::fdvirt("lowest"),
                &[5.5],
            ),
        ];
        let v = targets_engines::evaluate(&rows);
        let find = |s: &str| v.iter().find(|v| v.target.contains(s)).unwrap();
        assert_eq!(
            find("hyper").verdict,
            "NO",
            "79% of native, the wasmi row is not it"
        );
        assert_eq!(find("sha256").verdict, "yes", "70% of native");
        assert_eq!(find("std-http").verdict, "NO", "0.99x the CLI");
        assert_eq!(find("std-http").measured, "990 vs 1,000 (0.99×)");
        assert_eq!(find("engine wasmtime (warm").verdict, "yes");
        assert_eq!(find("engine wasmi").verdict, "NO", "5.5 ms is over 5");
        assert_eq!(v.len(), 5);
    }

    #[test]
    fn poll_target_counts_a_failed_top_n_as_missed() {
        let (a, b) = (Runtime::fdvirt("lowest"), Runtime::fdvirt("random"));
        let mut failed = row(Workload::Poll, "10000", 10000.0, a.clone(), &[]);
        failed.fail("EMFILE");
        let rows = vec![
            row(Workload::Poll, "10", 10.0, a.clone(), &[100.0]),
            row(Workload::Poll, "10", 10.0, b.clone(), &[100.0]),
            row(Workload::Poll, "1000", 1000.0, a, &[90.0]),
            row(Workload::Poll, "1000", 1000.0, b, &[85.0]),
            failed,
        ];
        let v = evaluate(&rows);
        assert_eq!(v.len(), 2, "one verdict per contender: {v:?}");
        assert_eq!(v[0].verdict, "NO");
        assert!(
            v[0].measured
                .starts_with("failed at N=10,000; N=1,000: 90 vs 100 (90%)"),
            "{}",
            v[0].measured
        );
        assert_eq!(v[1].verdict, "yes", "{:?}", v[1]);
    }
}

#[test]
fn size_labels() {
    use crate::workloads::size_label;
    assert_eq!(size_label(64), "64 B");
    assert_eq!(size_label(16384), "16 KiB");
    assert_eq!(size_label(87026), "85 KiB");
    assert_eq!(size_label(4_679_196), "4.5 MiB");
}

#[test]
fn plots_draw_every_contender() {
    use crate::{
        contender::{Contender, Program, Runtime},
        results::{Row, Workload},
    };
    let mut rows = Vec::new();
    for (runtime, base) in [
        (Runtime::Native, 1000.0),
        (Runtime::fdvirt("lowest"), 800.0),
    ] {
        let c = Contender::new(runtime, Program::Echo);
        for n in [10.0, 100.0, 1000.0] {
            let mut r = Row::new(Workload::Poll, &format!("{n}"), n, &c);
            r.values = vec![base / n.log10()];
            rows.push(r);
        }
        let mut e = Row::new(
            Workload::Echo,
            &crate::workloads::echo::config(16, 64),
            16.0,
            &c,
        );
        e.values = vec![base];
        rows.push(e);
    }
    let dir = std::env::temp_dir().join(format!("fdvirt-bench-plots-{}", std::process::id()));
    let written = crate::plot::write_all(&rows, &dir).unwrap();
    let names: Vec<_> = written
        .iter()
        .filter_map(|p| p.file_name()?.to_str())
        .collect();
    assert_eq!(
        names,
        ["echo-64B.svg", "poll-scaling.svg"],
        "no 16 KiB rows, no 16 KiB plot"
    );
    let svg = std::fs::read_to_string(dir.join("poll-scaling.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("native · bench-echo"));
    assert!(svg.contains("fdvirt (lowest) · bench-echo.wasm"));
    let _ = std::fs::remove_dir_all(dir);
}
