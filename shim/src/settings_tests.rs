use std::net::SocketAddr;

use fdtable::FdPolicy;
use hostsock::NetUse;
use runtime_glue::UnixSockets;

use super::{Settings, SettingsError};
use runtime_glue::Engine;

fn parse(env: &[&str]) -> Result<Settings, SettingsError> {
    Settings::from_env(env)
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn no_settings_keeps_defaults_and_the_whole_environment() {
    let s = parse(&["PATH=/bin", "PORT=8080", "EMPTY=", "NOEQ"]).unwrap();
    assert_eq!(s.fd_policy, FdPolicy::default());
    assert_eq!(s.max_fds, None);
    assert!(s.tcplisten.is_empty() && s.grants.is_empty() && !s.unix && !s.trace);
    assert_eq!(s.engine, Engine::Wasmi);
    let env: Vec<(&str, &str)> = s
        .guest_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        env,
        [
            ("PATH", "/bin"),
            ("PORT", "8080"),
            ("EMPTY", ""),
            ("NOEQ", "")
        ]
    );
}

#[test]
fn settings_parse_and_leave_the_guest_environment() {
    let s = parse(&[
        "PORT=8080",
        "FDVIRT_FD_POLICY=capped:1024,seed=7",
        "FDVIRT_MAX_FDS=64",
        "FDVIRT_TCPLISTEN=127.0.0.1:9000, [::1]:9001",
        "FDVIRT_ALLOW_BIND=127.0.0.1:8000-9000",
        "FDVIRT_ALLOW_AF_UNIX=true",
        "FDVIRT_TRACE=0",
        "FDVIRT_ENGINE=wasmi",
    ])
    .unwrap();
    assert_eq!(
        s.fd_policy,
        "capped:1024,seed=7".parse::<FdPolicy>().unwrap()
    );
    assert_eq!(s.max_fds, Some(64));
    assert_eq!(s.tcplisten, [addr("127.0.0.1:9000"), addr("[::1]:9001")]);
    assert_eq!(s.grants.len(), 1);
    assert!(s.unix && !s.trace);
    assert_eq!(s.guest_env, [("PORT".to_owned(), "8080".to_owned())]);
}

#[test]
fn grants_restrict_only_the_use_they_name() {
    let s = parse(&["FDVIRT_ALLOW_BIND=127.0.0.1:8000-9000,[::1]:80"]).unwrap();
    let net = s.net_config();
    assert!(net.policy.allows(NetUse::Bind, addr("127.0.0.1:8080")));
    assert!(net.policy.allows(NetUse::Bind, addr("[::1]:80")));
    assert!(!net.policy.allows(NetUse::Bind, addr("127.0.0.1:7999")));
    assert!(!net.policy.allows(NetUse::Bind, addr("0.0.0.0:8080")));
    // No FDVIRT_ALLOW_CONNECT: connecting stays allowed everywhere.
    assert!(net.policy.allows(NetUse::Connect, addr("192.0.2.1:443")));
    assert_eq!(net.options.unix, UnixSockets::Deny);
    assert!(net.listeners.is_empty());
}

/// Each bad value fails, and the message names the variable and the value.
#[test]
fn bad_values_are_errors_that_name_variable_and_value() {
    for (entry, needle) in [
        ("FDVIRT_FD_POLICY=bogus", "FDVIRT_FD_POLICY=\"bogus\""),
        ("FDVIRT_FD_POLICY=capped:x", "FDVIRT_FD_POLICY"),
        ("FDVIRT_MAX_FDS=0", "must be at least 1"),
        ("FDVIRT_MAX_FDS=-3", "FDVIRT_MAX_FDS=\"-3\""),
        ("FDVIRT_TCPLISTEN=localhost:80", "\"localhost:80\""),
        ("FDVIRT_ALLOW_CONNECT=10.0.0.1", "FDVIRT_ALLOW_CONNECT"),
        ("FDVIRT_ALLOW_LOOKUP=", "no grant given"),
        ("FDVIRT_ALLOW_AF_UNIX=maybe", "expected true/false"),
        ("FDVIRT_TRACE=2", "FDVIRT_TRACE"),
    ] {
        let err = parse(&[entry]).expect_err(entry);
        assert!(
            matches!(err, SettingsError::Invalid { .. }),
            "{entry}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains(needle), "{entry}: {msg}");
    }
}

#[test]
fn unknown_setting_and_unknown_engine_are_errors() {
    let err = parse(&["FDVIRT_FD_POLCY=random"]).unwrap_err();
    assert_eq!(
        err,
        SettingsError::Unknown {
            name: "FDVIRT_FD_POLCY".into()
        }
    );
    assert!(err.to_string().contains("FDVIRT_FD_POLICY"), "{err}");
    let err = parse(&["FDVIRT_ENGINE=wasmedge"]).unwrap_err();
    assert!(matches!(err, SettingsError::Engine { .. }), "{err:?}");
    assert!(err.to_string().contains("wasmi, wasmtime"), "{err}");
    assert_eq!(
        parse(&["FDVIRT_ENGINE=wasmtime"]).unwrap().engine,
        Engine::Wasmtime
    );
}

/// The README's Kubernetes pod example means what its comments say.
#[test]
fn readme_pod_example_settings_parse_and_restrict() {
    let s = parse(&[
        "FDVIRT_FD_POLICY=capped:1024",
        "FDVIRT_ALLOW_BIND=0.0.0.0:8080",
        "FDVIRT_ALLOW_CONNECT=10.96.0.0/12:*",
    ])
    .unwrap();
    assert_eq!(s.fd_policy, FdPolicy::capped(1024));
    let p = s.net_config().policy;
    assert!(p.allows(NetUse::Bind, addr("0.0.0.0:8080")));
    assert!(!p.allows(NetUse::Bind, addr("0.0.0.0:9090")));
    assert!(p.allows(NetUse::Connect, addr("10.100.0.1:443")));
    assert!(!p.allows(NetUse::Connect, addr("192.0.2.1:53")));
}
