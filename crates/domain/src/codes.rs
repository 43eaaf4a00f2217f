//! Validated identifiers that administrators choose and URLs carry: centre codes
//! (`mo-cay`), service codes (`A`), ticket prefixes (`A`, `1`) and counter numbers.
//! Once parsed they cannot hold an invalid value, so nothing downstream re-checks.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

macro_rules! string_code {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $name::parse(s)
            }
        }
    };
}

string_code!(
    /// A centre's short code: lowercase ASCII letters, digits and single dashes,
    /// 2 to 40 characters, e.g. `mo-cay`.
    CentreCode
);
string_code!(
    /// A service's short code: 1 to 8 ASCII letters or digits, stored upper-case.
    ServiceCode
);
string_code!(
    /// A ticket prefix: 1 to 3 ASCII upper-case letters or digits (`A`, `1`, `HT`).
    TicketPrefix
);

impl CentreCode {
    pub fn parse(s: &str) -> Result<Self, Error> {
        let ok = (2..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::invalid(
                "centre",
                "use 2-40 lowercase letters, digits and single dashes",
            ))
        }
    }
}

impl ServiceCode {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(Error::invalid("service", "use 1-8 ASCII letters or digits"))
        }
    }
}

impl TicketPrefix {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(s.to_ascii_uppercase()))
        } else {
            Err(Error::invalid("prefix", "use 1-3 ASCII letters or digits"))
        }
    }
}

/// A counter's number as shown above the desk and announced: 1 to 999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = u16))]
#[serde(transparent)]
pub struct CounterNumber(u16);

impl CounterNumber {
    pub fn new(n: i64) -> Result<Self, Error> {
        if (1..=999).contains(&n) {
            Ok(Self(n as u16))
        } else {
            Err(Error::invalid("counter", "a counter number is 1 to 999"))
        }
    }
    pub fn parse(s: &str) -> Result<Self, Error> {
        let n: i64 = s
            .parse()
            .map_err(|_| Error::invalid("counter", "a counter number is 1 to 999"))?;
        Self::new(n)
    }
    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for CounterNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for CounterNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        CounterNumber::new(n).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centre_codes() {
        assert!(CentreCode::parse("mo-cay").is_ok());
        assert!(CentreCode::parse("x").is_err());
        assert!(CentreCode::parse("Mo-Cay").is_err());
        assert!(CentreCode::parse("-mo").is_err());
        assert!(CentreCode::parse("mo--cay").is_err());
        assert!(CentreCode::parse("mỏ-cày").is_err());
    }

    #[test]
    fn service_codes_are_upper_cased() {
        assert_eq!(ServiceCode::parse("a").unwrap().as_str(), "A");
        assert!(ServiceCode::parse("").is_err());
        assert!(ServiceCode::parse("A B").is_err());
        assert!(ServiceCode::parse("ABCDEFGHI").is_err());
    }

    #[test]
    fn counter_numbers() {
        assert_eq!(CounterNumber::parse("3").unwrap().get(), 3);
        assert!(CounterNumber::parse("0").is_err());
        assert!(CounterNumber::parse("1000").is_err());
        assert!(CounterNumber::parse("x").is_err());
    }
}
