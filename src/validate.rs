//! Checks on what callers pass in, made before anything is sent: task ids and base URLs.
//!
//! Each check returns an [`Error::Argument`] whose message names the argument and the problem,
//! which the JavaScript edge throws as a `TypeError` or `RangeError`.

use crate::error::{ArgumentKind, Error};

/// The longest task id accepted.
pub const MAX_TASK_ID_LEN: usize = 256;

fn type_error(message: String) -> Error {
    Error::Argument(ArgumentKind::Type, message)
}

/// Checks a task id: 1 to 256 ASCII letters, digits, `-`, `_`, `.` or `:`, and not `.` or
/// `..`. Such an id needs no escaping in a URL path and cannot change the path.
pub fn task_id(id: &str) -> Result<(), Error> {
    let problem = if id.is_empty() {
        "is empty"
    } else if id.len() > MAX_TASK_ID_LEN {
        "is longer than 256 characters"
    } else if id == "." || id == ".." {
        "cannot be \".\" or \"..\""
    } else if let Some(c) = id.chars().find(|c| !allowed_in_id(*c)) {
        let mut m = String::from("task id contains ");
        m.push_str(&describe_char(c));
        m.push_str("; ids are ASCII letters, digits, '-', '_', '.' and ':'");
        return Err(type_error(m));
    } else {
        return Ok(());
    };
    let mut m = String::from("task id ");
    m.push_str(problem);
    Err(type_error(m))
}

fn allowed_in_id(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

fn describe_char(c: char) -> String {
    if c.is_control() || c == ' ' {
        format!("U+{:04X}", c as u32)
    } else {
        let mut s = String::from("'");
        s.push(c);
        s.push('\'');
        s
    }
}

/// True for what `fetch` sends as a header value as it is: tabs, spaces and the characters
/// U+0021 to U+00FF but DEL (no line break, NUL or other control character, which `fetch`
/// refuses, quoting the header in its error; nothing beyond U+00FF, which a header cannot carry).
fn is_header_value(value: &str) -> bool {
    value
        .chars()
        .all(|c| c == '\t' || (' '..='\u{FF}').contains(&c) && c != '\u{7F}')
}

/// True for an HTTP token: a header name.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks an API key before it becomes the `Authorization` header. The message never shows it.
pub fn api_key(key: &str) -> Result<(), Error> {
    if is_header_value(key) {
        return Ok(());
    }
    Err(type_error(
        "apiKey contains a character a header cannot carry (a line break, NUL or another \
         control character, or one beyond U+00FF)"
            .to_owned(),
    ))
}

/// Checks an extra request header. The message names the header, never its value.
pub fn header(name: &str, value: &str) -> Result<(), Error> {
    if !is_token(name) {
        return Err(type_error(
            "a header name must be letters, digits and !#$%&'*+-.^_`|~ only".to_owned(),
        ));
    }
    if is_header_value(value) {
        return Ok(());
    }
    let mut m = String::from("header \"");
    m.push_str(name);
    m.push_str(
        "\" has a value a header cannot carry (a line break, NUL or another control \
         character, or one beyond U+00FF)",
    );
    Err(type_error(m))
}

/// True for host names that reach this machine: `localhost` (and its subdomains), 127.0.0.0/8
/// and `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let mut host = host;
    while let Some(shorter) = host.strip_suffix('.') {
        host = shorter;
    }
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" || host == "::1" {
        return true;
    }
    let octets: Vec<_> = host.split('.').collect();
    octets.len() == 4
        && octets.first() == Some(&"127")
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit()))
}

/// How a base URL may be reached: whether requests carry an API key, and whether the caller
/// allowed plain http for it anyway.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transport {
    /// Requests carry `Authorization: Bearer <key>`.
    pub with_key: bool,
    /// The caller's `allowInsecureHttp`.
    pub allow_insecure_http: bool,
}

/// Checks the scheme and host of an absolute base URL. https is allowed anywhere. Plain http is
/// allowed to any host when no key is sent (a proxy adds it), to loopback hosts with a key, and
/// anywhere with a key only when the caller allowed insecure http.
pub fn base_url(protocol: &str, hostname: &str, transport: Transport) -> Result<(), Error> {
    match protocol {
        "https:" => Ok(()),
        "http:" if !transport.with_key || transport.allow_insecure_http => Ok(()),
        "http:" if is_loopback_host(hostname) => Ok(()),
        "http:" => Err(type_error(format!(
            "baseUrl http://{hostname} would send the API key in clear text: use https, or http to \
             localhost, 127.x.x.x or [::1], or set allowInsecureHttp: true to send it anyway"
        ))),
        _ => Err(type_error(
            "baseUrl must be an http or https URL, or a path relative to the page".to_owned(),
        )),
    }
}

/// The API root a base URL names: without a trailing slash, and without a trailing `/v1`
/// (`https://api.evolink.ai/v1`, as OpenAI's SDK users write it, is the same root).
pub fn api_root(href: &str) -> &str {
    let root = href.trim_end_matches('/');
    root.strip_suffix("/v1")
        .unwrap_or(root)
        .trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<(), Error>) -> String {
        match r {
            Err(Error::Argument(ArgumentKind::Type, m)) => m,
            other => panic!("expected a TypeError, got {other:?}"),
        }
    }

    #[test]
    fn accepts_documented_ids() {
        for id in [
            "task-unified-1756817821-4x3rx6ny",
            "a",
            "a.b:c_d",
            &"x".repeat(256),
        ] {
            assert_eq!(task_id(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn refuses_ids_that_could_change_the_path() {
        assert_eq!(message(task_id("")), "task id is empty");
        assert_eq!(message(task_id("..")), "task id cannot be \".\" or \"..\"");
        assert!(message(task_id(&"x".repeat(257))).contains("longer than 256"));
        assert!(message(task_id("a/b")).contains("'/'"));
        assert!(message(task_id("a b")).contains("U+0020"));
        assert!(message(task_id("a\u{0}")).contains("U+0000"));
        for bad in ["a?b", "a#b", "a%2F", "é", "a\\b", "../x"] {
            assert!(task_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_and_headers_must_be_header_values() {
        assert_eq!(api_key("sk-test-SECRET-7f3a9c"), Ok(()));
        for bad in [
            "sk-1\r\nx-evil: 1",
            "sk\n",
            "sk\u{0}",
            "sk\u{7F}",
            "sk-\u{FFFD}",
            "sk-é\u{100}",
        ] {
            let m = message(api_key(bad));
            assert!(m.contains("apiKey") && !m.contains("sk"), "{m}");
        }
        assert_eq!(header("x-trace", "a b\tc é"), Ok(()));
        assert!(message(header("x-a", "1\r\n2")).contains("\"x-a\""));
        for name in ["", "x a", "x\r\ny", "x:y", "é"] {
            assert!(header(name, "v").is_err(), "{name:?}");
        }
    }

    #[test]
    fn base_urls_are_https_or_http_without_a_key_or_to_loopback() {
        let keyed = Transport {
            with_key: true,
            allow_insecure_http: false,
        };
        let keyless = Transport::default();
        let allowed = Transport {
            with_key: true,
            allow_insecure_http: true,
        };
        assert_eq!(base_url("https:", "api.evolink.ai", keyed), Ok(()));
        for host in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "app.localhost",
        ] {
            assert_eq!(base_url("http:", host, keyed), Ok(()), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "127.0.0.1.evil.com",
            "0x7f.0.0.1",
            "evolink-proxy",
        ] {
            let refused = message(base_url("http:", host, keyed));
            assert!(
                refused.contains("allowInsecureHttp") && refused.contains(host),
                "{refused}"
            );
            assert_eq!(
                base_url("http:", host, keyless),
                Ok(()),
                "{host} without a key"
            );
            assert_eq!(base_url("http:", host, allowed), Ok(()), "{host} allowed");
        }
        assert!(base_url("ftp:", "x", keyless).is_err());
    }

    #[test]
    fn a_trailing_v1_names_the_same_root() {
        for href in [
            "https://api.evolink.ai",
            "https://api.evolink.ai/",
            "https://api.evolink.ai/v1",
            "https://api.evolink.ai/v1/",
        ] {
            assert_eq!(api_root(href), "https://api.evolink.ai", "{href}");
        }
        assert_eq!(api_root("https://x.test/proxy/v1"), "https://x.test/proxy");
        assert_eq!(api_root("https://x.test/v12"), "https://x.test/v12");
    }
}
