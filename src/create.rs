//! Creating tasks: which endpoint each kind posts to, the documented limits of the Seedance 2.0
//! models checked before sending, and the `callback_url` rules that hold for every model.
//!
//! Only known model ids are checked; any other model passes through untouched, so a model
//! EvoLink adds tomorrow works today. A create is never repeated once it may have reached the
//! server (the task may already be billed).

use serde::{Deserialize, Deserializer};

use crate::error::{ArgumentKind, Error};
use crate::loose::{Loose, MaybeObject};
use crate::schedule::{backoff_ms, retry_after_ms};
use crate::validate::is_loopback_host;

/// The longest `callback_url` the API accepts.
pub const MAX_CALLBACK_URL_LEN: usize = 2048;

/// What a task generates, and so where it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `POST /v1/videos/generations`
    Video,
    /// `POST /v1/images/generations`
    Image,
    /// `POST /v1/audios/generations`
    Audio,
}

impl Kind {
    /// The kind named `video`, `image` or `audio`.
    pub fn from_name(name: &str) -> Option<Kind> {
        match name {
            "video" => Some(Kind::Video),
            "image" => Some(Kind::Image),
            "audio" => Some(Kind::Audio),
            _ => None,
        }
    }

    /// The creation endpoint's path.
    pub fn path(self) -> &'static str {
        match self {
            Kind::Video => "/v1/videos/generations",
            Kind::Image => "/v1/images/generations",
            Kind::Audio => "/v1/audios/generations",
        }
    }
}

fn type_error(parts: &[&str]) -> Error {
    Error::Argument(ArgumentKind::Type, parts.concat())
}

fn range_error(parts: &[&str]) -> Error {
    Error::Argument(ArgumentKind::Range, parts.concat())
}

/// A Seedance 2.0 model id, split into its tier and mode.
struct Seedance<'a> {
    tier: &'a str,
    mode: &'a str,
}

fn seedance(model: &str) -> Option<Seedance<'_>> {
    let rest = model.strip_prefix("seedance-2.0-")?;
    let (tier, mode) = match rest.split_once('-') {
        Some((tier @ ("fast" | "mini"), mode)) => (tier, mode),
        _ => ("standard", rest),
    };
    let mode = mode.strip_suffix("-to-video")?;
    matches!(mode, "text" | "image" | "reference").then_some(Seedance { tier, mode })
}

/// The creation parameters the checks read; all others pass through unread. A member sent as
/// `null` is present (`Some(Loose::Null)`), unlike one left out.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Params {
    #[serde(deserialize_with = "present")]
    model: Option<Loose>,
    #[serde(deserialize_with = "present")]
    prompt: Option<Loose>,
    #[serde(deserialize_with = "present")]
    duration: Option<Loose>,
    #[serde(deserialize_with = "present")]
    quality: Option<Loose>,
    #[serde(deserialize_with = "present")]
    aspect_ratio: Option<Loose>,
    #[serde(deserialize_with = "present")]
    generate_audio: Option<Loose>,
    #[serde(deserialize_with = "present")]
    image_urls: Option<Loose>,
    #[serde(deserialize_with = "present")]
    video_urls: Option<Loose>,
    #[serde(deserialize_with = "present")]
    audio_urls: Option<Loose>,
    #[serde(deserialize_with = "present")]
    callback_url: Option<Loose>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Loose>, D::Error> {
    Loose::deserialize(d).map(Some)
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

/// Checks creation parameters (an object, from any serde deserializer) before anything is
/// sent.
pub fn check_params<'de, D: Deserializer<'de>>(kind: Kind, params: D) -> Result<(), Error> {
    let params = MaybeObject::<Params>::deserialize(params)
        .map_err(|_| too_deep())?
        .object()
        .ok_or_else(not_an_object)?;
    checks(kind, &params)
}

/// [`check_params`] for parameters the caller knows are an object (a JavaScript object through
/// serde-wasm-bindgen): only the members the checks read are looked up, and wasm carries one
/// reading of the parameters instead of one per kind of map serde-wasm-bindgen may meet.
pub fn check_object<'de, D: Deserializer<'de>>(kind: Kind, params: D) -> Result<(), Error> {
    checks(kind, &Params::deserialize(params).map_err(|_| too_deep())?)
}

/// [`check_params`] for parameters read member by member: `member(name)` is the member `name`
/// read loosely, `None` when it is absent (the wasm reads a JavaScript object so, without a
/// struct reading of its own); an `Err` fails as a member nested too deep does.
pub fn check_members<E>(
    kind: Kind,
    mut member: impl FnMut(&'static str) -> Result<Option<Loose>, E>,
) -> Result<(), Error> {
    let mut read = |name| member(name).map_err(|_| too_deep());
    let params = Params {
        model: read("model")?,
        prompt: read("prompt")?,
        duration: read("duration")?,
        quality: read("quality")?,
        aspect_ratio: read("aspect_ratio")?,
        generate_audio: read("generate_audio")?,
        image_urls: read("image_urls")?,
        video_urls: read("video_urls")?,
        audio_urls: read("audio_urls")?,
        callback_url: read("callback_url")?,
    };
    checks(kind, &params)
}

/// The error for creation parameters that are not an object.
pub fn not_an_object() -> Error {
    type_error(&["create parameters must be an object"])
}

/// Reading the parameters fails only past the depth limit (see `loose`).
fn too_deep() -> Error {
    type_error(&["create parameters cannot be read: ", crate::loose::TOO_DEEP])
}

fn checks(kind: Kind, params: &Params) -> Result<(), Error> {
    let model = match &params.model {
        Some(Loose::String(m)) if !is_blank(m) => m.as_str(),
        Some(Loose::String(_)) | None => return Err(type_error(&["\"model\" is required"])),
        Some(_) => return Err(type_error(&["\"model\" must be a string"])),
    };
    if let Some(url) = &params.callback_url {
        check_callback_url(url)?;
    }
    match (kind, seedance(model)) {
        (Kind::Video, Some(model)) => check_seedance(&model, params),
        _ => Ok(()),
    }
}

fn check_seedance(model: &Seedance<'_>, params: &Params) -> Result<(), Error> {
    match &params.prompt {
        Some(Loose::String(p)) if !is_blank(p) => {}
        Some(Loose::String(_)) | None => return Err(type_error(&["\"prompt\" is required"])),
        Some(_) => return Err(type_error(&["\"prompt\" must be a string"])),
    }
    if let Some(d) = &params.duration {
        let n = d
            .as_f64()
            .ok_or_else(|| type_error(&["\"duration\" must be a number of seconds"]))?;
        if n.fract() != 0.0 || !(4.0..=15.0).contains(&n) {
            return Err(range_error(&[
                "\"duration\" must be a whole number of seconds from 4 to 15",
            ]));
        }
    }
    one_of(&params.quality, "quality", &["480p", "720p", "1080p"])?;
    let quality = params.quality.as_ref().and_then(Loose::as_str);
    if model.tier != "standard" && quality == Some("1080p") {
        return Err(range_error(&[
            "\"quality\" 1080p is only available on the standard tier, not on ",
            model.tier,
        ]));
    }
    one_of(
        &params.aspect_ratio,
        "aspect_ratio",
        &["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "adaptive"],
    )?;
    if let Some(v) = &params.generate_audio {
        v.as_bool()
            .ok_or_else(|| type_error(&["\"generate_audio\" must be a boolean"]))?;
    }
    let images = url_count(&params.image_urls, "image_urls")?;
    let videos = url_count(&params.video_urls, "video_urls")?;
    let audios = url_count(&params.audio_urls, "audio_urls")?;
    let mode = model.mode;
    let within = |name: &str, count: usize, min: usize, max: usize, limit: &str| {
        if (min..=max).contains(&count) {
            Ok(())
        } else {
            Err(range_error(&[
                "\"",
                name,
                "\" ",
                limit,
                " for ",
                mode,
                "-to-video",
            ]))
        }
    };
    match mode {
        "text" => {
            within("image_urls", images, 0, 0, "is not accepted")?;
            within("video_urls", videos, 0, 0, "is not accepted")?;
            within("audio_urls", audios, 0, 0, "is not accepted")
        }
        "image" => {
            within("image_urls", images, 1, 2, "needs 1 or 2 URLs")?;
            within("video_urls", videos, 0, 0, "is not accepted")?;
            within("audio_urls", audios, 0, 0, "is not accepted")
        }
        _ => {
            within("image_urls", images, 0, 9, "takes at most 9 URLs")?;
            within("video_urls", videos, 0, 3, "takes at most 3 URLs")?;
            within("audio_urls", audios, 0, 3, "takes at most 3 URLs")?;
            if audios > 0 && images + videos == 0 {
                return Err(range_error(&[
                    "\"audio_urls\" cannot be the only reference: add image_urls or video_urls",
                ]));
            }
            Ok(())
        }
    }
}

fn one_of(value: &Option<Loose>, name: &str, allowed: &[&str]) -> Result<(), Error> {
    match value {
        None => Ok(()),
        Some(Loose::String(v)) if allowed.contains(&v.as_str()) => Ok(()),
        Some(_) => Err(range_error(&[
            "\"",
            name,
            "\" must be one of ",
            &allowed.join(", "),
        ])),
    }
}

fn url_count(value: &Option<Loose>, name: &str) -> Result<usize, Error> {
    match value {
        None | Some(Loose::Null) => Ok(0),
        Some(Loose::List(items)) if items.iter().all(|i| i.as_str().is_some()) => Ok(items.len()),
        Some(_) => Err(type_error(&[
            "\"",
            name,
            "\" must be an array of URL strings",
        ])),
    }
}

/// Checks `callback_url` text: a string of at most 2048 characters. The scheme and host are
/// checked by [`callback_host`] once the URL is parsed.
fn check_callback_url(url: &Loose) -> Result<(), Error> {
    let url = url
        .as_str()
        .ok_or_else(|| type_error(&["\"callback_url\" must be a string"]))?;
    // Characters, not bytes: count every byte that does not continue a UTF-8 sequence.
    if url.bytes().filter(|b| b & 0xC0 != 0x80).count() > MAX_CALLBACK_URL_LEN {
        return Err(range_error(&[
            "\"callback_url\" is longer than 2048 characters",
        ]));
    }
    Ok(())
}

/// The pause before sending a create again after its `failures`-th failure in a row, or `None`
/// to give up. A create is repeated only when it surely did not create a task: after a 429
/// (`rate_limit` holds its `Retry-After`, if any) or when `fetch` threw before sending
/// (`unsent`); never after a 5xx or a lost answer, since the task may exist and be billed.
pub fn retry_delay(
    failures: u32,
    max_retries: u32,
    rate_limit: Option<Option<&str>>,
    unsent: bool,
    now: f64,
    random: f64,
) -> Option<u64> {
    if (rate_limit.is_none() && !unsent) || failures > max_retries {
        return None;
    }
    let hinted = rate_limit.flatten().and_then(|v| retry_after_ms(v, now));
    Some(hinted.unwrap_or_else(|| backoff_ms(failures, random)))
}

/// Checks a parsed `callback_url`: https, and a host that is neither loopback nor private.
pub fn callback_host(protocol: &str, hostname: &str) -> Result<(), Error> {
    if protocol != "https:" {
        return Err(type_error(&["\"callback_url\" must be an https URL"]));
    }
    if is_loopback_host(hostname) || is_private_host(hostname) {
        return Err(type_error(&[
            "\"callback_url\" must be a public address, not a loopback or private one",
        ]));
    }
    Ok(())
}

/// True for private, link-local, shared and unspecified IPv4 ranges and for IPv6 loopback,
/// unique-local and link-local addresses, written as URL host literals.
pub fn is_private_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let first = v6.split(':').next().unwrap_or("");
        let hex = !first.is_empty() && first.bytes().all(|b| b.is_ascii_hexdigit());
        let word = hex.then(|| u32::from_str_radix(first, 16).ok()).flatten();
        return v6 == "::"
            || v6 == "::1"
            || v6.starts_with("::ffff:")
            || word.is_some_and(|w| (w & 0xfe00) == 0xfc00 || (w & 0xffc0) == 0xfe80);
    }
    // Every piece a number to 255, or this is a name, not an IPv4 address.
    let octet = |o: &str| {
        let digits = !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| o.parse::<u8>().ok()).flatten()
    };
    let octets: Option<Vec<u8>> = host.split('.').map(octet).collect();
    match octets.as_deref() {
        Some([a, b, _, _]) => {
            *a == 10
                || *a == 0
                || *a == 127
                || (*a == 172 && (16..32).contains(b))
                || (*a == 192 && *b == 168)
                || (*a == 169 && *b == 254)
                || (*a == 100 && (64..128).contains(b))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    /// Both readings: any value, and a value known to be an object, agree on every case.
    fn check(kind: Kind, text: &str) -> Result<(), String> {
        let params: serde_json::Value = serde_json::from_str(text).expect("JSON");
        let any = check_params(kind, &params).map_err(|e| e.message());
        if let Some(members) = params.as_object() {
            let object = check_object(kind, &params).map_err(|e| e.message());
            assert_eq!(any, object, "{text}");
            let read = |name| members.get(name).map(Loose::deserialize).transpose();
            let one_by_one = check_members(kind, read).map_err(|e| e.message());
            assert_eq!(any, one_by_one, "{text}");
        }
        any
    }

    fn video(extra: &str) -> Result<(), String> {
        check(
            Kind::Video,
            &format!(r#"{{"model":"seedance-2.0-text-to-video","prompt":"a cat"{extra}}}"#),
        )
    }

    #[test]
    fn null_is_a_value_of_the_wrong_type_not_a_missing_one() {
        let e = video(r#","duration":null"#).expect_err("null duration");
        assert!(e.contains("must be a number"), "{e}");
        assert_eq!(video(r#","image_urls":null"#), Ok(()));
        let e = check(Kind::Video, r#"{"model":null}"#).expect_err("null model");
        assert!(e.contains("must be a string"), "{e}");
    }

    #[test]
    fn seedance_model_ids_are_recognised() {
        for (id, tier, mode) in [
            ("seedance-2.0-text-to-video", "standard", "text"),
            ("seedance-2.0-fast-image-to-video", "fast", "image"),
            ("seedance-2.0-mini-reference-to-video", "mini", "reference"),
        ] {
            let s = seedance(id).expect(id);
            assert_eq!((s.tier, s.mode), (tier, mode));
        }
        assert!(seedance("seedance-2.0-audio-to-video").is_none());
        assert!(seedance("kling-1").is_none());
    }

    #[test]
    fn documented_limits_are_checked_with_the_field_named() {
        assert_eq!(
            video(
                r#","duration":10,"quality":"1080p","aspect_ratio":"9:16","generate_audio":false"#
            ),
            Ok(())
        );
        assert!(video(r#","duration":3"#)
            .unwrap_err()
            .contains("\"duration\""));
        assert!(video(r#","duration":7.5"#)
            .unwrap_err()
            .contains("\"duration\""));
        assert!(video(r#","quality":"4k""#)
            .unwrap_err()
            .contains("\"quality\""));
        assert!(video(r#","aspect_ratio":"2:1""#)
            .unwrap_err()
            .contains("\"aspect_ratio\""));
        assert!(video(r#","image_urls":["https://a/1.png"]"#)
            .unwrap_err()
            .contains("\"image_urls\""));
        assert!(
            check(Kind::Video, r#"{"model":"seedance-2.0-text-to-video"}"#)
                .unwrap_err()
                .contains("\"prompt\"")
        );
        assert!(check(Kind::Video, r#"{"prompt":"x"}"#)
            .unwrap_err()
            .contains("\"model\""));
        let fast = r#"{"model":"seedance-2.0-fast-text-to-video","prompt":"x","quality":"1080p"}"#;
        assert!(check(Kind::Video, fast)
            .unwrap_err()
            .contains("standard tier"));
    }

    #[test]
    fn image_counts_depend_on_the_mode() {
        let image = |urls: &str| {
            check(
                Kind::Video,
                &format!(
                    r#"{{"model":"seedance-2.0-image-to-video","prompt":"x","image_urls":{urls}}}"#
                ),
            )
        };
        assert!(image("[]").is_err());
        assert_eq!(image(r#"["a","b"]"#), Ok(()));
        assert!(image(r#"["a","b","c"]"#).is_err());
        assert!(image(r#"[1]"#)
            .unwrap_err()
            .contains("array of URL strings"));
        let reference = |extra: &str| {
            check(
                Kind::Video,
                &format!(r#"{{"model":"seedance-2.0-reference-to-video","prompt":"x"{extra}}}"#),
            )
        };
        assert_eq!(
            reference(r#","image_urls":["1","2","3","4","5","6","7","8","9"]"#),
            Ok(())
        );
        assert!(reference(r#","image_urls":["1","2","3","4","5","6","7","8","9","10"]"#).is_err());
        assert!(reference(r#","video_urls":["1","2","3","4"]"#).is_err());
        assert!(reference(r#","audio_urls":["a"]"#)
            .unwrap_err()
            .contains("only reference"));
        assert_eq!(
            reference(r#","audio_urls":["a"],"video_urls":["v"]"#),
            Ok(())
        );
    }

    #[test]
    fn other_models_pass_through_unchecked() {
        assert_eq!(
            check(
                Kind::Video,
                r#"{"model":"veo-9","duration":99,"quality":"8k"}"#
            ),
            Ok(())
        );
        assert_eq!(
            check(
                Kind::Image,
                r#"{"model":"seedance-2.0-text-to-video","duration":99}"#
            ),
            Ok(())
        );
    }

    #[test]
    fn callback_urls_are_public_https_and_short() {
        let long = format!(
            r#","callback_url":"https://a.example/{}""#,
            "x".repeat(2048)
        );
        assert!(video(&long).unwrap_err().contains("2048"));
        assert!(video(r#","callback_url":5"#).is_err());
        assert_eq!(callback_host("https:", "hooks.example.com"), Ok(()));
        for (protocol, host) in [
            ("http:", "hooks.example.com"),
            ("https:", "localhost"),
            ("https:", "127.0.0.1"),
            ("https:", "10.1.2.3"),
            ("https:", "172.20.0.1"),
            ("https:", "192.168.1.1"),
            ("https:", "169.254.169.254"),
            ("https:", "[::1]"),
            ("https:", "[fd00::1]"),
            ("https:", "[fe80::1]"),
        ] {
            assert!(callback_host(protocol, host).is_err(), "{protocol}//{host}");
        }
        assert!(!is_private_host("172.32.0.1") && !is_private_host("8.8.8.8"));
    }

    #[test]
    fn creates_are_repeated_only_when_no_task_can_exist() {
        let now = 0.0;
        assert_eq!(
            retry_delay(1, 3, Some(Some("2")), false, now, 0.5),
            Some(2000)
        );
        assert!(retry_delay(1, 3, Some(None), false, now, 0.5).is_some());
        assert!(retry_delay(1, 3, None, true, now, 0.5).is_some());
        assert_eq!(
            retry_delay(1, 3, None, false, now, 0.5),
            None,
            "a 5xx or a lost answer"
        );
        assert_eq!(
            retry_delay(4, 3, Some(Some("1")), false, now, 0.5),
            None,
            "out of retries"
        );
    }

    #[test]
    fn kinds_are_named() {
        assert_eq!(
            Kind::from_name("video").map(Kind::path),
            Some("/v1/videos/generations")
        );
        assert_eq!(Kind::from_name("Video"), None);
    }
}
