//! Which Lambda runtimes AWS deprecates, and when. A table in code, so a finding can name its
//! source: the "Deprecated runtimes" and "Upcoming runtime deprecations" tables of the AWS Lambda
//! Developer Guide page "Lambda runtimes"
//! (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>), column "Deprecation
//! date" (after it AWS no longer patches the runtime). Runtimes not listed here are supported or
//! unknown to us, never reported as deprecated. Discovery compares each date with the day it ran
//! (`is_deprecated_on`), so a scheduled date turns into a finding on the first scan after it;
//! update the table when AWS announces new dates.

use chrono::NaiveDate;

/// (runtime identifier, deprecation date `YYYY-MM-DD`).
pub const DEPRECATIONS: &[(&str, &str)] = &[
    ("nodejs", "2016-10-31"),
    ("nodejs4.3", "2020-03-05"),
    ("nodejs4.3-edge", "2019-04-30"),
    ("nodejs6.10", "2019-08-12"),
    ("nodejs8.10", "2020-03-06"),
    ("nodejs10.x", "2021-07-30"),
    ("nodejs12.x", "2023-03-31"),
    ("nodejs14.x", "2023-12-04"),
    ("nodejs16.x", "2024-06-12"),
    ("nodejs18.x", "2025-09-01"),
    ("nodejs20.x", "2026-04-30"),
    ("python2.7", "2021-07-15"),
    ("python3.6", "2022-07-18"),
    ("python3.7", "2023-12-04"),
    ("python3.8", "2024-10-14"),
    ("python3.9", "2025-12-15"),
    ("python3.10", "2026-06-30"),
    ("ruby2.5", "2021-07-30"),
    ("ruby2.7", "2023-12-07"),
    ("ruby3.2", "2026-03-31"),
    ("java8", "2024-01-08"),
    ("go1.x", "2024-01-08"),
    ("provided", "2024-01-08"),
    ("dotnetcore1.0", "2019-07-30"),
    ("dotnetcore2.0", "2019-05-30"),
    ("dotnetcore2.1", "2022-01-05"),
    ("dotnetcore3.1", "2023-04-03"),
    ("dotnet5.0", "2022-05-10"),
    ("dotnet6", "2024-12-20"),
    ("dotnet7", "2024-05-14"),
    ("dotnet8", "2026-11-10"),
];

/// The runtime's deprecation date, when the table lists it.
pub fn deprecation_date(runtime: &str) -> Option<NaiveDate> {
    DEPRECATIONS
        .iter()
        .find(|(name, _)| *name == runtime)
        .and_then(|(_, date)| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok())
}

/// Whether `runtime` was deprecated on `day` (its deprecation date is on or before it).
pub fn is_deprecated_on(runtime: &str, day: NaiveDate) -> bool {
    deprecation_date(runtime).is_some_and(|date| date <= day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_date_of_the_table_parses() {
        for (runtime, _) in DEPRECATIONS {
            assert!(deprecation_date(runtime).is_some(), "{runtime}");
        }
    }

    #[test]
    fn a_runtime_is_deprecated_from_its_date_on_and_unknown_ones_never() {
        let day = |text| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        assert!(!is_deprecated_on("python3.9", day("2025-12-14")));
        assert!(is_deprecated_on("python3.9", day("2025-12-15")));
        assert!(is_deprecated_on("nodejs12.x", day("2024-01-01")));
        assert!(!is_deprecated_on("python3.12", day("2030-01-01")));
        assert!(!is_deprecated_on("made-up", day("2030-01-01")));
    }
}
