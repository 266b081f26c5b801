//! The body of a GraphQL answer over HTTP: the same JSON `serde_json` writes for
//! `async_graphql::BatchResponse`, byte for byte, written faster for the common case.
//!
//! A page of 50 persons with their talks is some 40 kB of JSON, and writing it through serde
//! (a call per value, a byte-by-byte scan of every string for characters to escape, small
//! copies into a growing buffer) was a fifth of the server's work for that page. An answer
//! without errors or extensions is written here: strings are scanned eight bytes at a time, and
//! escaped exactly as `serde_json` escapes them (`"`, `\`, and the control characters, the
//! usual five by their short forms, the rest as `\u00xx`). Numbers, binary values and answers
//! with errors or extensions are left to `serde_json`.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::{BatchResponse, Response, Value};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;

/// The HTTP answer for a batch, with the headers async-graphql's axum integration sets.
pub fn http(batch: BatchResponse) -> axum::response::Response {
    let mut response = axum::body::Body::from(body(&batch)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/graphql-response+json"));
    if batch.is_ok()
        && let Some(cache_control) = batch.cache_control().value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.extend(batch.http_headers());
    response
}

/// The length of the last answer written, the next one's first capacity: a page of 50 persons
/// with their talks (some 54 kB) grew from 8 kB through three copies of what it held so far.
/// A server's answers run alike (a client asks the same pages again); an answer unlike the last
/// costs at most the copies it did before, and one much shorter than its buffer is moved into a
/// buffer of its own length ([`body`]), so a large answer does not make every one after it hold
/// as much until it is sent.
static LAST_LENGTH: AtomicUsize = AtomicUsize::new(FLOOR);

/// The least first capacity, what every answer started with before the hint: a buffer this size
/// is never shrunk, so a short answer costs no more than it did.
const FLOOR: usize = 8 * 1024;

/// The first capacity of an answer: the last one's length, within [`FLOOR`] and 1 MB.
fn first_capacity() -> usize {
    LAST_LENGTH.load(Ordering::Relaxed).clamp(FLOOR, 1024 * 1024)
}

/// The JSON of a batch: `serde_json::to_vec(batch)`, byte for byte.
pub fn body(batch: &BatchResponse) -> Vec<u8> {
    let mut out = Vec::with_capacity(first_capacity());
    match batch {
        BatchResponse::Single(one) => write_response(&mut out, one),
        BatchResponse::Batch(all) => {
            out.push(b'[');
            for (i, one) in all.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_response(&mut out, one);
            }
            out.push(b']');
        }
    }
    LAST_LENGTH.store(out.len(), Ordering::Relaxed);
    if out.capacity() > FLOOR && out.len() < out.capacity() / 4 {
        out.shrink_to_fit();
    }
    out
}

fn write_response(out: &mut Vec<u8>, response: &Response) {
    if response.errors.is_empty() && response.extensions.is_empty() {
        out.extend_from_slice(b"{\"data\":");
        write_value(out, &response.data, &mut Keys::default());
        out.push(b'}');
    } else {
        serde_json::to_writer(&mut *out, response).expect("an answer serialises");
    }
}

/// Object keys of this answer found to need no escaping, by the address and length of their
/// text. The rows of a list share their keys' texts (each key is the query's own `Name`, shared
/// by every row), so the 1,500 keys of a page of persons with their talks are checked a few
/// dozen times instead of one by one. The answer is neither changed nor dropped while it is
/// written, so an address seen in it keeps its text until the end.
#[derive(Default)]
struct Keys([(usize, usize); 32]);

impl Keys {
    fn write(&mut self, out: &mut Vec<u8>, key: &str) {
        let seen = (key.as_ptr() as usize, key.len());
        let slot = &mut self.0[(seen.0 >> 4) % 32];
        if *slot != seen {
            if any_to_escape(key.as_bytes()) {
                return write_str(out, key);
            }
            *slot = seen;
        }
        out.reserve(key.len() + 2);
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.push(b'"');
    }
}

fn write_value(out: &mut Vec<u8>, value: &Value, keys: &mut Keys) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(true) => out.extend_from_slice(b"true"),
        Value::Boolean(false) => out.extend_from_slice(b"false"),
        Value::String(text) => write_str(out, text),
        Value::Enum(name) => write_str(out, name),
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item, keys);
            }
            out.push(b']');
        }
        Value::Object(fields) => {
            out.push(b'{');
            for (i, (name, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                keys.write(out, name);
                out.push(b':');
                write_value(out, item, keys);
            }
            out.push(b'}');
        }
        Value::Number(_) | Value::Binary(_) => serde_json::to_writer(&mut *out, value).expect("a value serialises"),
    }
}

/// Whether any of the eight bytes of `word` is below 0x20, a quote or a backslash (exact for
/// "any"; which byte is found byte by byte).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    (below(word, 0x20) | below(quote, 1) | below(backslash, 1)) != 0
}

/// Whether `bytes` holds a byte to escape, eight at a time (the last few padded with a byte that
/// needs none).
fn any_to_escape(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    if words.any(|word| needs_escape(u64::from_le_bytes(word.try_into().expect("eight bytes")))) {
        return true;
    }
    let mut last = [b' '; 8];
    for (slot, byte) in last.iter_mut().zip(words.remainder()) {
        *slot = *byte;
    }
    needs_escape(u64::from_le_bytes(last))
}

fn write_str(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if !any_to_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0x00..=0x1f => 0,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if short != 0 {
            out.extend_from_slice(&[b'\\', short]);
        } else {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{Name, ServerError};

    fn same_as_serde(batch: &BatchResponse) {
        assert_eq!(
            String::from_utf8(body(batch)).unwrap(),
            serde_json::to_string(batch).unwrap(),
            "the body differs from serde_json's"
        );
    }

    fn text_with_every_ascii_byte() -> String {
        (0u8..0x80).map(char::from).collect::<String>() + "谈话记录 \u{2028} 😀 \u{7f}"
    }

    #[test]
    fn every_character_is_written_as_serde_json_writes_it() {
        let all = text_with_every_ascii_byte();
        // Each byte alone, at every offset within an eight-byte word, and the whole text.
        for byte in 0u8..0x80 {
            for pad in 0..10 {
                let text = format!("{}{}{}", "a".repeat(pad), char::from(byte), "b".repeat(9));
                same_as_serde(&BatchResponse::Single(Response::new(Value::String(text))));
            }
        }
        same_as_serde(&BatchResponse::Single(Response::new(Value::String(all))));
        same_as_serde(&BatchResponse::Single(Response::new(Value::String(String::new()))));
    }

    #[test]
    fn every_kind_of_value_and_answer_is_written_as_serde_json_writes_it() {
        let mut object = async_graphql::indexmap::IndexMap::new();
        object.insert(Name::new("na\"me"), Value::String(text_with_every_ascii_byte()));
        object.insert(Name::new("n"), Value::from(-12.5));
        object.insert(Name::new("i"), Value::from(42));
        object.insert(Name::new("big"), Value::from(u64::MAX));
        object.insert(Name::new("t"), Value::Boolean(true));
        object.insert(Name::new("f"), Value::Boolean(false));
        object.insert(Name::new("null"), Value::Null);
        object.insert(Name::new("e"), Value::Enum(Name::new("KEY")));
        object.insert(Name::new("bin"), Value::Binary(vec![0, 1, 255].into()));
        object.insert(Name::new("empty"), Value::List(vec![]));
        object.insert(Name::new("nothing"), Value::Object(Default::default()));
        let data = Value::List(vec![Value::Object(object.clone()), Value::Object(object)]);
        same_as_serde(&BatchResponse::Single(Response::new(data.clone())));
        let failed = || {
            let mut failed = Response::new(data.clone());
            failed.errors.push(ServerError::new("no", None));
            failed
        };
        same_as_serde(&BatchResponse::Single(failed()));
        let mut extended = Response::new(Value::Null);
        extended.extensions.insert("x".into(), Value::from(1));
        same_as_serde(&BatchResponse::Batch(vec![Response::new(data.clone()), failed(), extended]));
        same_as_serde(&BatchResponse::Batch(vec![]));
    }
}
