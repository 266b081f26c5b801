//! The XLSX package (a zip archive) checked before calamine opens it.
//!
//! Opening a workbook, calamine inflates the shared-strings part and holds every string, and
//! reserves room for as many as the part's `uniqueCount` says: a 2 MB file can unpack to
//! gigabytes, and a few bytes can ask for a reservation that aborts the process. So the archive
//! is read first, without inflating anything but the shared strings, and refused past bounds:
//! the number of parts, each part's and all parts' unpacked size, how far a large part is
//! compressed, and the number of shared strings, both declared and actually present.
//!
//! The declared sizes bound what calamine inflates: the zip crate (9.8) fails a part that
//! inflates past the size its central directory declares. The shared strings read here go
//! through a `take` of the limit all the same, so a lying header inflates no more than that.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::error::ApiError;

/// The most parts (files in the archive) a workbook may hold; a ledger has about ten.
pub const MAX_ENTRIES: usize = 1000;
/// The most shared strings a workbook may declare or hold.
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// The most a part of at least [`RATIO_FROM`] bytes may be compressed (unpacked / packed).
/// Sheets compress about 10:1 to 50:1; deflate's best is about 1030:1, which only bombs reach.
pub const MAX_RATIO: u64 = 250;
/// Parts smaller than this are not held to [`MAX_RATIO`] (a few repeated tags compress well).
const RATIO_FROM: u64 = 1 << 20;
/// How much of the shared-strings part is kept to read its `<sst …>` tag.
const HEAD_BYTES: usize = 4096;

fn refuse(en: String, zh: String) -> ApiError {
    ApiError::bad_input("input.content", en, zh)
}

fn not_xlsx() -> ApiError {
    refuse("The file is not an XLSX workbook.".into(), "文件不是XLSX工作簿。".into())
}

fn damaged() -> ApiError {
    refuse("The workbook is damaged: a part cannot be unpacked.".into(), "工作簿已损坏：部分内容无法解压。".into())
}

fn too_large(max_unpacked: u64) -> ApiError {
    let mb = max_unpacked / 1024 / 1024;
    refuse(
        format!("The workbook unpacks to more than {mb} MB; split the ledger."),
        format!("工作簿解压后超过{mb}MB，请拆分台账后导入。"),
    )
}

fn too_many_strings(n: u64) -> ApiError {
    refuse(
        format!("The workbook holds {n} shared strings; at most {MAX_SHARED_STRINGS} are taken."),
        format!("工作簿含{n}个共享字符串，最多允许{MAX_SHARED_STRINGS}个。"),
    )
}

/// Refuses, as `BAD_USER_INPUT` on `input.content`, a package calamine should not open.
pub fn check(bytes: &[u8], max_unpacked: u64) -> Result<(), ApiError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    if archive.len() > MAX_ENTRIES {
        let n = archive.len();
        return Err(refuse(
            format!("The file holds {n} parts; a workbook has at most {MAX_ENTRIES}."),
            format!("文件含{n}个部件，工作簿最多{MAX_ENTRIES}个。"),
        ));
    }
    let mut total: u64 = 0;
    let mut shared_strings = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|_| not_xlsx())?;
        let size = entry.size();
        total = total.saturating_add(size);
        if total > max_unpacked {
            return Err(too_large(max_unpacked));
        }
        if size >= RATIO_FROM && size / entry.compressed_size().max(1) > MAX_RATIO {
            return Err(refuse(
                format!("A part of the workbook is compressed more than {MAX_RATIO} to 1; it is not a ledger."),
                format!("工作簿的部件压缩比超过{MAX_RATIO}:1，不是正常台账。"),
            ));
        }
        // calamine finds parts whatever their case and slashes.
        let name = String::from_utf8_lossy(entry.name_raw()).to_ascii_lowercase().replace('\\', "/");
        if name.ends_with("sharedstrings.xml") {
            shared_strings.push(i);
        }
    }
    for i in shared_strings {
        let part = archive.by_index(i).map_err(|_| damaged())?;
        count_shared_strings(part.take(max_unpacked + 1), max_unpacked)?;
    }
    Ok(())
}

/// Reads a shared-strings part as a stream, refusing a declared (`count`, `uniqueCount`) or
/// actual number of strings past [`MAX_SHARED_STRINGS`] and a part past `max_unpacked` bytes.
fn count_shared_strings(mut part: impl Read, max_unpacked: u64) -> Result<(), ApiError> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut head: Vec<u8> = Vec::with_capacity(HEAD_BYTES);
    let mut head_checked = false;
    let mut tags = SiCounter::default();
    let mut read: u64 = 0;
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(damaged()),
        };
        read += n as u64;
        if read > max_unpacked {
            return Err(too_large(max_unpacked));
        }
        let chunk = &buf[..n];
        if !head_checked {
            let room = HEAD_BYTES - head.len();
            head.extend_from_slice(&chunk[..n.min(room)]);
            if let Some(declared) = declared_count(&head) {
                head_checked = true;
                if declared > MAX_SHARED_STRINGS {
                    return Err(too_many_strings(declared));
                }
            } else if head.len() == HEAD_BYTES {
                head_checked = true;
            }
        }
        tags.feed(chunk);
        if tags.count > MAX_SHARED_STRINGS {
            return Err(too_many_strings(tags.count));
        }
    }
    Ok(())
}

/// The larger of the `count` and `uniqueCount` of the `<sst …>` tag, once the whole tag is in
/// `head`; `None` before that (or without either attribute).
fn declared_count(head: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(head);
    let start = text.find("<sst").or_else(|| text.find(":sst"))?;
    let tag = &text[start..start + text[start..].find('>')?];
    ["count", "uniqueCount"].iter().filter_map(|name| attribute(tag, name)).max()
}

/// A numeric attribute of a tag (`name="12"` or `name='12'`), saturating on overflow.
fn attribute(tag: &str, name: &str) -> Option<u64> {
    let bytes = tag.as_bytes();
    tag.match_indices(name).find_map(|(at, _)| {
        let before = at.checked_sub(1).map(|b| bytes[b])?;
        let rest = tag[at + name.len()..].trim_start();
        let rest = rest.strip_prefix('=')?.trim_start();
        let rest = rest.strip_prefix(['"', '\''])?;
        let digits: &str = &rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())];
        (before.is_ascii_whitespace() && !digits.is_empty())
            .then(|| digits.bytes().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
    })
}

/// Counts `<si>` start tags (any namespace prefix) across chunks. Markup inside comments or
/// CDATA may count too: the count errs high, never low.
#[derive(Default)]
struct SiCounter {
    count: u64,
    /// Within a tag's name, and the name so far (cut at 16 bytes).
    in_name: bool,
    name: Vec<u8>,
}

impl SiCounter {
    fn feed(&mut self, chunk: &[u8]) {
        for &b in chunk {
            if b == b'<' {
                self.in_name = true;
                self.name.clear();
            } else if self.in_name {
                if b.is_ascii_whitespace() || b == b'>' || (b == b'/' && !self.name.is_empty()) {
                    self.in_name = false;
                    let local = self.name.rsplit(|c| *c == b':').next().unwrap_or_default();
                    if local == b"si" && self.name.first() != Some(&b'/') {
                        self.count += 1;
                    }
                } else if self.name.len() < 16 {
                    self.name.push(b);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sst_tag_gives_its_larger_count() {
        let head = br#"<?xml version="1.0"?><x:sst count="12" uniqueCount='9000000000' xmlns:x="m">"#;
        assert_eq!(declared_count(head), Some(9_000_000_000));
        assert_eq!(declared_count(br#"<sst count="3""#), None, "the tag is not complete yet");
        assert_eq!(declared_count(br#"<sst xmlns="m"><si>"#), None);
        assert_eq!(attribute(r#"<sst xcount="5" count = "7""#, "count"), Some(7));
    }

    #[test]
    fn string_items_are_counted_across_chunks_and_prefixes() {
        let mut tags = SiCounter::default();
        for chunk in [&b"<sst><si><t>a</t></si><x:s"[..], b"i><t/></x:si><si/><sis></sis></sst>"] {
            tags.feed(chunk);
        }
        assert_eq!(tags.count, 3);
    }
}
