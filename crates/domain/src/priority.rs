//! Priority classes: the groups of citizens a centre serves ahead of the rest
//! (người cao tuổi, người khuyết tật, ...). Each centre configures its own list; the
//! defaults follow common practice in Vietnamese one-stop centres.

use serde::{Deserialize, Serialize};

use crate::Error;

/// A priority class's code, e.g. `elderly`: 1 to 32 lowercase ASCII letters,
/// digits, `-` or `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
#[serde(transparent)]
pub struct PriorityCode(String);

impl PriorityCode {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if (1..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::invalid("priority", "unknown priority class"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for PriorityCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PriorityCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One class of citizens served first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityClass {
    pub code: PriorityCode,
    pub name: String,
    pub name_en: String,
}

/// The classes a new centre starts with.
pub fn default_priority_classes() -> Vec<PriorityClass> {
    [
        (
            "elderly",
            "Người cao tuổi (từ 60 tuổi)",
            "Elderly (60 and over)",
        ),
        ("disability", "Người khuyết tật", "Person with a disability"),
        ("pregnant", "Phụ nữ mang thai", "Pregnant woman"),
        (
            "merit",
            "Người có công với cách mạng",
            "Person with merit to the revolution",
        ),
        (
            "child",
            "Người đi cùng trẻ em dưới 6 tuổi",
            "Accompanying a child under 6",
        ),
    ]
    .into_iter()
    .map(|(code, name, name_en)| PriorityClass {
        code: PriorityCode(code.into()),
        name: name.into(),
        name_en: name_en.into(),
    })
    .collect()
}

/// Checks a requested class against the centre's list.
pub fn resolve<'a>(classes: &'a [PriorityClass], code: &str) -> Result<&'a PriorityClass, Error> {
    classes
        .iter()
        .find(|c| c.code.as_str() == code)
        .ok_or_else(|| Error::invalid("priority", format!("unknown priority class `{code}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_resolve() {
        let classes = default_priority_classes();
        assert_eq!(classes.len(), 5);
        assert_eq!(
            resolve(&classes, "elderly").unwrap().name,
            "Người cao tuổi (từ 60 tuổi)"
        );
        assert!(resolve(&classes, "vip").is_err());
        assert!(PriorityCode::parse("Elderly").is_err());
    }
}
