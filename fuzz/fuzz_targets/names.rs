//! File-name validation (`homedisk::files::validate_name`, `name_problem`) and the upload
//! file-name cleanup (`homedisk::files::upload_name`) on hostile strings (lossy UTF-8).
//!
//! Invariants: no panic; whatever `upload_name` returns is a suffix of its input without `/`
//! or `\`, and cleaning it again changes nothing; any name `validate_name` accepts (raw or
//! cleaned) contains no `/`, `\`, NUL or other control character, is not empty/blank, not `.`
//! or `..`, and is at most `MAX_NAME_BYTES` long.
#![no_main]

use homedisk::files::{MAX_NAME_BYTES, name_problem, upload_name, validate_name};
use libfuzzer_sys::fuzz_target;

fn check_accepted(name: &str) {
    let ok = validate_name("name", name).is_ok();
    assert_eq!(ok, name_problem(name).is_none(), "validate_name and name_problem disagree");
    if ok {
        assert!(!name.contains('/'), "accepted a name with '/': {name:?}");
        assert!(!name.contains('\\'), "accepted a name with '\\': {name:?}");
        assert!(!name.contains('\0'), "accepted a name with NUL: {name:?}");
        assert!(!name.chars().any(char::is_control), "accepted a control character: {name:?}");
        assert!(name != "." && name != "..", "accepted {name:?}");
        assert!(!name.trim().is_empty(), "accepted a blank name: {name:?}");
        assert!(name.len() <= MAX_NAME_BYTES, "accepted a {}-byte name", name.len());
    }
}

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    check_accepted(&raw);

    let cleaned = upload_name(&raw);
    assert!(raw.ends_with(cleaned.as_str()), "upload_name({raw:?}) = {cleaned:?}, not a suffix");
    assert!(!cleaned.contains(['/', '\\']), "upload_name({raw:?}) = {cleaned:?} keeps a separator");
    assert_eq!(upload_name(&cleaned), cleaned, "upload_name is not idempotent on {raw:?}");
    check_accepted(&cleaned);
});
