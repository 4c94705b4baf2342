//! What the fuzz targets share: the options an import on the web runs with, and a Word
//! document made around a `word/document.xml`, so that most of AFL's mutations reach the table
//! reader instead of dying in the zip layer.

use std::io::Write;

/// The options `/work/import` reads with: default limits, no overrides.
pub fn options() -> duban_formats::ImportOptions {
    duban_formats::ImportOptions::default()
}

/// A .docx holding `document` as its `word/document.xml`, with the parts Word needs.
pub fn docx_of(document: &[u8]) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored);
    let parts: [(&str, &[u8]); 3] = [
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
        ),
        ("word/document.xml", document),
    ];
    for (name, body) in parts {
        // Writing to memory cannot fail.
        let _ = z.start_file(name, o);
        let _ = z.write_all(body);
    }
    let _ = z.finish();
    buf
}
