//! The type layer refuses, at compile time, what would be a type error in SQL, with
//! short messages (see the `.stderr` files next to each case).

#[test]
fn type_errors_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    #[cfg(all(feature = "orm", feature = "sqlite"))]
    t.compile_fail("tests/ui-orm/*.rs");
    t.pass("tests/ui-pass/*.rs");
}
