//! Input validation. Each check names the input path it refuses, so the client can point at
//! the field (`BAD_USER_INPUT` with `extensions.field`).

use chrono::{Datelike, NaiveDate};
use entity::enums::Gender;

use super::Invalid;

/// What a national ID number (GB 11643) says about its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdFacts {
    pub birth_date: NaiveDate,
    pub gender: Gender,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// Checks an 18-character national ID number: digits, a real birth date not in the future, and
/// the check digit. Returns the birth date and gender it encodes.
pub fn national_id(field: &str, value: &str, today: NaiveDate) -> Result<IdFacts, Invalid> {
    let bad = |en: &str, zh: &str| Invalid::new(field, en, zh);
    let bytes = value.as_bytes();
    if bytes.len() != 18 {
        return Err(bad("A national ID number has 18 characters.", "身份证号应为18位。"));
    }
    if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
        return Err(bad("A national ID number is 17 digits and a digit or X.", "身份证号应为17位数字加1位数字或X。"));
    }
    let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    if CHECK[(sum % 11) as usize] != bytes[17] {
        return Err(bad("The national ID number's check digit is wrong.", "身份证号校验位错误。"));
    }
    let birth_date = NaiveDate::parse_from_str(&value[6..14], "%Y%m%d")
        .map_err(|_| bad("The national ID number holds no valid birth date.", "身份证号中的出生日期无效。"))?;
    if birth_date > today || birth_date.year() < 1900 {
        return Err(bad("The national ID number holds no valid birth date.", "身份证号中的出生日期无效。"));
    }
    let gender = if (bytes[16] - b'0') % 2 == 1 { Gender::Male } else { Gender::Female };
    Ok(IdFacts { birth_date, gender })
}

/// A phone number: 5 to 20 characters of digits, spaces, `+` and `-`, with at least 5 digits.
pub fn phone(field: &str, value: &str) -> Result<(), Invalid> {
    let ok = (5..=20).contains(&value.chars().count())
        && value.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '))
        && value.chars().filter(char::is_ascii_digit).count() >= 5;
    if ok { Ok(()) } else { Err(Invalid::new(field, "This is not a phone number.", "电话号码格式不正确。")) }
}

/// A required text of at most `max` characters, not blank. Returns it trimmed.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new(field, "This must not be empty.", "此项不能为空。"));
    }
    optional_text(field, trimmed, max)
}

/// An optional text of at most `max` characters. Returns it trimmed.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("This may be at most {max} characters long."),
            format!("此项最多{max}个字符。"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A calendar date that is not after `today` (talks, incidents, inspections).
pub fn past_date(field: &str, value: NaiveDate, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    if value > today {
        return Err(Invalid::new(field, "This date is in the future.", "日期不能晚于今天。"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_id_number_yields_birth_date_and_gender() {
        // 11010519491231002X: the standard's own example, a woman born 1949-12-31.
        let facts = national_id("idNumber", "11010519491231002X", day(2026, 12, 3)).unwrap();
        assert_eq!(facts.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(facts.gender, Gender::Female);
    }

    #[test]
    fn bad_id_numbers_name_the_field() {
        for bad in ["11010519491231002", "110105194912310021", "1101051949123100X2", "11010519491331002X", ""] {
            match national_id("input.idNumber", bad, day(2026, 12, 3)) {
                Err(Invalid { field, .. }) => assert_eq!(field, "input.idNumber"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_future_is_judged_from_the_day_given() {
        // Born 2027-01-01: not yet on 2026-12-31, valid from that day on.
        let id = "110105202701010016";
        assert!(national_id("n", id, day(2026, 12, 31)).is_err());
        assert_eq!(national_id("n", id, day(2027, 1, 1)).map(|f| f.birth_date), Ok(day(2027, 1, 1)));
        assert!(past_date("d", day(2027, 1, 2), day(2027, 1, 1)).is_err());
        assert_eq!(past_date("d", day(2027, 1, 1), day(2027, 1, 1)), Ok(day(2027, 1, 1)));
    }

    #[test]
    fn phones_and_texts_are_checked() {
        assert!(phone("p", "138-0000-1234").is_ok());
        assert!(phone("p", "call me").is_err());
        assert!(text("t", "  ", 10).is_err());
        assert_eq!(text("t", " 张三 ", 10).unwrap(), "张三");
        assert!(optional_text("t", &"长".repeat(11), 10).is_err());
    }
}
