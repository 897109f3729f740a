//! Lenient reading with serde: values taken as whatever type they turn out to be, so that a
//! field of an unexpected type reads as "not what we wanted" instead of failing the whole
//! object. The same types deserialize from `serde_json` (native) and from `JSON.parse`'s
//! output through serde-wasm-bindgen (wasm).
//!
//! Every visitor here accepts every kind of value, so no type-mismatch error (and none of the
//! formatting behind such messages) is ever built. The one error is depth: lists nested more
//! than [`MAX_DEPTH`] levels fail to read, so that however deep a server nests its JSON, the
//! reading's recursion (and with it the wasm's 64 KiB stack) stays bounded.

use core::fmt;
use core::marker::PhantomData;

use serde::de::{
    self, value::MapAccessDeserializer, Deserialize, DeserializeSeed, Deserializer, IgnoredAny,
};

/// How deep lists nest inside a value read loosely. A task's lists are flat (`results`); each
/// level of reading takes under 200 bytes of the wasm's stack.
pub const MAX_DEPTH: u8 = 32;

/// Why a value with lists nested deeper than [`MAX_DEPTH`] cannot be read.
pub const TOO_DEEP: &str = "it nests lists more than 32 levels deep";

/// One JSON value, kept only as far as the core needs: strings, numbers, booleans, null and
/// lists of them; an object is [`Loose::Object`] without its members.
#[derive(Clone, Debug, PartialEq)]
pub enum Loose {
    /// `null` (or `undefined` from JavaScript).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Any number.
    Number(f64),
    /// A string.
    String(String),
    /// An array, its items read loosely.
    List(Vec<Loose>),
    /// An object (members not kept).
    Object,
}

impl Loose {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Loose::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Loose::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Loose::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A failure code as text: a string as it is, a whole number as its digits.
    pub fn code(&self) -> Option<String> {
        match self {
            Loose::String(s) => Some(s.clone()),
            Loose::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some((*n as i64).to_string()),
            _ => None,
        }
    }
}

/// Reads one value at `depth` levels of nesting.
#[derive(Clone, Copy)]
struct LooseVisitor {
    depth: u8,
}

impl LooseVisitor {
    /// The visitor for a value at the top (a member of an object, or the value itself).
    const TOP: LooseVisitor = LooseVisitor { depth: 0 };

    /// The visitor for the items of a list read by this one.
    fn inner<E: de::Error>(self) -> Result<LooseVisitor, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(TOO_DEEP));
        }
        Ok(LooseVisitor {
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for LooseVisitor {
    type Value = Loose;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::String(v))
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Loose, E> {
        Ok(Loose::Object)
    }
    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        let inner = self.inner()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Loose::List(items))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        // Skipped without recursion in wasm (serde-wasm-bindgen ignores a value without looking
        // into it); natively `serde_json` has already refused more than 128 levels.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Loose::Object)
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(LooseVisitor::TOP)
    }
}

/// A value read as `T` when it is an object, else kept loosely: for members such as `error`,
/// which some servers send as an object and others as a string.
#[derive(Clone, Debug, PartialEq)]
pub enum MaybeObject<T> {
    /// The value was an object.
    Object(T),
    /// Any other value.
    Other(Loose),
}

impl<T> MaybeObject<T> {
    /// The object, if the value was one.
    pub fn object(self) -> Option<T> {
        match self {
            MaybeObject::Object(t) => Some(t),
            MaybeObject::Other(_) => None,
        }
    }
}

impl<T> Default for MaybeObject<T> {
    fn default() -> Self {
        MaybeObject::Other(Loose::Null)
    }
}

struct MaybeObjectVisitor<T>(PhantomData<T>);

macro_rules! other {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<E: de::Error>(self, $($arg: $ty),*) -> Result<Self::Value, E> {
            LooseVisitor::TOP.$method($($arg),*).map(MaybeObject::Other)
        }
    )*};
}

impl<'de, T: Deserialize<'de>> de::Visitor<'de> for MaybeObjectVisitor<T> {
    type Value = MaybeObject<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(MaybeObject::Object)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        LooseVisitor::TOP.visit_seq(seq).map(MaybeObject::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        MaybeObject::deserialize(d)
    }
    other! {
        visit_bool(v: bool);
        visit_i64(v: i64);
        visit_u64(v: u64);
        visit_f64(v: f64);
        visit_str(v: &str);
        visit_string(v: String);
        visit_bytes(v: &[u8]);
        visit_unit();
        visit_none();
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MaybeObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MaybeObjectVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(default)]
    struct Pair {
        a: Option<Loose>,
        b: MaybeObject<Inner>,
    }

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    #[serde(default)]
    struct Inner {
        c: Option<Loose>,
    }

    fn read(text: &str) -> Option<Pair> {
        serde_json::from_str::<MaybeObject<Pair>>(text)
            .expect("JSON")
            .object()
    }

    #[test]
    fn any_type_reads_without_failing_the_object() {
        for (text, a) in [
            (r#"{"a":"x"}"#, Some(Loose::String("x".into()))),
            (r#"{"a":1.5}"#, Some(Loose::Number(1.5))),
            (
                r#"{"a":[1,"y"]}"#,
                Some(Loose::List(vec![
                    Loose::Number(1.0),
                    Loose::String("y".into()),
                ])),
            ),
            (r#"{"a":{"deep":[{}]}}"#, Some(Loose::Object)),
            (r#"{"a":null}"#, None),
            (r#"{"z":3}"#, None),
        ] {
            assert_eq!(read(text).map(|p| p.a), Some(a), "{text}");
        }
        for text in [
            r#"{"b":"s"}"#,
            r#"{"b":[1]}"#,
            r#"{"b":7}"#,
            r#"{"b":null}"#,
        ] {
            assert_eq!(read(text).and_then(|p| p.b.object()), None, "{text}");
        }
        let kept = read(r#"{"b":"s"}"#).map(|p| p.b);
        assert_eq!(kept, Some(MaybeObject::Other(Loose::String("s".into()))));
        let nested = read(r#"{"b":{"c":true,"d":[]}}"#).and_then(|p| p.b.object());
        assert_eq!(
            nested,
            Some(Inner {
                c: Some(Loose::Bool(true))
            })
        );
        assert_eq!(read("[1,2]"), None);
        assert_eq!(read("\"text\""), None);
    }

    fn nested(levels: usize) -> String {
        format!(r#"{{"a":{}"x"{}}}"#, "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn lists_nest_at_most_max_depth_levels() {
        assert!(TOO_DEEP.contains(&MAX_DEPTH.to_string()));
        let depth = usize::from(MAX_DEPTH);
        let a = read(&nested(depth)).and_then(|p| p.a);
        let Some(Loose::List(mut items)) = a else {
            panic!("{depth} levels of lists read as a list");
        };
        let mut levels = 1;
        while let Some(Loose::List(inner)) = items.pop() {
            items = inner;
            levels += 1;
        }
        assert_eq!(levels, depth);
        // One more level fails the whole value, whichever way it is read.
        let text = nested(depth + 1);
        let error = serde_json::from_str::<MaybeObject<Pair>>(&text).map(|_| ());
        assert!(error.is_err_and(|e| e.to_string().contains(TOO_DEEP)));
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert!(Pair::deserialize(&value).is_err());
        // Objects inside a member are skipped, not counted.
        let objects = format!(
            r#"{{"a":[{}1{}]}}"#,
            r#"{"b":"#.repeat(100),
            "}".repeat(100)
        );
        assert!(read(&objects).is_some());
    }

    #[test]
    fn codes_are_strings_or_whole_numbers() {
        assert_eq!(Loose::String("x".into()).code().as_deref(), Some("x"));
        assert_eq!(Loose::Number(404.0).code().as_deref(), Some("404"));
        assert_eq!(Loose::Number(-3.0).code().as_deref(), Some("-3"));
        assert_eq!(Loose::Number(1.5).code(), None);
        assert_eq!(Loose::Number(1e20).code(), None);
        assert_eq!(Loose::Bool(true).code(), None);
    }
}
