//! Fuzzes the web-page importer: the input is a page as saved from a government site. Any
//! panic is a crash; an error is an answer.

fn main() {
    let opts = duban_fuzz::options();
    afl::fuzz!(|data: &[u8]| {
        let _ = duban_formats::import(data, Some("fuzz.html"), &opts);
    });
}
