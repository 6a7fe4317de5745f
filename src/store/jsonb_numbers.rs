//! What a JSON value looks like after a round trip through a `jsonb` column, for the one place
//! where it matters: a snapshot built from the inventory a discovery just reconciled must equal
//! the snapshot that loading the stored graph would have built, number for number.
//!
//! `jsonb` keeps numbers as `numeric` and prints them without an exponent, so the only values
//! that come back different are the floats `serde_json` writes in exponent form that are whole
//! numbers (magnitude 1e16 and up): `1e17` comes back as `100000000000000000`, which `serde_json`
//! reads as an integer when it fits one. Everything else (strings, booleans, nulls, integers,
//! floats such as `0.5`, `3.0` or `1e-7`) reads back as it was written. Pure: no SQL here.

use serde_json::{Number, Value};

/// Rewrites every number in `value` as reading it back from `jsonb` would give it.
pub fn as_read_back_from_jsonb(value: &mut Value) {
    match value {
        Value::Number(number) => {
            if let Some(read_back) = number_read_back(number) {
                *number = read_back;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(as_read_back_from_jsonb),
        Value::Object(map) => map.values_mut().for_each(as_read_back_from_jsonb),
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

/// The integer a float written with a non-negative exponent becomes, when it fits one.
fn number_read_back(number: &Number) -> Option<Number> {
    if !number.is_f64() {
        return None;
    }
    // The text `serde_json` stores is the shortest that reads back as the same float.
    let written = number.to_string();
    let (mantissa, exponent) = written.split_once('e')?;
    let exponent: usize = exponent.parse().ok()?; // a negative exponent is not a whole number
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if fraction.len() > exponent {
        return None;
    }
    let digits = format!("{whole}{fraction}{}", "0".repeat(exponent - fraction.len()));
    if negative {
        format!("-{digits}").parse::<i64>().ok().map(Number::from)
    } else {
        digits.parse::<u64>().ok().map(Number::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_back(mut value: Value) -> Value {
        as_read_back_from_jsonb(&mut value);
        value
    }

    #[test]
    fn whole_floats_written_with_an_exponent_come_back_as_the_integers_jsonb_prints() {
        assert_eq!(read_back(json!(1e17)), json!(100_000_000_000_000_000_u64));
        // The shortest text's digits (1.2345678901234568e18), not the exact binary value (…768).
        assert_eq!(
            read_back(json!(1.234_567_890_123_456_7e18)),
            json!(1_234_567_890_123_456_800_u64)
        );
        assert_eq!(
            read_back(json!(-2.5e17)),
            json!(-250_000_000_000_000_000_i64)
        );
        assert!(read_back(json!(1e17)).is_u64());
    }

    #[test]
    fn numbers_jsonb_keeps_as_they_were_are_left_alone() {
        for kept in [
            json!(0.5),
            json!(3.0),
            json!(1e-7),
            json!(42),
            json!(-7),
            json!(1e300),
            json!(2e19),
            json!(-1e19),
        ] {
            assert_eq!(read_back(kept.clone()), kept, "{kept}");
            assert_eq!(
                read_back(kept.clone()).is_f64(),
                kept.is_f64(),
                "{kept} changed kind"
            );
        }
    }

    #[test]
    fn numbers_inside_arrays_and_objects_are_rewritten_too() {
        assert_eq!(
            read_back(json!({"a": [1e16, "1e16", {"b": 1e18}], "c": 0.25})),
            json!({"a": [10_000_000_000_000_000_u64, "1e16", {"b": 1_000_000_000_000_000_000_u64}], "c": 0.25})
        );
    }
}
