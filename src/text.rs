//! Building messages without `core::fmt` (which the npm core leaves out): whole numbers in
//! decimal, and pieces joined.

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
    fn concat_joins_pieces() {
        assert_eq!(concat(&["a", "", "bc"]), "abc");
        assert_eq!(concat(&[]), "");
    }
}
