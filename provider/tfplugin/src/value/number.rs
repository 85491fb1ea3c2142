//! Arbitrary-precision numbers, as Terraform's cty keeps them.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::{BigInt, Sign};
use bigdecimal::num_traits::{FromPrimitive, ToPrimitive, Zero};

use super::ValueError;
use crate::path::AttributePath;

/// Serde name that lets our own (de)serializer move a `Number` without going through
/// f64; any other serializer just sees a newtype around a number or a string.
pub(crate) const NUMBER_TOKEN: &str = "$tfplugin::private::Number";

/// Beyond this many padding zeros `Display` switches to `1e+N` form, so a hostile or
/// silly exponent cannot make us print megabytes.
const PLAIN_ZEROS_LIMIT: i128 = 100;

/// An exact decimal number.
///
/// Always kept normalised (no trailing zeros in the digits), so equality, hashing and
/// `Display` depend only on the numeric value: `1.50 == 1.5`, both print `1.5`.
#[derive(Clone, Debug)]
pub struct Number(BigDecimal);

impl Number {
    fn from_big(b: BigDecimal) -> Self {
        Number(b.normalized())
    }

    /// The underlying decimal.
    pub fn as_big_decimal(&self) -> &BigDecimal {
        &self.0
    }

    pub fn into_big_decimal(self) -> BigDecimal {
        self.0
    }

    pub fn is_integer(&self) -> bool {
        self.0.as_bigint_and_exponent().1 <= 0
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.0.sign() == Sign::Minus
    }

    /// Integer digits before the decimal point of an integer, or None if not an integer
    /// or too large to bother (keeps `1e1000000` from expanding into a million digits).
    fn to_bigint_bounded(&self, max_digits: u64) -> Option<BigInt> {
        let (digits, scale) = self.0.as_bigint_and_exponent();
        if scale > 0 {
            return None;
        }
        let len = digits.magnitude().to_string().len() as u64;
        if len + scale.unsigned_abs() > max_digits {
            return None;
        }
        Some(digits * BigInt::from(10u8).pow(scale.unsigned_abs() as u32))
    }

    /// The exact value as i64, if it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        self.to_bigint_bounded(40)?.to_i64()
    }

    /// The exact value as u64, if it is a non-negative integer in range.
    pub fn to_u64(&self) -> Option<u64> {
        self.to_bigint_bounded(40)?.to_u64()
    }

    /// The exact value as i128, if it is an integer in range.
    pub fn to_i128(&self) -> Option<i128> {
        self.to_bigint_bounded(60)?.to_i128()
    }

    /// The exact value as u128, if it is a non-negative integer in range.
    pub fn to_u128(&self) -> Option<u128> {
        self.to_bigint_bounded(60)?.to_u128()
    }

    /// The nearest f64 (infinite when out of range, like any decimal-to-float parse).
    pub fn to_f64(&self) -> f64 {
        self.scientific().parse::<f64>().unwrap_or(f64::NAN)
    }

    /// The f64 that is this number by cty's rules, if there is one.
    ///
    /// cty compares integers exactly and other numbers by their shortest decimal text,
    /// so an integer qualifies when the float holds exactly that integer (2^70 does),
    /// and a fraction when it is the float's shortest form: 0.1 qualifies, while 2^-30
    /// written out in full (0.000000000931322574615478515625) does not, because that
    /// float's shortest form is 9.313225746154785e-10.
    pub fn to_f64_exact(&self) -> Option<f64> {
        let f = self.to_f64();
        (f.is_finite() && Number::from_finite_f64(f) == *self).then_some(f)
    }

    /// Like [`Number::to_f64_exact`] for f32 (fractions compare by the f32's shortest form).
    pub fn to_f32_exact(&self) -> Option<f32> {
        let f = self.scientific().parse::<f32>().ok()?;
        (f.is_finite() && Number::from_finite_f32(f) == *self).then_some(f)
    }

    /// The number a finite float stands for, by cty's rules: an integral float is that
    /// exact integer; any other float is its shortest decimal form (what Rust and Go
    /// print, and what a person wrote).
    fn from_finite_f64(f: f64) -> Number {
        if f.fract() == 0.0
            && let Some(i) = BigInt::from_f64(f)
        {
            return Number::from_big(BigDecimal::from(i));
        }
        // `{:e}` of a finite float always parses back.
        format!("{f:e}").parse().unwrap_or_else(|_| Number::from(0i64))
    }

    fn from_finite_f32(f: f32) -> Number {
        if f.fract() == 0.0 {
            return Number::from_finite_f64(f64::from(f));
        }
        format!("{f:e}").parse().unwrap_or_else(|_| Number::from(0i64))
    }

    /// `d.ddde<exp>`: what the float parsers read without expanding big exponents.
    fn scientific(&self) -> String {
        let (digits, scale) = self.0.as_bigint_and_exponent();
        format!("{digits}e{}", -(scale as i128))
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::from_big(BigDecimal::from(v))
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Self {
        Number::from_big(BigDecimal::from(v))
    }
}

impl From<i32> for Number {
    fn from(v: i32) -> Self {
        Number::from(i64::from(v))
    }
}

impl From<u32> for Number {
    fn from(v: u32) -> Self {
        Number::from(u64::from(v))
    }
}

impl From<i128> for Number {
    fn from(v: i128) -> Self {
        Number::from_big(BigDecimal::from(BigInt::from(v)))
    }
}

impl From<u128> for Number {
    fn from(v: u128) -> Self {
        Number::from_big(BigDecimal::from(BigInt::from(v)))
    }
}

impl From<BigDecimal> for Number {
    fn from(v: BigDecimal) -> Self {
        Number::from_big(v)
    }
}

/// An integral float becomes that exact integer; any other takes its shortest decimal
/// form (0.1 becomes exactly 0.1), as cty's equality sees it. NaN and infinities fail.
impl TryFrom<f64> for Number {
    type Error = ValueError;

    fn try_from(f: f64) -> Result<Self, Self::Error> {
        if f.is_finite() {
            Ok(Number::from_finite_f64(f))
        } else {
            Err(ValueError::number_at(&AttributePath::root(), format!("{f} is not a finite number")))
        }
    }
}

impl TryFrom<f32> for Number {
    type Error = ValueError;

    fn try_from(f: f32) -> Result<Self, Self::Error> {
        if f.is_finite() {
            Ok(Number::from_finite_f32(f))
        } else {
            Err(ValueError::number_at(&AttributePath::root(), format!("{f} is not a finite number")))
        }
    }
}

/// cty keeps numbers as 512-bit binary floats (about 155 significant decimal digits, every
/// float64 fits in 767), so Terraform never writes more. Parsing and printing cost grows with
/// the square of the digits: a megabyte of them would take minutes, so longer ones are refused.
pub(crate) const MAX_SIGNIFICANT_DIGITS: usize = 1000;

/// The largest power of ten a number may be scaled by, either way. cty's binary exponents reach
/// about 10^±646,456,993; keeping the scale this far inside i64 means normalising, comparing
/// and printing can never overflow it.
pub(crate) const MAX_DECIMAL_EXPONENT: u64 = 1_000_000_000;

/// At most this many characters of a refused text are quoted back in the error.
const QUOTED_CHARS: usize = 40;

/// `s` in quotes for a message, shortened: the text may be megabytes long.
fn quoted(s: &str) -> String {
    match s.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{:?}…", &s[..cut]),
        None => format!("{s:?}"),
    }
}

/// Decimal text as Go's big.ParseFloat takes it: optional sign, digits with an optional
/// fraction, optional exponent. No NaN, no infinities, no hex; at most
/// [`MAX_SIGNIFICANT_DIGITS`] significant digits and a scale within [`MAX_DECIMAL_EXPONENT`].
impl FromStr for Number {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let refuse = |why: &str| ValueError::number_at(&AttributePath::root(), format!("{} {why}", quoted(s)));
        let bad = || refuse("is not a decimal number");
        let b = s.as_bytes();
        let mut i = 0;
        let negative = match b.first() {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        // Only ASCII digits, '.', signs and 'e' are stepped over, so every slice below is on
        // a char boundary.
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &s[int_start..i];
        let mut frac_digits = "";
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let frac_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &s[frac_start..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(bad());
        }
        let mut exponent: i64 = 0;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let exp_start = i;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let digits_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == digits_start {
                return Err(bad());
            }
            exponent = s[exp_start..i].parse().map_err(|_| refuse("has an exponent out of range"))?;
        }
        if i != b.len() {
            return Err(bad());
        }
        // Zeros on either end only move the scale; dropping them before the big-integer parse
        // keeps `1e6` written out in full as cheap as `1e6` (and the result already normalised).
        let all = [int_digits, frac_digits].concat();
        let significant = all.trim_start_matches('0');
        let trailing_zeros = significant.len() - significant.trim_end_matches('0').len();
        let significant = &significant[..significant.len() - trailing_zeros];
        if significant.is_empty() {
            return Ok(Number::from(0i64));
        }
        if significant.len() > MAX_SIGNIFICANT_DIGITS {
            return Err(refuse(&format!("has more than {MAX_SIGNIFICANT_DIGITS} significant digits")));
        }
        // value = significant × 10^-scale; i128 cannot overflow for any input length.
        let scale = frac_digits.len() as i128 - i128::from(exponent) - trailing_zeros as i128;
        if scale.unsigned_abs() > u128::from(MAX_DECIMAL_EXPONENT) {
            return Err(refuse(&format!("is out of range (beyond 10^±{MAX_DECIMAL_EXPONENT})")));
        }
        let mut int: BigInt = significant.parse().map_err(|_| bad())?;
        if negative {
            int = -int;
        }
        // In range by the check above.
        let scale = i64::try_from(scale).map_err(|_| bad())?;
        Ok(Number(BigDecimal::new(int, scale)))
    }
}

/// Plain decimal notation (`1.5`, `1180591620717411303424`, `0.000001`); only values
/// needing more than 100 padding zeros use exponent form (`1e+1000`), which Terraform
/// and JSON both read.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (int, scale) = self.0.as_bigint_and_exponent();
        // i128: a BigDecimal made elsewhere may have any i64 scale, and `-i64::MIN` overflows.
        let scale = i128::from(scale);
        let digits = int.magnitude().to_string();
        if int.sign() == Sign::Minus {
            f.write_str("-")?;
        }
        let len = digits.len() as i128;
        if scale <= 0 {
            if -scale <= PLAIN_ZEROS_LIMIT {
                f.write_str(&digits)?;
                return f.write_str(&"0".repeat((-scale) as usize));
            }
        } else if scale < len {
            let (whole, frac) = digits.split_at((len - scale) as usize);
            return write!(f, "{whole}.{frac}");
        } else if scale - len <= PLAIN_ZEROS_LIMIT {
            return write!(f, "0.{}{digits}", "0".repeat((scale - len) as usize));
        }
        let (first, rest) = digits.split_at(1);
        f.write_str(first)?;
        if !rest.is_empty() {
            write!(f, ".{rest}")?;
        }
        let exp = len - 1 - scale;
        write!(f, "e{}{exp}", if exp >= 0 { "+" } else { "" })
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        // Both sides are normalised, so equal values have identical digits and scale.
        self.0.as_bigint_and_exponent() == other.0.as_bigint_and_exponent()
    }
}

impl Eq for Number {}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // BigDecimal's own Hash pads zeros for negative scales; ours stays cheap.
        let (int, scale) = self.0.as_bigint_and_exponent();
        int.hash(state);
        scale.hash(state);
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl serde::Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(NUMBER_TOKEN, &NumberRepr(self))
    }
}

/// How a number looks to serializers other than ours: the most natural exact form.
pub(crate) struct NumberRepr<'a>(pub(crate) &'a Number);

impl serde::Serialize for NumberRepr<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let n = self.0;
        if let Some(i) = n.to_i64() {
            serializer.serialize_i64(i)
        } else if let Some(u) = n.to_u64() {
            serializer.serialize_u64(u)
        } else if let Some(f) = n.to_f64_exact() {
            serializer.serialize_f64(f)
        } else {
            serializer.collect_str(n)
        }
    }
}

impl<'de> serde::Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(NUMBER_TOKEN, NumberVisitor)
    }
}

struct NumberVisitor;

impl<'de> serde::de::Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Number, E> {
        Ok(Number::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Number, E> {
        Number::try_from(v).map_err(|e| E::custom(e.message()))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Number, E> {
        v.parse().map_err(|e: ValueError| E::custom(e.message()))
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<Number, D::Error> {
        d.deserialize_any(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        s.parse().unwrap()
    }

    #[test]
    fn display_is_canonical_and_plain() {
        assert_eq!(n("1.50").to_string(), "1.5");
        assert_eq!(n("-0.0").to_string(), "0");
        assert_eq!(n("1000").to_string(), "1000");
        assert_eq!(n("1e3").to_string(), "1000");
        assert_eq!(n("1e-30").to_string(), "0.000000000000000000000000000001");
        assert_eq!(n("1180591620717411303424").to_string(), "1180591620717411303424");
        assert_eq!(n("12345678901234567890.123456789").to_string(), "12345678901234567890.123456789");
        assert_eq!(n("-12.5e-1").to_string(), "-1.25");
        assert_eq!(n("+.5").to_string(), "0.5");
        assert_eq!(n("5.").to_string(), "5");
        assert_eq!(n("1.5e1000").to_string(), "1.5e+1000");
        assert_eq!(n("-1e-1000").to_string(), "-1e-1000");
        // Exponent form reads back to the same value.
        assert_eq!(n(&n("1.5e1000").to_string()), n("1.5e1000"));
    }

    #[test]
    fn rejects_non_numbers() {
        for bad in ["", "-", ".", "e5", "1e", "1e+", "NaN", "inf", "0x10", "1 ", " 1", "1_000", "--1"] {
            assert!(bad.parse::<Number>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hostile_texts_are_refused_cheaply() {
        // Found by the property tests: scales at the edge of i64 overflowed while normalising
        // (`100e9223372036854775807`) or printing (`10e9223372036854775807`), and a megabyte
        // of digits took minutes to parse and print.
        for bad in [
            "10e9223372036854775807",
            "100e9223372036854775807",
            "1e-9223372036854775807",
            "1e1000000001",
            "1e-1000000001",
            "1e99999999999999999999",
        ] {
            let e = bad.parse::<Number>().unwrap_err();
            assert!(e.message().contains("range"), "{bad}: {e}");
        }
        let long = "7".repeat(MAX_SIGNIFICANT_DIGITS + 1);
        let started = std::time::Instant::now();
        let e = long.parse::<Number>().unwrap_err();
        assert!(e.message().contains("significant digits"), "{e}");
        // The refused text is quoted short, not echoed whole.
        assert!(e.message().len() < 120, "{}", e.message());
        assert!("7".repeat(10_000_000).parse::<Number>().is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Zeros on either end cost nothing and count for nothing.
        let padded = format!("0.{}1{}", "0".repeat(1_000_000), "0".repeat(1_000_000));
        assert_eq!(padded.parse::<Number>().unwrap(), n("1e-1000001"));
        assert_eq!(format!("1{}", "0".repeat(1_000_000)).parse::<Number>().unwrap(), n("1e1000000"));
        assert_eq!(n("0e99999999999"), n("0"));
        assert_eq!(n(&"7".repeat(MAX_SIGNIFICANT_DIGITS)).to_string(), "7".repeat(MAX_SIGNIFICANT_DIGITS));
        assert_eq!(n("1e1000000000").to_string(), "1e+1000000000");
        assert_eq!(n("-1e-1000000000").to_string(), "-1e-1000000000");
        assert!(n("1e1000000000") > n("1e-1000000000"));
        // Every finite float is in range: the widest integral one has 309 digits, the
        // smallest subnormal's shortest form is 5e-324.
        for f in [f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324] {
            let x = Number::try_from(f).unwrap();
            assert_eq!(n(&x.to_string()), x);
        }
    }

    #[test]
    fn any_scale_prints() {
        // A BigDecimal made outside the parser may carry any scale.
        for scale in [i64::MIN, i64::MIN + 1, -101, 101, i64::MAX] {
            let x = Number(BigDecimal::new(BigInt::from(-12), scale));
            let text = x.to_string();
            assert!(text.len() < 128, "{scale}: {text}");
        }
    }

    #[test]
    fn equality_and_hash_by_value() {
        use std::collections::HashSet;
        assert_eq!(n("1.50"), n("1.5"));
        assert_eq!(n("100"), Number::from(100i64));
        assert!(n("-1") < n("0.5"));
        assert!(n("1e100") > n("99999999999"));
        let set: HashSet<Number> = [n("1.50"), n("1.5"), n("15e-1")].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn integer_conversions() {
        assert_eq!(n("42").to_i64(), Some(42));
        assert_eq!(n("4.2e1").to_i64(), Some(42));
        assert_eq!(n("42.5").to_i64(), None);
        assert_eq!(n("-1").to_u64(), None);
        assert_eq!(Number::from(u64::MAX).to_u64(), Some(u64::MAX));
        assert_eq!(Number::from(u64::MAX).to_i64(), None);
        assert_eq!(Number::from(i64::MIN).to_i64(), Some(i64::MIN));
        assert_eq!(n("1e1000000").to_i64(), None);
        assert_eq!(n("1e20").to_u128(), Some(100_000_000_000_000_000_000));
    }

    #[test]
    fn float_conversions() {
        assert_eq!(Number::try_from(0.1).unwrap(), n("0.1"));
        assert_eq!(Number::try_from(-2.5e-300).unwrap(), n("-2.5e-300"));
        assert!(Number::try_from(f64::NAN).is_err());
        assert!(Number::try_from(f64::INFINITY).is_err());
        assert_eq!(n("0.1").to_f64_exact(), Some(0.1));
        assert_eq!(n("0.5").to_f64_exact(), Some(0.5));
        assert_eq!(n("1e-30").to_f64_exact(), Some(1e-30));
        assert_eq!(n("12345678901234567890.123456789").to_f64_exact(), None);
        assert_eq!(n("0.000000000931322574615478515625").to_f64_exact(), None);
        assert_eq!(n("1e400").to_f64_exact(), None);
        // Integers compare exactly: 2^70 is a float, 2^70 + 1 is not.
        assert_eq!(n("1180591620717411303424").to_f64_exact(), Some(2f64.powi(70)));
        assert_eq!(n("1180591620717411303425").to_f64_exact(), None);
        assert_eq!(Number::try_from(2f64.powi(70)).unwrap(), n("1180591620717411303424"));
        assert_eq!(Number::try_from(1e22).unwrap(), n("1e22"));
        assert_eq!(n("0.1").to_f32_exact(), Some(0.1f32));
        assert_eq!(n("0.123456789").to_f32_exact(), None);
        assert!((n("12345678901234567890.123456789").to_f64() - 1.2345678901234567e19).abs() < 1.0);
    }

    #[test]
    fn serde_with_foreign_formats() {
        // (serde_json without its float_roundtrip feature may misread floats such as
        // 1e-30 by one ulp, so only exactly-parsed floats are read back here.)
        assert_eq!(serde_json::to_string(&n("1e-30")).unwrap(), "1e-30");
        let nums = vec![n("1"), n("-5"), n("0.25"), n("18446744073709551615"), n("12345678901234567890.123456789")];
        let text = serde_json::to_string(&nums).unwrap();
        assert_eq!(text, r#"[1,-5,0.25,18446744073709551615,"12345678901234567890.123456789"]"#);
        let back: Vec<Number> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, nums);
    }
}
