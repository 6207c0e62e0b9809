//! Which network a node configuration is for: a built-in table of markers per node family
//! (network switches, `chain=`, section headers, default ports, data directories), command
//! line flags, and the policy's own markers.

use super::parse::{Setting, shown};
use crate::policy::Environment;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// bitcoind and its forks (bitcoin.conf).
    Bitcoin,
    /// monerod.
    Monero,
    /// Only the generic switches (`testnet`, `regtest`, `chain`, `network`) and flags.
    Generic,
}

/// A policy marker: `key` (with `value`, or any value) or `flag`, meaning `network`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomMarker {
    pub network: Environment,
    pub key: Option<String>,
    pub value: Option<String>,
    pub flag: Option<String>,
}

/// One sign of a network in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub network: Environment,
    pub line: Option<usize>,
    /// What was found, e.g. "`testnet=1`".
    pub what: String,
}

use Environment::{Mainnet, Regtest, Testnet};

/// Network switches that select a network when set (bare, `1`, `true`).
const SWITCHES: &[(&str, Environment)] = &[
    ("testnet", Testnet),
    ("testnet4", Testnet),
    ("signet", Testnet),
    ("stagenet", Testnet),
    ("regtest", Regtest),
];

/// Values of `chain=` / `network=` and of `-chain=` flags.
fn chain(value: &str) -> Option<Environment> {
    match value.to_ascii_lowercase().as_str() {
        "main" | "mainnet" | "bitcoin" => Some(Mainnet),
        "test" | "testnet" | "testnet3" | "testnet4" | "signet" | "stagenet" => Some(Testnet),
        "regtest" => Some(Regtest),
        _ => None,
    }
}

/// Default ports by family: (port, network).
fn ports(family: Family) -> &'static [(u16, Environment)] {
    match family {
        Family::Bitcoin => &[
            (8332, Mainnet),
            (8333, Mainnet),
            (18332, Testnet),
            (18333, Testnet),
            (48332, Testnet),
            (48333, Testnet),
            (38332, Testnet),
            (38333, Testnet),
            (18443, Regtest),
            (18444, Regtest),
        ],
        Family::Monero => &[
            (18080, Mainnet),
            (18081, Mainnet),
            (18082, Mainnet),
            (18089, Mainnet),
            (28080, Testnet),
            (28081, Testnet),
            (28082, Testnet),
            (28089, Testnet),
            (38080, Testnet),
            (38081, Testnet),
            (38082, Testnet),
            (38089, Testnet),
        ],
        Family::Generic => &[],
    }
}

/// Keys whose value is (or ends with `:`) a port.
fn is_port_key(family: Family, key: &str) -> bool {
    match family {
        Family::Bitcoin => matches!(
            key,
            "port" | "rpcport" | "bind" | "rpcbind" | "whitebind" | "externalip"
        ),
        Family::Monero => key.ends_with("-port") || key.ends_with("-bind-port"),
        Family::Generic => false,
    }
}

/// Data-directory keys and the path segments that name a network in them.
fn data_dir(family: Family, key: &str, value: &str) -> Option<Environment> {
    let is_dir_key = match family {
        Family::Bitcoin => key == "datadir",
        Family::Monero => key == "data-dir",
        Family::Generic => key == "datadir" || key == "data-dir" || key == "data_dir",
    };
    if !is_dir_key {
        return None;
    }
    value
        .split(['/', '\\'])
        .find_map(|segment| match segment.to_ascii_lowercase().as_str() {
            "testnet" | "testnet3" | "testnet4" | "signet" | "stagenet" => Some(Testnet),
            "regtest" => Some(Regtest),
            _ => None,
        })
}

fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "" | "1" | "true" | "yes"
    )
}

/// Every marker of a network in one file's settings and flags.
pub fn markers(
    family: Family,
    settings: &[Setting],
    flags: &[(String, usize)],
    custom: &[CustomMarker],
) -> Vec<Marker> {
    let mut found = Vec::new();
    for s in settings {
        let mut push = |network, what: String| {
            found.push(Marker {
                network,
                line: s.line,
                what,
            })
        };
        let written = format!("`{}={}`", s.key, shown(&s.key, &s.value));
        // bitcoin.conf sections ([test], [signet], [regtest], [main]) apply to one network.
        let (section, key) = match s.key.split_once('.') {
            Some((section, key)) if family == Family::Bitcoin => (Some(section), key),
            _ => (None, s.key.as_str()),
        };
        if let Some(network) = section.and_then(chain) {
            push(
                network,
                format!("{written} (a [{}] section)", section.unwrap_or("")),
            );
        }
        let key = key.to_ascii_lowercase();
        if let Some((_, network)) = SWITCHES.iter().find(|(name, _)| *name == key)
            && truthy(&s.value)
        {
            push(*network, written.clone());
        }
        if (key == "chain" || key == "network")
            && let Some(network) = chain(&s.value)
        {
            push(network, written.clone());
        }
        if is_port_key(family, &key) {
            let port = s.value.rsplit(':').next().unwrap_or("").trim();
            if let Ok(port) = port.parse::<u16>()
                && let Some((_, network)) = ports(family).iter().find(|(p, _)| *p == port)
            {
                push(*network, format!("{written} (a {network} port)"));
            }
        }
        if let Some(network) = data_dir(family, &key, &s.value) {
            push(network, format!("{written} (a {network} data directory)"));
        }
        for m in custom
            .iter()
            .filter(|m| m.key.as_deref() == Some(s.key.as_str()))
        {
            if m.value
                .as_deref()
                .is_none_or(|v| v.eq_ignore_ascii_case(&s.value))
            {
                push(m.network, format!("{written} (a policy marker)"));
            }
        }
    }
    for (flag, line) in flags {
        let name = flag.trim_start_matches('-');
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let mut push = |network, what: String| {
            found.push(Marker {
                network,
                line: Some(*line),
                what,
            })
        };
        let network = match (name.to_ascii_lowercase().as_str(), value) {
            ("chain" | "network", Some(v)) => chain(v),
            (switch, v) => SWITCHES
                .iter()
                .find(|(n, _)| *n == switch)
                .filter(|_| v.is_none_or(truthy))
                .map(|(_, network)| *network),
        };
        if let Some(network) = network {
            push(network, format!("`{flag}`"));
        }
        for m in custom
            .iter()
            .filter(|m| m.flag.as_deref() == Some(flag.as_str()))
        {
            push(m.network, format!("`{flag}` (a policy marker)"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gates::config::parse::{Format, flags, parse};

    fn networks(family: Family, text: &str) -> Vec<(Environment, Option<usize>)> {
        let settings = parse(text, Format::Kv).unwrap();
        markers(family, &settings, &flags(text), &[])
            .into_iter()
            .map(|m| (m.network, m.line))
            .collect()
    }

    #[test]
    fn bitcoin_markers() {
        assert_eq!(
            networks(Family::Bitcoin, "server=1\ntestnet=1\n"),
            [(Testnet, Some(2))]
        );
        assert!(networks(Family::Bitcoin, "testnet=0\n").is_empty());
        assert_eq!(
            networks(Family::Bitcoin, "chain=main\n"),
            [(Mainnet, Some(1))]
        );
        assert_eq!(
            networks(Family::Bitcoin, "rpcport=18443\n"),
            [(Regtest, Some(1))]
        );
        assert_eq!(
            networks(Family::Bitcoin, "rpcbind=127.0.0.1:8332\n"),
            [(Mainnet, Some(1))]
        );
        assert_eq!(
            networks(Family::Bitcoin, "datadir=/srv/bitcoin/testnet3\n"),
            [(Testnet, Some(1))]
        );
        assert_eq!(
            networks(Family::Bitcoin, "[regtest]\nrpcuser=x\n"),
            [(Regtest, Some(2))]
        );
    }

    #[test]
    fn monero_markers() {
        assert_eq!(
            networks(Family::Monero, "stagenet=1\n"),
            [(Testnet, Some(1))]
        );
        assert_eq!(
            networks(Family::Monero, "rpc-bind-port=18081\n"),
            [(Mainnet, Some(1))]
        );
        assert_eq!(
            networks(Family::Monero, "p2p-bind-port=28080\n"),
            [(Testnet, Some(1))]
        );
        assert_eq!(
            networks(Family::Monero, "data-dir=/var/lib/monero/stagenet\n"),
            [(Testnet, Some(1))]
        );
    }

    #[test]
    fn flags_and_custom_markers() {
        assert_eq!(
            networks(Family::Generic, "ExecStart=node --regtest -chain=test\n"),
            [(Regtest, Some(1)), (Testnet, Some(1))]
        );
        let custom = [CustomMarker {
            network: Testnet,
            key: Some("network-id".into()),
            value: Some("devnet-7".into()),
            flag: None,
        }];
        let settings = parse("network-id=devnet-7\n", Format::Kv).unwrap();
        assert_eq!(markers(Family::Generic, &settings, &[], &custom).len(), 1);
    }
}
