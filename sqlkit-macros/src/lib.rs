use proc_macro::TokenStream; #[proc_macro_derive(Table, attributes(sqlkit))] pub fn d(_i: TokenStream)->TokenStream{TokenStream::new()}
