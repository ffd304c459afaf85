//! Database URLs carry passwords (`postgres://user:password@host/db`, or `?password=`): shown
//! only with the password hidden, and handed to PostgreSQL's programs without it, the password
//! going through the environment, where other users cannot read it (a command line is visible
//! to every user of the machine in `ps`).

/// `url` with any password replaced by `***`, for logs and messages.
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let (Some(scheme), Some(at)) = (out.find("://"), out.rfind('@'))
        && at > scheme
        && let Some(colon) = out[scheme + 3..at].find(':')
    {
        out.replace_range(scheme + 3 + colon + 1..at, "***");
    }
    if let Some(q) = out.find('?') {
        let query: Vec<String> = out[q + 1..]
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out = format!("{}?{}", &out[..q], query.join("&"));
    }
    out
}

/// `url` without its password, and the password (percent-decoded) if it had one, in the
/// user part or as a `password=` query parameter.
pub fn split_password(url: &str) -> (String, Option<String>) {
    let mut url = url.to_owned();
    let mut password = None;
    if let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > scheme
        && let Some(colon) = url[scheme + 3..at].find(':')
    {
        let colon = scheme + 3 + colon;
        password = Some(percent_decode(&url[colon + 1..at]));
        url.replace_range(colon..at, "");
    }
    if let Some(q) = url.find('?') {
        let (base, query) = url.split_at(q);
        let mut kept = Vec::new();
        for pair in query[1..].split('&') {
            match pair.split_once('=') {
                Some((key, value)) if key.eq_ignore_ascii_case("password") => {
                    password = Some(percent_decode(value));
                }
                _ if pair.is_empty() => {}
                _ => kept.push(pair),
            }
        }
        url = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
    }
    (url, password)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A PostgreSQL program (`pg_dump`, `pg_restore`) for `url`: the URL without its password on
/// the command line, the password in `PGPASSWORD`.
pub fn pg_command(program: &std::path::Path, url: &str) -> std::process::Command {
    let (url, password) = split_password(url);
    let mut command = std::process::Command::new(program);
    command.arg(format!("--dbname={url}"));
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_shown_urls() {
        assert_eq!(
            redact("postgres://ott:secret@db:5432/ott"),
            "postgres://ott:***@db:5432/ott"
        );
        assert_eq!(redact("postgres://ott@db/ott"), "postgres://ott@db/ott");
        assert_eq!(
            redact("sqlite:///data/ott.db?mode=rwc"),
            "sqlite:///data/ott.db?mode=rwc"
        );
        let shown = redact("postgres://ott@db/ott?sslmode=require&password=s3cret");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(shown, "postgres://ott@db/ott?sslmode=require&password=***");
        assert!(!redact("postgresql://a:p%40ss@h/d?password=x").contains("p%40ss"));
    }

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://ott:p%40ss@db:5432/ott"),
            (
                "postgres://ott@db:5432/ott".to_owned(),
                Some("p@ss".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://ott@db/ott?password=x%20y&sslmode=disable"),
            (
                "postgres://ott@db/ott?sslmode=disable".to_owned(),
                Some("x y".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://ott@db/ott"),
            ("postgres://ott@db/ott".to_owned(), None)
        );
        let cmd = pg_command(std::path::Path::new("pg_dump"), "postgres://u:pw@h/d");
        let args: Vec<_> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args, ["--dbname=postgres://u@h/d"]);
        let env: Vec<_> = cmd.get_envs().collect();
        assert_eq!(
            env,
            [(
                std::ffi::OsStr::new("PGPASSWORD"),
                Some(std::ffi::OsStr::new("pw"))
            )]
        );
    }
}
