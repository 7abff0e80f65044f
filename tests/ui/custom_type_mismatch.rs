use sqlkit::prelude::*;
use sqlkit::ColumnType;

#[derive(Clone, Copy)]
enum Status {
    Draft,
}

impl ColumnType for Status {
    type Repr = String;
    fn to_repr(&self) -> String {
        "draft".into()
    }
    fn from_repr(_: String) -> Result<Self, String> {
        Ok(Status::Draft)
    }
}

sqlkit::column_type!(Status);

#[derive(sqlkit::Table)]
struct Article {
    #[sqlkit(primary_key)]
    id: i64,
    status: Status,
}

fn main() {
    let a = Article::table();
    // A text-stored type compared with an integer: refused like any text column.
    let _ = select(a.id).where_(a.status.eq(3));
}
