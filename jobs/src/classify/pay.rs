//! Pay: numbers or text ("$150,000 - $200,000 a year", "$75/hr", "USD 180K–220K") into
//! whole US dollars a year, at the exchange rates an admin has set.

use std::collections::HashMap;

use crate::input_values::{self, Kind};

/// Least plausible yearly pay.
pub const MIN_YEARLY: f64 = 10_000.0;
/// Most plausible yearly pay.
pub const MAX_YEARLY: f64 = 2_000_000.0;

/// The period pay is quoted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
#[serde(rename_all = "UPPERCASE")]
pub enum PayPeriod {
    /// A year.
    #[default]
    Year,
    /// A month (×12).
    Month,
    /// A week (×52).
    Week,
    /// A working day (×260).
    Day,
    /// A working hour (×2,080).
    Hour,
}

impl Kind for PayPeriod {
    const WHAT: &'static str = "YEAR, MONTH, WEEK, DAY or HOUR";

    fn from_text(text: &str) -> Option<Self> {
        match text {
            "YEAR" => Some(Self::Year),
            "MONTH" => Some(Self::Month),
            "WEEK" => Some(Self::Week),
            "DAY" => Some(Self::Day),
            "HOUR" => Some(Self::Hour),
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for PayPeriod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        input_values::read(deserializer)
    }
}

impl PayPeriod {
    /// How many of this period make a working year.
    pub fn per_year(self) -> f64 {
        match self {
            Self::Year => 1.0,
            Self::Month => 12.0,
            Self::Week => 52.0,
            Self::Day => 260.0,
            Self::Hour => 2_080.0,
        }
    }
}

/// Pay as quoted: bounds in `currency` per `period`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotedPay {
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// ISO 4217 code, upper case.
    pub currency: String,
    /// The period.
    pub period: PayPeriod,
}

/// Pay in whole US dollars a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearlyUsd {
    /// Lower bound.
    pub min: Option<i64>,
    /// Upper bound.
    pub max: Option<i64>,
}

/// US dollars per unit of each currency an admin has set (USD is always 1).
pub type Rates = HashMap<String, f64>;

/// Converts quoted pay, refusing unknown currencies and implausible amounts.
pub fn to_yearly_usd(pay: &QuotedPay, rates: &Rates) -> Result<YearlyUsd, String> {
    let currency = pay.currency.trim().to_ascii_uppercase();
    let rate = if currency == "USD" {
        1.0
    } else {
        *rates.get(&currency).ok_or_else(|| {
            format!("pay is in {currency}, which has no exchange rate: an admin sets one with upsertExchangeRate")
        })?
    };
    let yearly = |v: Option<f64>, bound: &str| -> Result<Option<i64>, String> {
        let Some(v) = v else { return Ok(None) };
        if !v.is_finite() || v <= 0.0 {
            return Err(format!("pay {bound} must be a positive number, got {v}"));
        }
        let usd = (v * pay.period.per_year() * rate).round();
        if !(MIN_YEARLY..=MAX_YEARLY).contains(&usd) {
            return Err(format!(
                "pay {bound} of {} a year is implausible: expected $10,000 to $2,000,000 a year",
                dollars(usd as i64)
            ));
        }
        Ok(Some(usd as i64))
    };
    let min = yearly(pay.min, "minimum")?;
    let max = yearly(pay.max, "maximum")?;
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        return Err(format!("pay minimum ({} a year) is above its maximum ({} a year)", dollars(lo), dollars(hi)));
    }
    Ok(YearlyUsd { min, max })
}

fn dollars(v: i64) -> String {
    let digits = v.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}${out}", if v < 0 { "-" } else { "" })
}

/// Currency symbols and prefixes, longest first so that "CA$" is not read as "$".
const SYMBOLS: &[(&str, &str)] = &[
    ("us$", "USD"),
    ("ca$", "CAD"),
    ("c$", "CAD"),
    ("au$", "AUD"),
    ("a$", "AUD"),
    ("nz$", "NZD"),
    ("s$", "SGD"),
    ("hk$", "HKD"),
    ("r$", "BRL"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("₩", "KRW"),
    ("₪", "ILS"),
    ("$", "USD"),
];
/// ISO codes recognised in text.
const CODES: &[&str] = &[
    "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "JPY", "CNY", "INR",
    "SGD", "HKD", "BRL", "MXN", "ZAR", "ILS", "KRW", "TWD", "AED", "RON", "TRY", "COP", "ARS", "CLP", "PHP",
];

fn currency_of(text: &str) -> String {
    let upper = text.to_uppercase();
    for word in upper.split(|c: char| !c.is_ascii_alphabetic()) {
        if word.len() == 3 && CODES.contains(&word) {
            return word.to_owned();
        }
    }
    let lower = text.to_lowercase();
    // The earliest symbol; at one position the longest ("ca$" before "$").
    SYMBOLS
        .iter()
        .filter_map(|(sym, code)| lower.find(sym).map(|at| (at, std::cmp::Reverse(sym.len()), *code)))
        .min()
        .map_or_else(|| "USD".to_owned(), |(_, _, code)| code.to_owned())
}

fn period_of(lower: &str) -> Option<PayPeriod> {
    let has = |ws: &[&str]| ws.iter().any(|w| lower.contains(w));
    if has(&["/hr", "/hour", "per hour", "an hour", "hourly", "/ hour", "/h ", " p/h", "per hr"])
        || lower.ends_with("/h")
    {
        Some(PayPeriod::Hour)
    } else if has(&["/day", "per day", "a day", "daily", "per diem", "/ day"]) {
        Some(PayPeriod::Day)
    } else if has(&["/wk", "/week", "per week", "a week", "weekly", "/ week"]) {
        Some(PayPeriod::Week)
    } else if has(&["/mo", "per month", "a month", "monthly", "/ month", "p.m."]) {
        Some(PayPeriod::Month)
    } else if has(&["/yr", "/year", "per year", "a year", "annual", "yearly", "per annum", "p.a.", "/ year", "salary"])
    {
        Some(PayPeriod::Year)
    } else {
        None
    }
}

/// An amount found in text, where it stands, and the scale its K or M gave it.
struct Amount {
    value: f64,
    start: usize,
    end: usize,
    scale: f64,
}

fn amounts(text: &str) -> Vec<Amount> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        let mut decimal = false;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_digit() {
                digits.push(b as char);
                i += 1;
            } else if matches!(b, b',' | b'.' | b' ') && i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() {
                // A separator followed by exactly three digits groups thousands; a '.'
                // followed by one or two digits is a decimal point.
                let run = bytes[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if run == 3 && !decimal {
                    i += 1;
                } else if b == b'.' && !decimal && run <= 2 {
                    decimal = true;
                    digits.push('.');
                    i += 1;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        let Ok(mut value) = digits.parse::<f64>() else { continue };
        let after_suffix_is_word = bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic());
        let scale = match bytes.get(i).map(u8::to_ascii_lowercase) {
            Some(b'k') if !after_suffix_is_word => 1_000.0,
            Some(b'm') if !after_suffix_is_word => 1_000_000.0,
            _ => 1.0,
        };
        let end = if scale > 1.0 { i + 1 } else { i };
        value *= scale;
        i = end;
        out.push(Amount { value, start, end, scale });
    }
    out
}

/// Reads pay from text; `None` when the text names no amount.
pub fn parse_pay_text(text: &str) -> Option<QuotedPay> {
    // "401(k)" and "401k" are retirement plans, not pay.
    let cleaned = text.replace("401(k)", " ").replace("401k", " ").replace("401K", " ");
    let lower = cleaned.to_lowercase();
    let mut found = amounts(&cleaned);
    if found.is_empty() {
        return None;
    }
    let range = found.windows(2).position(|w| {
        let mut between = lower[w[0].end..w[1].start].to_owned();
        for code in CODES {
            between = between.replace(&code.to_lowercase(), "");
        }
        for (symbol, _) in SYMBOLS {
            between = between.replace(symbol, "");
        }
        matches!(between.trim(), "-" | "–" | "—" | "−" | "~" | "to" | "and")
    });
    let (min, max) = match range {
        Some(at) => {
            let (mut lo, hi) = (found.remove(at), found.remove(at));
            // "180-220K": the scale written once applies to both.
            if lo.scale == 1.0 && hi.scale > 1.0 && lo.value < 1_000.0 {
                lo.value *= hi.scale;
            }
            (Some(lo.value), Some(hi.value))
        }
        None => {
            let one = found.remove(0).value;
            if ["up to", "maximum", "max ", "at most"].iter().any(|w| lower.contains(w)) {
                (None, Some(one))
            } else if ["from", "starting", "at least", "minimum", "+"].iter().any(|w| lower.contains(w)) {
                (Some(one), None)
            } else {
                (Some(one), Some(one))
            }
        }
    };
    let period = period_of(&lower).unwrap_or_else(|| {
        // No period stated: amounts under 300 are hourly rates; anything else a salary.
        if max.or(min).is_some_and(|v| v < 300.0) { PayPeriod::Hour } else { PayPeriod::Year }
    });
    Some(QuotedPay { min, max, currency: currency_of(&cleaned), period })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str) -> Result<(Option<i64>, Option<i64>), String> {
        let pay = parse_pay_text(text).ok_or("no pay")?;
        let rates = Rates::from([("EUR".to_owned(), 1.1)]);
        to_yearly_usd(&pay, &rates).map(|y| (y.min, y.max))
    }

    #[test]
    fn ranges_in_the_usual_spellings_become_yearly_dollars() {
        assert_eq!(usd("$150,000 - $200,000 a year"), Ok((Some(150_000), Some(200_000))));
        assert_eq!(usd("USD 180K–220K"), Ok((Some(180_000), Some(220_000))));
        assert_eq!(usd("$180k to $220k per year"), Ok((Some(180_000), Some(220_000))));
        assert_eq!(usd("180-220K"), Ok((Some(180_000), Some(220_000))));
        assert_eq!(usd("$75/hr"), Ok((Some(156_000), Some(156_000))));
        assert_eq!(usd("$60 - $80 per hour"), Ok((Some(124_800), Some(166_400))));
        assert_eq!(usd("$12,500 monthly"), Ok((Some(150_000), Some(150_000))));
        assert_eq!(usd("$600 a day"), Ok((Some(156_000), Some(156_000))));
        assert_eq!(usd("Up to $200,000 + 401(k)"), Ok((None, Some(200_000))));
        assert_eq!(usd("From $120,000"), Ok((Some(120_000), None)));
        assert_eq!(usd("€100.000 – €120.000"), Ok((Some(110_000), Some(132_000))));
        assert_eq!(usd("$72.50 hourly"), Ok((Some(150_800), Some(150_800))));
        assert_eq!(usd("$150,000 USD - $180,000 USD"), Ok((Some(150_000), Some(180_000))));
        assert_eq!(parse_pay_text("Competitive salary"), None);
    }

    #[test]
    fn other_currencies_need_a_rate_and_implausible_pay_is_refused() {
        assert_eq!(
            usd("£80,000 - £90,000"),
            Err("pay is in GBP, which has no exchange rate: an admin sets one with upsertExchangeRate".into())
        );
        assert_eq!(
            usd("$5,000 - $7,000 a year"),
            Err("pay minimum of $5,000 a year is implausible: expected $10,000 to $2,000,000 a year".into())
        );
        assert_eq!(
            usd("$3,000,000"),
            Err("pay minimum of $3,000,000 a year is implausible: expected $10,000 to $2,000,000 a year".into())
        );
        assert_eq!(
            usd("$200,000 to $150,000"),
            Err("pay minimum ($200,000 a year) is above its maximum ($150,000 a year)".into())
        );
        let pay = QuotedPay { min: Some(-1.0), max: None, currency: "USD".into(), period: PayPeriod::Year };
        assert_eq!(to_yearly_usd(&pay, &Rates::new()), Err("pay minimum must be a positive number, got -1".into()));
    }
}
