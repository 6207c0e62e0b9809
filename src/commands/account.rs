//! The name of the account tollgate runs as, for defaults such as `drill record`'s operator:
//! `$USER`, else the passwd entry of the real user id (read from /etc/passwd, as `id -un`
//! would find a local account; rustix gives the uid, no libc call or extra crate needed).

use std::path::Path;

/// `$USER` when set and not empty, else the account name of the real uid in `passwd`.
pub fn name() -> Option<String> {
    if let Some(user) = std::env::var("USER").ok().filter(|u| !u.trim().is_empty()) {
        return Some(user);
    }
    let uid = rustix::process::getuid().as_raw();
    let passwd = std::fs::read_to_string(Path::new("/etc/passwd")).ok()?;
    name_of(&passwd, uid)
}

/// The first `passwd(5)` line whose uid field is `uid`: its name field.
fn name_of(passwd: &str, uid: u32) -> Option<String> {
    passwd
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let uid_field = fields.nth(1)?;
            (uid_field.parse::<u32>().ok()? == uid && !name.is_empty()).then(|| name.to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines_are_matched_by_uid() {
        let passwd =
            "root:x:0:0:root:/root:/bin/bash\n# comment\nalice:x:1000:1000::/home/alice:/bin/sh\n";
        assert_eq!(name_of(passwd, 1000).as_deref(), Some("alice"));
        assert_eq!(name_of(passwd, 0).as_deref(), Some("root"));
        assert_eq!(name_of(passwd, 42), None);
        assert_eq!(name_of("broken", 0), None);
    }
}
