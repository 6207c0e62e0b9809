//! The node security baseline (`security = "required" | "report"`): RPC bound or allowed
//! beyond loopback and private ranges, RPC without authentication, plaintext or weak
//! passwords, exposed RPC without TLS. Findings name file, line and key; a password's value
//! never appears in any of them.

use super::networks::Family;
use super::parse::Setting;
use crate::report::Finding;
use serde::Deserialize;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Findings block.
    Required,
    /// Findings are warnings.
    Report,
}

/// Weak or default passwords seen in tutorials and sample configs (compared
/// case-insensitively); a password shorter than `MIN_LENGTH` is weak too.
const WEAK: &[&str] = &[
    "password",
    "passw0rd",
    "changeme",
    "change-me",
    "secret",
    "admin",
    "root",
    "test",
    "default",
    "bitcoin",
    "bitcoinrpc",
    "monero",
    "rpcpassword",
    "rpcpass",
    "pass",
    "123456",
    "12345678",
    "123456789",
    "qwerty",
    "letmein",
    "x",
    "user",
    "satoshi",
];
const MIN_LENGTH: usize = 12;

/// Whether a password is weak (its value is never returned or shown).
fn weak(password: &str) -> bool {
    password.chars().count() < MIN_LENGTH || WEAK.iter().any(|w| w.eq_ignore_ascii_case(password))
}

/// Loopback or private (RFC 1918, unique-local, link-local) address.
fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The host of a bind value (`0.0.0.0`, `127.0.0.1:8332`, `[::1]:8332`, `localhost`).
fn bind_is_private(value: &str) -> bool {
    let value = value.trim();
    if value.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Ok(ip) = value.parse::<IpAddr>() {
        return private(ip);
    }
    if let Ok(addr) = value.parse::<std::net::SocketAddr>() {
        return private(addr.ip());
    }
    let host = value.rsplit_once(':').map_or(value, |(h, _)| h);
    // A host name or anything unreadable counts as exposed (fail closed).
    host.eq_ignore_ascii_case("localhost")
}

/// The smallest prefix length a private block allows for an address inside it.
fn private_prefix(ip: IpAddr) -> Option<u32> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            match (a, b) {
                (127, _) | (10, _) => Some(8),
                (172, 16..=31) => Some(12),
                (192, 168) => Some(16),
                (169, 254) => Some(16),
                _ => None,
            }
        }
        IpAddr::V6(v6) if v6.is_loopback() => Some(128),
        IpAddr::V6(v6) if (v6.segments()[0] & 0xfe00) == 0xfc00 => Some(7),
        IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => Some(10),
        IpAddr::V6(_) => None,
    }
}

/// Whether an allow value (`10.0.0.0/8`, `192.168.1.5`, `10.0.0.0/255.0.0.0`) stays within
/// loopback and private ranges.
fn allow_is_private(value: &str) -> bool {
    let (addr, prefix) = match value.trim().split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (value.trim(), None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return false;
    };
    let bits = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => bits,
        Some(p) => match (p.parse::<u32>(), p.parse::<IpAddr>()) {
            (Ok(n), _) => n,
            (_, Ok(IpAddr::V4(mask))) => u32::from(mask).count_ones(),
            _ => return false,
        },
    };
    private_prefix(ip).is_some_and(|min| prefix >= min)
}

fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "" | "1" | "true" | "yes"
    )
}

/// One baseline violation before it becomes a finding.
struct Violation<'s> {
    code: &'static str,
    setting: Option<&'s Setting>,
    message: String,
    hint: &'static str,
}

fn get<'s>(settings: &'s [Setting], key: &str) -> Vec<&'s Setting> {
    settings.iter().filter(|s| s.key == key).collect()
}

fn bitcoin(settings: &[Setting]) -> Vec<Violation<'_>> {
    let mut found = Vec::new();
    for s in get(settings, "rpcbind")
        .into_iter()
        .filter(|s| !bind_is_private(&s.value))
    {
        found.push(Violation {
            code: "config.rpc-exposed",
            setting: Some(s),
            message: format!("`rpcbind={}` binds RPC beyond loopback and private networks", s.value),
            hint: "bind RPC to 127.0.0.1 (or a private address) and reach it through a tunnel or proxy",
        });
    }
    for s in get(settings, "rpcallowip")
        .into_iter()
        .filter(|s| !allow_is_private(&s.value))
    {
        found.push(Violation {
            code: "config.rpc-exposed",
            setting: Some(s),
            message: format!(
                "`rpcallowip={}` allows RPC from beyond loopback and private networks",
                s.value
            ),
            hint: "allow only loopback or private ranges (e.g. 10.0.0.0/8)",
        });
    }
    for s in get(settings, "rpcpassword") {
        found.push(Violation {
            code: "config.rpc-plaintext-password",
            setting: Some(s),
            message: "`rpcpassword` keeps the RPC password in plaintext".to_owned(),
            hint: "use a hashed `rpcauth` line (share/rpcauth/rpcauth.py) or cookie authentication",
        });
        if weak(&s.value) {
            found.push(weak_violation(s, "rpcpassword"));
        }
    }
    found
}

fn weak_violation<'s>(s: &'s Setting, key: &str) -> Violation<'s> {
    Violation {
        code: "config.rpc-weak-password",
        setting: Some(s),
        message: format!("`{key}` is a weak or default password (value not shown)"),
        hint: "generate a long random password and rotate it",
    }
}

fn monero(settings: &[Setting]) -> Vec<Violation<'_>> {
    let mut found = Vec::new();
    let restricted = get(settings, "restricted-rpc")
        .iter()
        .any(|s| truthy(&s.value));
    let exposed: Vec<&Setting> = get(settings, "rpc-bind-ip")
        .into_iter()
        .filter(|s| !bind_is_private(&s.value))
        .collect();
    if !restricted {
        for s in &exposed {
            found.push(Violation {
                code: "config.rpc-exposed",
                setting: Some(s),
                message: format!(
                    "`rpc-bind-ip={}` exposes the unrestricted RPC (no `restricted-rpc=1`)",
                    s.value
                ),
                hint: "set restricted-rpc=1 for a public RPC, or bind it to 127.0.0.1",
            });
        }
    }
    let logins = get(settings, "rpc-login");
    if let Some(first) = exposed.first()
        && logins.is_empty()
    {
        found.push(Violation {
            code: "config.rpc-no-auth",
            setting: Some(first),
            message: "RPC is reachable beyond loopback with no `rpc-login`".to_owned(),
            hint: "set rpc-login=USER:PASSWORD (a long random password)",
        });
    }
    for s in logins {
        let password = s.value.split_once(':').map_or("", |(_, p)| p);
        if weak(password) {
            found.push(weak_violation(s, "rpc-login"));
        }
    }
    if let Some(first) = exposed.first() {
        let tls = get(settings, "rpc-ssl")
            .iter()
            .any(|s| s.value.eq_ignore_ascii_case("enabled"));
        if !tls {
            found.push(Violation {
                code: "config.rpc-no-tls",
                setting: Some(first),
                message: "RPC is reachable beyond loopback without `rpc-ssl=enabled`".to_owned(),
                hint: "set rpc-ssl=enabled (with rpc-ssl-certificate and rpc-ssl-private-key)",
            });
        }
    }
    found
}

/// The baseline's findings for one file.
pub fn check(family: Family, settings: &[Setting], path: &str, mode: Security) -> Vec<Finding> {
    let violations = match family {
        Family::Bitcoin => bitcoin(settings),
        Family::Monero => monero(settings),
        Family::Generic => Vec::new(),
    };
    violations
        .into_iter()
        .map(|v| {
            let message = format!("{path}: {}", v.message);
            let finding = match mode {
                Security::Required => Finding::error(v.code, message),
                Security::Report => Finding::warning(v.code, message),
            };
            let key = v.setting.map(|s| s.key.as_str()).unwrap_or("");
            finding
                .subject(format!("{path}:{key}"))
                .at(path, v.setting.and_then(|s| s.line).map(|l| l as u64))
                .hint(v.hint)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::config::parse::{Format, parse};

    fn codes(family: Family, text: &str) -> Vec<String> {
        let settings = parse(text, Format::Kv).unwrap();
        check(family, &settings, "f.conf", Security::Required)
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn address_ranges() {
        assert!(bind_is_private("127.0.0.1:8332") && bind_is_private("[::1]:8332"));
        assert!(
            !bind_is_private("0.0.0.0")
                && !bind_is_private("::")
                && !bind_is_private("node.example.org")
        );
        assert!(allow_is_private("10.0.0.0/8") && allow_is_private("192.168.1.0/255.255.255.0"));
        assert!(!allow_is_private("0.0.0.0/0") && !allow_is_private("10.0.0.0/7"));
        assert!(!allow_is_private("8.8.8.0/24") && !allow_is_private("*"));
    }

    #[test]
    fn bitcoin_baseline() {
        assert_eq!(
            codes(
                Family::Bitcoin,
                "rpcbind=0.0.0.0\nrpcallowip=0.0.0.0/0\nrpcpassword=changeme\n"
            ),
            [
                "config.rpc-exposed",
                "config.rpc-exposed",
                "config.rpc-plaintext-password",
                "config.rpc-weak-password"
            ]
        );
        assert!(
            codes(
                Family::Bitcoin,
                "rpcbind=127.0.0.1\nrpcallowip=10.0.0.0/8\nrpcauth=alice:ab$cd\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn monero_baseline() {
        assert_eq!(
            codes(
                Family::Monero,
                "rpc-bind-ip=0.0.0.0\nconfirm-external-bind=1\n"
            ),
            [
                "config.rpc-exposed",
                "config.rpc-no-auth",
                "config.rpc-no-tls"
            ]
        );
        assert!(codes(
            Family::Monero,
            "rpc-bind-ip=0.0.0.0\nrestricted-rpc=1\nrpc-login=u:Zq8-long-random-Pw4\nrpc-ssl=enabled\n"
        )
        .is_empty());
    }

    #[test]
    fn no_message_carries_a_password() {
        let settings = parse("rpcpassword=hunter2\nrpc-login=u:hunter2\n", Format::Kv).unwrap();
        for family in [Family::Bitcoin, Family::Monero] {
            for f in check(family, &settings, "f", Security::Report) {
                let text = format!("{f:?}");
                assert!(!text.contains("hunter2"), "{text}");
            }
        }
    }
}
