pub fn height() -> u64 {
    42
}

pub fn epoch() -> toml_datetime::Date {
    toml_datetime::Date { year: 2009, month: 1, day: 3 }
}
