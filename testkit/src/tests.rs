//! The two switches, checked in child processes of this test binary (environment
//! variables are process-wide, so each case runs in its own process).

use std::process::Command;

/// Runs the test `name` of this binary alone, with `env` set, and returns (success, stderr).
fn child(name: &str, env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(std::env::current_exe().expect("current_exe"))
        .args(["--exact", name, "--nocapture", "--include-ignored"])
        .env_remove(super::REQUIRE_ALL)
        .env_remove(super::RAN_LOG)
        .envs(env.iter().copied())
        .output()
        .expect("spawn self");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Calls `skip` and `ran`; run only as a child of the tests below.
#[test]
#[ignore = "driven by the tests below, in a child process"]
fn probe() {
    super::skip("the moon");
    super::ran("differential");
    super::ran("ipv6");
}

#[test]
fn skip_prints_a_line_without_require_all() {
    let (ok, err) = child("tests::probe", &[]);
    assert!(ok, "{err}");
    assert!(err.contains("skip: tests::probe: the moon"), "{err}");
}

#[test]
fn skip_fails_naming_what_is_missing_under_require_all() {
    let (ok, err) = child("tests::probe", &[(super::REQUIRE_ALL, "1")]);
    assert!(!ok, "{err}");
    assert!(
        err.contains(
            "tests::probe: required prerequisite missing (FDVIRT_REQUIRE_ALL=1): the moon"
        ),
        "{err}"
    );
}

#[test]
fn require_all_other_than_1_still_skips() {
    let (ok, err) = child("tests::probe", &[(super::REQUIRE_ALL, "0")]);
    assert!(ok, "{err}");
}

#[test]
fn ran_appends_one_line_per_call() {
    let dir = std::env::temp_dir().join(format!("testkit-ran-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let log = dir.join("ran.log");
    std::fs::write(&log, "ran: c-guest earlier::test\n").expect("seed log");
    let (ok, err) = child(
        "tests::probe",
        &[(super::RAN_LOG, log.to_str().expect("utf8"))],
    );
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&log).expect("read log");
    std::fs::remove_dir_all(&dir).expect("cleanup");
    assert_eq!(
        text,
        "ran: c-guest earlier::test\nran: differential tests::probe\nran: ipv6 tests::probe\n"
    );
}
