//! Fuzzes the Word importer. The first byte chooses: even, the rest is a whole file as
//! uploaded (the zip layer, bombs and all); odd, the rest is a `word/document.xml` wrapped in a
//! well-formed .docx (the XML and table reader). Any panic is a crash; an error is an answer.

fn main() {
    let opts = duban_fuzz::options();
    afl::fuzz!(|data: &[u8]| {
        let Some((mode, rest)) = data.split_first() else {
            return;
        };
        let file = if mode % 2 == 0 {
            rest.to_vec()
        } else {
            duban_fuzz::docx_of(rest)
        };
        let _ = duban_formats::import(&file, Some("fuzz.docx"), &opts);
    });
}
