//! Bytes to text: UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's “Unicode text”), and
//! GBK/GB18030, which Excel on a Chinese Windows writes when it saves a CSV.
//!
//! encoding_rs does the decoding; what is hand-written here is only the choice between them and
//! the refusal of files that mix UTF-8 and GBK lines, because decoding such a file either way
//! would silently turn half of it into mojibake.

use crate::{ImportError, ImportErrorKind as K, Location};
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

/// The encoding a text was read in, for the preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    /// GBK or its superset GB18030 (decoded as GB18030, which reads both).
    Gb18030,
}

/// Decodes a text file, refusing one that is neither UTF-8 nor GB18030 or mixes the two.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), ImportError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest).map(|s| (s, Encoding::Utf8));
    }
    for (bom, enc) in [(b"\xFF\xFE", UTF_16LE), (b"\xFE\xFF", UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return enc
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|s| (s.into_owned(), Encoding::Utf16))
                .ok_or_else(|| bad("the UTF-16 text has invalid code units".into()));
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_owned(), Encoding::Utf8));
    }
    // Not UTF-8 as a whole: before reading it as GBK, make sure no line of it is UTF-8 Chinese,
    // which would mean the file was pasted together from two sources.
    let mut utf8_line = None;
    let mut other_line = None;
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        match std::str::from_utf8(line) {
            Ok(s) if s.chars().filter(|c| !c.is_ascii()).count() >= 3 => {
                utf8_line.get_or_insert(i + 1);
            }
            Ok(_) => {}
            Err(_) => {
                other_line.get_or_insert(i + 1);
            }
        }
    }
    if let (Some(u), Some(o)) = (utf8_line, other_line) {
        return Err(ImportError {
            at: Location {
                line: Some(o),
                ..Location::default()
            },
            kind: K::BadEncoding(format!(
                "mixed encodings: line {u} is UTF-8 but line {o} is not; save the whole file in one encoding"
            )),
        });
    }
    GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| (s.into_owned(), Encoding::Gb18030))
        .ok_or_else(|| bad("it is not valid UTF-8 and not valid GBK/GB18030".into()))
}

fn utf8(bytes: &[u8]) -> Result<String, ImportError> {
    std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ImportError {
            at: Location {
                line: Some(line),
                ..Location::default()
            },
            kind: K::BadEncoding(format!(
                "the file starts with a UTF-8 BOM but has invalid UTF-8 at byte {}",
                e.valid_up_to()
            )),
        }
    })
}

fn bad(msg: String) -> ImportError {
    ImportError::new(K::BadEncoding(msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_bom_gbk_and_mixed() {
        let (s, e) = decode("\u{feff}序号".as_bytes()).unwrap();
        assert_eq!((s.as_str(), e), ("序号", Encoding::Utf8));
        let (gbk, _, _) = GB18030.encode("序号,责任单位\n1,市财政局\n");
        let (s, e) = decode(&gbk).unwrap();
        assert_eq!(
            (s.as_str(), e),
            ("序号,责任单位\n1,市财政局\n", Encoding::Gb18030)
        );
        let mut mixed = "市政府办公室,市财政局\n".as_bytes().to_vec();
        mixed.extend_from_slice(&gbk);
        let e = decode(&mixed).unwrap_err();
        assert!(matches!(e.kind, K::BadEncoding(_)), "{e}");
        assert!(decode(b"\xFF\xFEa\x00").is_ok());
    }
}
