//! Display-safe text: what a page or a printed table shows in place of characters that a reader
//! cannot see or that change how the text around them reads.
//!
//! A published table keeps exactly what a unit submitted, but showing it as is would let
//! invisible characters hide and bidirectional controls reorder text: a narrative with a
//! RIGHT-TO-LEFT OVERRIDE (U+202E) prints its tail backwards, a zero-width space makes two unit
//! names that look the same differ, and a NUL or a noncharacter (U+FFFE) is not text at all. Every
//! such character is shown as its code point instead (`[U+202E]` in plain text, a small box in the
//! PDF), so the reader sees that something is there and what it is, and nothing is reordered.
//!
//! The mapping is applied to the copy of the text being displayed only, never to stored data.
//! [`visible_text`] gives plain text (for HTML, escape it as usual afterwards); [`pieces`] gives
//! the runs and the marked characters separately, for a renderer that draws markers itself.
//!
//! What is marked ([`is_hidden`]): C0 and C1 control characters other than tab and line feed (a
//! carriage return before a line feed is dropped, so CR LF line breaks from web forms read as
//! one line break); the bidirectional controls (U+061C, U+200E–U+200F, U+202A–U+202E,
//! U+2066–U+2069); zero-width and other default-ignorable format characters (U+00AD, U+034F,
//! U+115F–U+1160, U+17B4–U+17B5, U+200B–U+200D, U+2060–U+2065, U+206A–U+206F, U+3164, U+FEFF,
//! U+FFA0, U+FFF0–U+FFFB, U+1BCA0–U+1BCA3, U+1D173–U+1D17A, tags U+E0000–U+E007F); and the
//! noncharacters (U+FDD0–U+FDEF and the last two code points of every plane, e.g. U+FFFE). A ZERO
//! WIDTH JOINER between two pictographs is kept, since it joins an emoji sequence (👨‍👩‍👧)
//! rather than hiding anything. Variation selectors are kept: they pick a glyph's form (an emoji
//! or a variant of a name's character) and change neither order nor meaning.

use std::borrow::Cow;

/// Whether display must show `c` as a marker rather than pass it through (see the module docs).
/// Tab and line feed are not hidden; carriage return is, though [`pieces`] drops the one that
/// precedes a line feed.
pub fn is_hidden(c: char) -> bool {
    let u = u32::from(c);
    matches!(c, '\0'..='\u{8}' | '\u{B}'..='\u{1F}' | '\u{7F}'..='\u{9F}')
        || matches!(
            u,
            0xAD | 0x34F
                | 0x61C
                | 0x115F..=0x1160
                | 0x17B4..=0x17B5
                | 0x200B..=0x200F
                | 0x202A..=0x202E
                | 0x2060..=0x206F
                | 0x3164
                | 0xFDD0..=0xFDEF
                | 0xFEFF
                | 0xFFA0
                | 0xFFF0..=0xFFFB
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0000..=0xE007F
        )
        // The noncharacters at the end of every plane: U+FFFE, U+FFFF, U+1FFFE, …
        || u & 0xFFFE == 0xFFFE
}

/// How a marker names a character: `U+202E`, `U+20000`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// A run of displayed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text to show as it is.
    Text(&'a str),
    /// A character to show as a marker naming its [`code_point`].
    Marked(char),
}

/// Pictographs, roughly: the emoji blocks, where a ZERO WIDTH JOINER builds a sequence.
fn pictograph(c: Option<char>) -> bool {
    c.is_some_and(|c| matches!(u32::from(c), 0x2600..=0x27BF | 0x1F000..=0x1FAFF | 0xFE0F))
}

/// Splits `s` into runs to show as they are and characters to show as markers. Concatenating the
/// text runs and markers in order is the display form; no run holds a [hidden](is_hidden)
/// character.
pub fn pieces(s: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev = None;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let action = match c {
            '\r' if next == Some('\n') => Some(None), // CR LF reads as one line break
            '\u{200D}' if pictograph(prev) && pictograph(next) => None,
            c if is_hidden(c) => Some(Some(c)),
            _ => None,
        };
        if let Some(mark) = action {
            if start < i {
                out.push(Piece::Text(&s[start..i]));
            }
            out.extend(mark.map(Piece::Marked));
            start = i + c.len_utf8();
        }
        prev = Some(c);
    }
    if start < s.len() {
        out.push(Piece::Text(&s[start..]));
    }
    out
}

/// `s` with every [hidden](is_hidden) character replaced by its code point in brackets
/// (`abc\u{202E}def` → `abc[U+202E]def`), and CR LF by LF. Borrowed when nothing changes, which
/// is the usual case.
pub fn visible_text(s: &str) -> Cow<'_, str> {
    // Every value a page shows passes here: the usual text, with nothing hidden, costs one scan
    // and no allocation.
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    match pieces(s).as_slice() {
        [] => Cow::Borrowed(""),
        [Piece::Text(t)] if t.len() == s.len() => Cow::Borrowed(s),
        ps => {
            let mut out = String::with_capacity(s.len() + 16);
            for p in ps {
                match p {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Marked(c) => {
                        out.push('[');
                        out.push_str(&code_point(*c));
                        out.push(']');
                    }
                }
            }
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_become_code_points() {
        for (input, shown) in [
            ("完成情况", "完成情况"),
            ("", ""),
            ("a\u{202E}cba", "a[U+202E]cba"),
            ("市财\u{200B}政局", "市财[U+200B]政局"),
            ("\u{FEFF}标题", "[U+FEFF]标题"),
            ("x\u{FFFE}\u{FFFF}\u{10FFFF}", "x[U+FFFE][U+FFFF][U+10FFFF]"),
            ("a\0b\u{7}c", "a[U+0000]b[U+0007]c"),
            (
                "\u{2066}\u{2069}\u{200E}\u{200F}\u{61C}",
                "[U+2066][U+2069][U+200E][U+200F][U+061C]",
            ),
            ("line\r\nnext\rend\tx\n", "line\nnext[U+000D]end\tx\n"),
            ("tag\u{E0041}", "tag[U+E0041]"),
            ("a\u{85}b", "a[U+0085]b"),
            // Visible characters, however rare, pass: emoji, CJK Extension B, a variation selector.
            ("😀𠀀葛\u{E0100}", "😀𠀀葛\u{E0100}"),
            // A joiner inside an emoji sequence joins; elsewhere it is shown.
            ("👨\u{200D}👩", "👨\u{200D}👩"),
            ("a\u{200D}b", "a[U+200D]b"),
        ] {
            assert_eq!(visible_text(input), shown, "{input:?}");
        }
        assert!(matches!(visible_text("完成"), Cow::Borrowed(_)));
        assert_eq!(
            pieces("a\u{202E}b"),
            [
                Piece::Text("a"),
                Piece::Marked('\u{202E}'),
                Piece::Text("b")
            ]
        );
    }
}
