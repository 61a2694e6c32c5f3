//! Resolver errors do not depend on the locale: under German messages (`de_DE.UTF-8`, where
//! `gai_strerror(EAI_NONAME)` reads "Der Name oder der Dienst ist nicht bekannt") an unknown
//! name is still `AINONAME` and an unknown service `AISERVICE`, because the `EAI_*` code is
//! mapped by number. (The former mapping matched glibc's English message texts, and gave
//! `AIFAIL` for both here.) A process that embeds fdvirt may well call `setlocale`; this
//! test binary does, so it runs alone in its own process.

use hostsock::{Errno, LookupHints, NetworkPolicy, getaddrinfo};

/// A name no resolver can know: its empty label makes glibc answer `EAI_NONAME` without
/// sending a query, so the test stays on this machine.
const UNKNOWN_NAME: &str = "no..such.invalid";

/// (unknown name, unknown service) as `getaddrinfo` answers them now.
fn errnos() -> (Errno, Errno) {
    let policy = NetworkPolicy::allow_all();
    let hints = LookupHints::default();
    let name = getaddrinfo(&policy, Some(UNKNOWN_NAME), Some("80"), &hints);
    let service = getaddrinfo(
        &policy,
        Some("127.0.0.1"),
        Some("no-such-service-xyz"),
        &hints,
    );
    (
        name.expect_err("unknown name"),
        service.expect_err("unknown service"),
    )
}

/// What the C library says for `EAI_NONAME` in the current locale.
fn noname_text() -> String {
    dns_lookup::LookupError::new(libc::EAI_NONAME).to_string()
}

/// Switches this process's C locale (all categories) to `name`; false when the locale is
/// not installed.
fn set_locale(name: &str) -> bool {
    let name = std::ffi::CString::new(name).expect("no NUL");
    // SAFETY: `name` is a valid NUL-terminated string; this test binary has one test, so
    // no other thread reads the locale while it changes.
    !unsafe { libc::setlocale(libc::LC_ALL, name.as_ptr()) }.is_null()
}

#[test]
fn resolver_errors_are_the_same_under_a_german_locale() {
    let english = noname_text();
    assert_eq!(errnos(), (Errno::AiNoname, Errno::AiService), "{english}");
    if !set_locale("de_DE.UTF-8") {
        testkit::skip("locale de_DE.UTF-8 not installed (scripts/setup generates it)");
        return;
    }
    let german = noname_text();
    if german == english {
        testkit::skip("libc's German messages missing (Debian package libc-l10n)");
        return;
    }
    assert!(!german.contains("Name or service not known"), "{german}");
    assert_eq!(errnos(), (Errno::AiNoname, Errno::AiService), "{german}");
}
