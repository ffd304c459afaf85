//! JSON for server function results, decoded from text.
//!
//! server_fn's own `Json` output decodes a response with `serde_json::from_slice`, while a
//! resource hydrates from the page with `serde_json::from_str`. Each of those instantiates a
//! whole JSON parser for every type the browser receives (`Me`, rows, movies, ...), so the
//! bundle carried every one of them twice. Decoding responses from text too keeps one.
//! The bytes on the wire are the same `application/json`.

use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::Serialize;
use serde::de::{DeserializeOwned, Error as _};

/// JSON, read from a UTF-8 string.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}

/// The output encoding of every server function: a POST answered with JSON.
pub type Json = Post<JsonText>;
