use super::{
    Cli, Command,
    args::{DirMapping, EnvVar, parse_dir, parse_env},
};
use clap::Parser;
use fdtable::FdPolicy;
use std::path::PathBuf;

fn parse(argv: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("fdvirt").chain(argv.iter().copied()))
}

#[test]
fn dir_accepts_host_and_host_guest_forms() {
    assert_eq!(
        parse_dir("/tmp/x"),
        Ok(DirMapping {
            host: PathBuf::from("/tmp/x"),
            guest: "/tmp/x".into()
        })
    );
    assert_eq!(
        parse_dir("./data::/sandbox"),
        Ok(DirMapping {
            host: PathBuf::from("./data"),
            guest: "/sandbox".into()
        })
    );
    assert!(parse_dir("::/g").is_err());
    assert!(parse_dir("/h::").is_err());
}

#[test]
fn env_accepts_key_value_and_inherits_bare_keys() {
    assert_eq!(
        parse_env("A=b=c"),
        Ok(EnvVar {
            key: "A".into(),
            value: "b=c".into()
        })
    );
    assert_eq!(
        parse_env("EMPTY="),
        Ok(EnvVar {
            key: "EMPTY".into(),
            value: String::new()
        })
    );
    assert!(parse_env("=x").is_err());
    let path = std::env::var("PATH").unwrap_or_default();
    if !path.is_empty() {
        assert_eq!(
            parse_env("PATH"),
            Ok(EnvVar {
                key: "PATH".into(),
                value: path
            })
        );
    }
    assert!(parse_env("FDVIRT_SURELY_UNSET_VARIABLE_42").is_err());
}

#[test]
fn run_parses_every_option_and_keeps_guest_args_verbatim() {
    let cli = parse(&[
        "run",
        "--dir",
        "/h::/g",
        "--env",
        "K=V",
        "--fd-policy",
        "capped:64,seed=7",
        "--max-fds",
        "100",
        "--trace=sock,poll",
        "--trace-file",
        "t.log",
        "prog.wasm",
        "--not-ours",
        "-x",
        "plain",
    ])
    .expect("parses");
    let Command::Run(run) = cli.command else {
        panic!("not run: {cli:?}")
    };
    assert_eq!(
        run.dirs,
        vec![DirMapping {
            host: PathBuf::from("/h"),
            guest: "/g".into()
        }]
    );
    assert_eq!(
        run.envs,
        vec![EnvVar {
            key: "K".into(),
            value: "V".into()
        }]
    );
    assert_eq!(run.fd_policy, FdPolicy::capped(64).with_seed(7));
    assert_eq!(run.max_fds, Some(100));
    assert_eq!(run.trace, Some("sock,poll".parse().expect("classes")));
    assert_eq!(run.trace_file, Some(PathBuf::from("t.log")));
    assert_eq!(run.module, PathBuf::from("prog.wasm"));
    assert_eq!(run.args, vec!["--not-ours", "-x", "plain"]);
}

#[test]
fn run_defaults_to_lowest_policy() {
    let Command::Run(run) = parse(&["run", "m.wasm"]).expect("parses").command else {
        panic!("not run")
    };
    assert_eq!(run.fd_policy, FdPolicy::lowest());
    assert!(
        run.dirs.is_empty() && run.envs.is_empty() && run.args.is_empty() && run.trace.is_none()
    );
    assert_eq!(run.max_fds, None);
}

#[test]
fn bad_policy_and_missing_module_are_usage_errors() {
    let err = parse(&["run", "--fd-policy", "sideways", "m.wasm"]).expect_err("bad policy");
    assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
    let err = parse(&["run"]).expect_err("no module");
    assert_eq!(err.kind(), clap::error::ErrorKind::MissingRequiredArgument);
}

#[test]
fn inspect_parses_json_flag() {
    let Command::Inspect(i) = parse(&["inspect", "--json", "m.wasm"])
        .expect("parses")
        .command
    else {
        panic!("not inspect")
    };
    assert!(i.json);
    assert_eq!(i.module, PathBuf::from("m.wasm"));
}

#[test]
fn error_chain_skips_causes_already_in_the_message() {
    let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
    let err = anyhow::Error::new(io)
        .context("open /x: gone")
        .context("--dir /x");
    assert_eq!(super::error_chain(&err), "--dir /x: open /x: gone");
    let err = anyhow::anyhow!("inner").context("outer");
    assert_eq!(super::error_chain(&err), "outer: inner");
}

#[test]
fn guest_statuses_outside_a_byte_become_1() {
    use super::exit::guest_status;
    assert_eq!([0, 7, 126, 255].map(guest_status), [0, 7, 126, 255]);
    assert_eq!([256, 300, -1, i32::MIN].map(guest_status), [1, 1, 1, 1]);
}

#[test]
fn bare_trace_means_every_call_and_unknown_classes_are_refused() {
    let Command::Run(run) = parse(&["run", "--trace", "m.wasm"])
        .expect("parses")
        .command
    else {
        panic!("not run")
    };
    assert_eq!(run.trace, Some(runtime_glue::trace::TraceFilter::all()));
    // `--trace m.wasm` must not take the module as its value (require_equals).
    assert_eq!(run.module, PathBuf::from("m.wasm"));
    let err = parse(&["run", "--trace=sock,bogus", "m.wasm"]).expect_err("bogus class");
    assert!(
        err.to_string().contains("unknown trace class `bogus`"),
        "{err}"
    );
}
