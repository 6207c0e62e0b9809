//! Whether a snapshot location is off the node: a URL with a scheme and a host that is not
//! this machine. A local path or a `file://` URL is on the node, and so is a URL to
//! localhost: a snapshot kept beside the node dies with it.

/// Why `location` is not off-node, or `None` when it is.
pub fn off_node_problem(location: &str) -> Option<String> {
    let Some((scheme, rest)) = location.split_once("://") else {
        return Some("a local path (no URL scheme)".to_owned());
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return Some(format!("{scheme:?} is not a URL scheme"));
    }
    if scheme == "file" {
        return Some("a file:// URL, on this machine".to_owned());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(bracketed) = host.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    }
    .to_ascii_lowercase();
    if host.is_empty() {
        return Some("the URL names no host or bucket".to_owned());
    }
    let local = host == "localhost"
        || host.ends_with(".localhost")
        || host.starts_with("127.")
        || host == "::1"
        || host == "0.0.0.0";
    local.then(|| format!("host {host:?} is this machine"))
}

#[cfg(test)]
mod tests {
    use super::off_node_problem;

    #[test]
    fn remote_urls_are_off_node() {
        for ok in [
            "s3://backups/full.tar",
            "https://snapshots.example.org/full.tar",
            "sftp://user@backup-2:22/srv/full.tar",
            "gs://bucket/x",
        ] {
            assert_eq!(off_node_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn local_paths_and_hosts_are_on_node() {
        for bad in [
            "/var/backups/full.tar",
            "backups/full.tar",
            "file:///var/backups/full.tar",
            "FILE:///x",
            "http://localhost:8080/full.tar",
            "https://127.0.0.1/full.tar",
            "http://[::1]/full.tar",
            "s3:///no-bucket",
        ] {
            assert!(off_node_problem(bad).is_some(), "{bad}");
        }
    }
}
