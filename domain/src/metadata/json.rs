//! Lenient reading of providers' JSON: an optional field of the wrong type reads as absent
//! instead of failing the whole answer, because providers are sloppy with the fields nobody
//! checks (`"runtime": null`, `"release_date": ""`, numbers sent as strings).

use super::BadAnswer;
use serde_json::Value;

/// The answer as JSON, or a sentence naming the provider.
pub(crate) fn parse(json: &[u8], provider: &str) -> Result<Value, BadAnswer> {
    serde_json::from_slice(json)
        .map_err(|e| BadAnswer(format!("{provider}'s answer is not the expected JSON: {e}")))
}

/// A string field, trimmed; None when absent, empty or not a string.
pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    as_text(v.get(key)?)
}

/// A string value, trimmed; None when empty or not a string.
pub(crate) fn as_text(v: &Value) -> Option<String> {
    let s = v.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// A whole non-negative number (`117`, `117.0` or `"117"`); None for anything else.
pub(crate) fn uint(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&f)).then_some(f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A finite number (`8.1` or `"8.1"`); None for anything else.
pub(crate) fn float(v: &Value, key: &str) -> Option<f64> {
    let f = match v.get(key)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    f.is_finite().then_some(f)
}

/// The items of an array field; empty when absent or not an array.
pub(crate) fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_read_as_absent() {
        let v = json!({"s": " x ", "e": "", "n": 117, "f": 117.0, "h": 1.5, "ns": "117",
            "bad": "abc", "neg": -3, "arr": [1], "obj": {}});
        assert_eq!(text(&v, "s").as_deref(), Some("x"));
        assert_eq!(text(&v, "e"), None);
        assert_eq!(text(&v, "n"), None);
        assert_eq!(uint(&v, "n"), Some(117));
        assert_eq!(uint(&v, "f"), Some(117));
        assert_eq!(uint(&v, "ns"), Some(117));
        assert_eq!(uint(&v, "h"), None);
        assert_eq!(uint(&v, "bad"), None);
        assert_eq!(uint(&v, "neg"), None);
        assert_eq!(uint(&v, "missing"), None);
        assert_eq!(float(&v, "h"), Some(1.5));
        assert_eq!(float(&v, "ns"), Some(117.0));
        assert_eq!(float(&v, "arr"), None);
        assert_eq!(items(&v, "arr").len(), 1);
        assert!(items(&v, "obj").is_empty());
        assert!(
            parse(b"{", "TMDB")
                .unwrap_err()
                .0
                .starts_with("TMDB's answer")
        );
    }
}
