//! Small string tools with less code behind them than `core`'s, for the npm core's size:
//! building messages without `core::fmt` (whole numbers in decimal, pieces joined), and
//! splitting and reading ASCII text without the pattern-searching and number-parsing code.

use alloc::string::String;
use alloc::vec::Vec;

/// `n` in decimal: messages and codes need only this, and it keeps `core::fmt` out of the wasm.
pub fn decimal(n: i64) -> String {
    let mut digits = Vec::new();
    let mut rest = n.unsigned_abs();
    loop {
        digits.push(b'0' + (rest % 10) as u8);
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        digits.push(b'-');
    }
    digits.iter().rev().map(|&d| char::from(d)).collect()
}

/// The pieces one after the other (`[&str]::concat`, with less code behind it).
pub fn concat(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        out.push_str(part);
    }
    out
}

/// The pieces of `s` between occurrences of the ASCII byte `sep`, as `str::split` with a `char`.
pub fn split(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    debug_assert!(sep.is_ascii());
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let s = rest?;
        let piece = split_once(s, sep);
        rest = piece.map(|(_, after)| after);
        Some(piece.map_or(s, |(before, _)| before))
    })
}

/// `s` before and after the first occurrence of the ASCII byte `sep`, as `str::split_once`.
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|b| b == sep)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// True when `s` is empty or white space only (as `s.trim().is_empty()`).
pub fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

/// `s` as a whole number in `radix` (up to 36): one digit or more, no sign, no overflow.
pub fn whole(s: &str, radix: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let radix = u64::from(radix);
    s.bytes().try_fold(0_u64, |n, b| {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            b'A'..=b'Z' => b - b'A' + 10,
            _ => return None,
        };
        let digit = Some(u64::from(digit)).filter(|&d| d < radix)?;
        n.checked_mul(radix)?.checked_add(digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_writes_integers() {
        for n in [0, 7, 10, 429, -15, i64::MAX, i64::MIN] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    #[test]
    fn split_and_split_once_match_core() {
        for s in ["", "a", ".", "a.b", ".a.", "a..b", "127.0.0.1", "é.ü"] {
            assert_eq!(
                split(s, b'.').collect::<Vec<_>>(),
                s.split('.').collect::<Vec<_>>()
            );
            assert_eq!(split_once(s, b'.'), s.split_once('.'));
        }
    }

    #[test]
    fn is_blank_matches_trim() {
        for s in ["", " ", "\t\n", "\u{3000}", " a ", "a", "\u{a0}x"] {
            assert_eq!(is_blank(s), s.trim().is_empty(), "{s:?}");
        }
    }

    #[test]
    fn whole_reads_digits_only() {
        assert_eq!(whole("0", 10), Some(0));
        assert_eq!(whole("0429", 10), Some(429));
        assert_eq!(whole("fe80", 16), Some(0xfe80));
        assert_eq!(whole("18446744073709551615", 10), Some(u64::MAX));
        for bad in [
            "",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1.5",
            "18446744073709551616",
            "g",
        ] {
            assert_eq!(whole(bad, 10), None, "{bad}");
            assert_eq!(whole(bad, 16), None, "{bad}");
        }
    }

    #[test]
    fn concat_joins_pieces() {
        assert_eq!(concat(&["a", "", "bc"]), "abc");
        assert_eq!(concat(&[]), "");
    }
}
