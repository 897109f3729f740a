//! A small, strict JSON reader and the [`Value`] tree it produces.
//!
//! The client reads every server body with this parser instead of `serde_json`: it is a few
//! kilobytes of wasm, never panics (depth and size are bounded, no indexing can go out of range)
//! and keeps object keys in the order the server sent them, so a task handed back to a caller
//! looks exactly like the body on the wire.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// A parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// Any number, as JavaScript would read it.
    Number(f64),
    /// A string, escapes resolved.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in wire order.
    Object(Object),
}

/// A JSON object: members in the order they were sent. Lookups see the last duplicate, as
/// `JSON.parse` does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object(pub Vec<(String, Value)>);

impl Object {
    /// The value of member `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The members in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl Value {
    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside, if this is a finite number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) if n.is_finite() => Some(*n),
            _ => None,
        }
    }

    /// The boolean inside, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The object inside, if this is an object.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Member `key` of an object; `None` for other values.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|o| o.get(key))
    }
}

/// Why a body is not JSON: what was wrong and at which byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What the parser expected or refused.
    pub reason: &'static str,
    /// Byte offset in the input.
    pub offset: usize,
}

impl ParseError {
    /// What was wrong and where, as a sentence fragment: `expected ':' at byte 12`.
    pub fn describe(&self) -> String {
        crate::text::concat(&[
            self.reason,
            " at byte ",
            &crate::text::decimal(self.offset as i64),
        ])
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl core::error::Error for ParseError {}

/// Parses one JSON document; only white space may follow it.
pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    let value = reader.value(0)?;
    reader.skip_ws();
    if reader.pos != reader.bytes.len() {
        return Err(reader.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn error(&self, reason: &'static str) -> ParseError {
        ParseError {
            reason,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect_word(&mut self, word: &'static [u8], value: Value) -> Result<Value, ParseError> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.skip_ws();
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.expect_word(b"true", Value::Bool(true)),
            Some(b'f') => self.expect_word(b"false", Value::Bool(false)),
            Some(b'n') => self.expect_word(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(Object(members)));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a member name"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.bump() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b'}') => return Ok(Value::Object(Object(members))),
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.bump() {
                Some(b',') => continue,
                Some(b']') => return Ok(Value::Array(items)),
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    /// Reads a run of digits into `decimal` (as fraction digits when `fraction`); returns how
    /// many there were.
    fn digits(&mut self, decimal: &mut Decimal, fraction: bool) -> usize {
        let start = self.pos;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            decimal.push(d - b'0', fraction);
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let mut decimal = Decimal::default();
        let int_start = self.pos;
        let int_digits = self.digits(&mut decimal, false);
        if int_digits == 0 || (int_digits > 1 && self.bytes.get(int_start) == Some(&b'0')) {
            return Err(self.error("invalid number"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits(&mut decimal, true) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            let sign = match self.peek() {
                Some(b'-') => -1,
                Some(b'+') => 1,
                _ => 0,
            };
            if sign != 0 {
                self.pos += 1;
            }
            let mut exponent: i32 = 0;
            let start = self.pos;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i32::from(d - b'0'));
                self.pos += 1;
            }
            if self.pos == start {
                return Err(self.error("invalid number"));
            }
            decimal.exponent =
                decimal
                    .exponent
                    .saturating_add(if sign < 0 { -exponent } else { exponent });
        }
        let value = decimal.to_f64();
        Ok(Value::Number(if negative { -value } else { value }))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self
                .bump()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            code = code * 16 + digit;
        }
        Ok(code)
    }

    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let c = match self.bump() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4()?;
                let is_pair = (0xD800..0xDC00).contains(&high)
                    && self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u");
                let code = if is_pair {
                    let save = self.pos;
                    self.pos += 2;
                    let low = self.hex4()?;
                    if (0xDC00..0xE000).contains(&low) {
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        self.pos = save; // a lone high surrogate; read the next escape on its own
                        high
                    }
                } else {
                    high
                };
                // Lone surrogates cannot live in a Rust string: they become U+FFFD.
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            _ => return Err(self.error("invalid escape")),
        };
        out.push(c);
        Ok(())
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.pos += 1; // '"'
        let mut out = String::new();
        loop {
            let start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            // We stop only at ASCII bytes, so both ends are character boundaries.
            let chunk = self
                .text
                .get(start..self.pos)
                .ok_or_else(|| self.error("invalid string"))?;
            out.push_str(chunk);
            match self.bump() {
                Some(b'"') => return Ok(out),
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.error("control character in string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }
}

/// A number being read: `mantissa × 10^exponent`, from its first 19 significant digits.
#[derive(Default)]
struct Decimal {
    mantissa: u64,
    exponent: i32,
}

/// The powers of ten an `f64` holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl Decimal {
    fn push(&mut self, digit: u8, fraction: bool) {
        if self.mantissa < 1_000_000_000_000_000_000 {
            self.mantissa = self.mantissa * 10 + u64::from(digit);
            if fraction {
                self.exponent -= 1;
            }
        } else if !fraction {
            self.exponent = self.exponent.saturating_add(1); // a digit past the 19th: dropped
        }
    }

    /// The value as an `f64`. Exact (correctly rounded, as `JSON.parse` reads it) when the
    /// mantissa fits in 53 bits and the exponent is within ±22: every number the API sends
    /// (progress, seconds, timestamps, codes). Otherwise within a few units in the last place,
    /// which is all the core needs: callers get tasks parsed by `JSON.parse` itself. This
    /// keeps `core`'s exact float parser and its tables (about 15 KB of wasm) out.
    fn to_f64(&self) -> f64 {
        let mantissa = self.mantissa as f64;
        if self.mantissa == 0 {
            return 0.0;
        }
        let power = |e: i32| POW10.get(e.unsigned_abs() as usize).copied();
        if self.mantissa <= 1 << 53 {
            match power(self.exponent) {
                Some(p) if self.exponent >= 0 => return mantissa * p,
                Some(p) => return mantissa / p,
                None => {}
            }
        }
        // Past ±400 every mantissa has overflowed or underflowed: stop there.
        let mut exponent = self.exponent.clamp(-400, 400);
        let mut value = mantissa;
        while exponent != 0 {
            let step = exponent.clamp(-22, 22);
            let p = power(step).unwrap_or(1.0);
            value = if step > 0 { value * p } else { value / p };
            exponent -= step;
        }
        value
    }
}

/// Appends `s` to `out` as a JSON string literal: quotes, backslashes and control characters
/// escaped, everything else as it is.
pub fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c < ' ' => {
                out.push_str("\\u00");
                for shift in [4, 0] {
                    let digit = HEX.get((c as usize >> shift) & 15).copied().unwrap_or(b'0');
                    out.push(char::from(digit));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_value() {
        let v = parse(r#" {"a": [1, -2.5e1, true, false, null], "b": "x\"\u00e9\ud83d\ude00"} "#);
        let v = v.expect("valid JSON");
        let a = v.get("a").expect("member a");
        assert_eq!(
            a,
            &Value::Array(vec![
                Value::Number(1.0),
                Value::Number(-25.0),
                Value::Bool(true),
                Value::Bool(false),
                Value::Null
            ])
        );
        assert_eq!(v.get("b").and_then(Value::as_str), Some("x\"é😀"));
    }

    #[test]
    fn numbers_are_exact_on_the_fast_path_and_close_elsewhere() {
        let number = |text: &str| match parse(text) {
            Ok(Value::Number(n)) => n,
            other => panic!("{text}: {other:?}"),
        };
        let exact = [
            "0",
            "-0",
            "7",
            "100",
            "42.5",
            "0.1",
            "-2.5e1",
            "1756817821",
            "9007199254740992",
            "123456789012345",
            "1e22",
            "1.5e-7",
            "0.30000000000000004",
        ];
        for text in exact {
            let expected: f64 = text.parse().expect("a number");
            assert_eq!(number(text).to_bits(), expected.to_bits(), "{text}");
        }
        for text in [
            "1e23",
            "12345678901234567890123",
            "4.9e-324",
            "1e-400",
            "2.2250738585072014e-308",
        ] {
            let (ours, theirs) = (number(text), text.parse::<f64>().expect("a number"));
            assert!(
                (ours - theirs).abs() <= 1e-14 * theirs.abs() || ours == theirs,
                "{text}"
            );
        }
        assert_eq!(number("1e400"), f64::INFINITY);
        assert_eq!(number("-1e999999999999"), f64::NEG_INFINITY);
        assert_eq!(number("1e-999999999999"), 0.0);
    }

    #[test]
    fn keeps_member_order_and_reads_the_last_duplicate() {
        let v = parse(r#"{"z":1,"a":2,"z":3}"#).expect("valid JSON");
        let o = v.as_object().expect("object");
        let keys: Vec<_> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["z", "a", "z"]);
        assert_eq!(o.get("z"), Some(&Value::Number(3.0)));
    }

    #[test]
    fn refuses_what_json_parse_refuses() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":}",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "\"\u{1}\"",
            "\"abc",
            "{\"a\" 1}",
            "[1 2]",
            "{} x",
            "'a'",
            "\"\\x\"",
            "\"\\u12\"",
            "NaN",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let v = parse(r#""\ud800x\udc00""#).expect("valid JSON");
        assert_eq!(v.as_str(), Some("\u{FFFD}x\u{FFFD}"));
        let v = parse(r#""\ud800\u0041""#).expect("valid JSON");
        assert_eq!(v.as_str(), Some("\u{FFFD}A"));
    }

    #[test]
    fn written_strings_read_back_as_they_were() {
        for s in [
            "",
            "plain",
            "quote \" and \\ slash",
            "line\nbreak\ttab\u{1}",
            "é 😀",
        ] {
            let mut out = String::new();
            write_string(&mut out, s);
            assert_eq!(parse(&out), Ok(Value::String(s.to_owned())), "{out}");
            assert_eq!(
                serde_json::from_str::<String>(&out).ok().as_deref(),
                Some(s)
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep).map_err(|e| e.reason), Err("nesting too deep"));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }
}
