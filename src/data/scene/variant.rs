//! Variants of the scene world that drop or thin out chosen classes.
//!
//! A variant gives each class a keep probability: every instance of the class
//! that the real world would draw is kept with that probability, decided by a
//! random stream of its own. Dropping an instance reveals what the real scene
//! has behind it and changes nothing else. Children go with their parent: a
//! dropped building takes its windows and door with it.
//!
//! Written forms, joined with `+`: `real` (nothing dropped), `no-<class>`
//! (keep probability 0), `half-<class>` (0.5) and `keep-<probability>-<class>`
//! (for example `keep-0.25-car`). Class names are written with hyphens for
//! spaces (`no-lamp-post`). Sky and grass cannot be dropped: they are the
//! backgrounds that every other pixel falls back to.

use std::fmt;
use std::str::FromStr;

use super::classes::{CLASS_NAMES, GRASS, NUM_CLASSES, SKY, class_index, hyphenated};
use crate::error::{Error, Result};

/// Per-class keep probabilities of the scene world.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Variant {
    keep_probability: [f64; NUM_CLASSES],
}

impl Default for Variant {
    fn default() -> Self {
        Self::real()
    }
}

impl Variant {
    /// The real world: every class kept.
    pub fn real() -> Self {
        Self {
            keep_probability: [1.0; NUM_CLASSES],
        }
    }

    /// Parses a written variant such as `real`, `no-person` or
    /// `no-person+half-fence` (see the module documentation).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an unknown form or class name (the message lists
    /// the valid names), a class named twice, a probability outside [0, 1],
    /// or an attempt to drop sky or grass.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text == "real" {
            return Ok(Self::real());
        }
        let mut variant = Self::real();
        let mut named = [false; NUM_CLASSES];
        for part in text.split('+') {
            let (class, probability) = parse_part(part.trim())?;
            if named[class] {
                return Err(Error::Config(format!(
                    "variant {text:?} names {} twice",
                    hyphenated(class)
                )));
            }
            named[class] = true;
            variant = variant.with_keep_probability(class, probability)?;
        }
        Ok(variant)
    }

    /// This variant with instances of `class` kept with `probability`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] if `class` is not a class index, `probability` is not
    /// in [0, 1], or `class` is sky or grass and `probability` is below 1.
    pub fn with_keep_probability(mut self, class: usize, probability: f64) -> Result<Self> {
        if class >= NUM_CLASSES {
            return Err(Error::Config(format!(
                "class index {class} out of range (the scene world has {NUM_CLASSES} classes)"
            )));
        }
        if !(0.0..=1.0).contains(&probability) {
            return Err(Error::Config(format!(
                "keep probability {probability} of {} is not in [0, 1]",
                hyphenated(class)
            )));
        }
        if probability < 1.0 && (class == SKY as usize || class == GRASS as usize) {
            return Err(Error::Config(format!(
                "{} cannot be dropped: sky and grass are the backgrounds behind every other class",
                hyphenated(class)
            )));
        }
        self.keep_probability[class] = probability;
        Ok(self)
    }

    /// The probability that an instance of `class` is kept.
    ///
    /// # Panics
    ///
    /// If `class` is not a class index.
    pub fn keep_probability(&self, class: usize) -> f64 {
        self.keep_probability[class]
    }

    /// Whether nothing is dropped.
    pub fn is_real(&self) -> bool {
        self.keep_probability
            .iter()
            .all(|&probability| probability == 1.0)
    }
}

/// Parses one `no-`, `half-` or `keep-<p>-` part into a class and probability.
fn parse_part(part: &str) -> Result<(usize, f64)> {
    let (probability, class_name) = if let Some(name) = part.strip_prefix("no-") {
        (0.0, name)
    } else if let Some(name) = part.strip_prefix("half-") {
        (0.5, name)
    } else if let Some(rest) = part.strip_prefix("keep-") {
        let (number, name) = rest.split_once('-').unwrap_or((rest, ""));
        let probability = number.parse::<f64>().map_err(|_| {
            Error::Config(format!("{part:?}: {number:?} is not a keep probability"))
        })?;
        (probability, name)
    } else {
        return Err(Error::Config(format!(
            "variant part {part:?} is not `real`, `no-<class>`, `half-<class>` or \
             `keep-<probability>-<class>`"
        )));
    };
    let class = class_index(class_name).ok_or_else(|| {
        let valid: Vec<String> = (0..CLASS_NAMES.len()).map(hyphenated).collect();
        Error::Config(format!(
            "unknown class {class_name:?} in variant part {part:?}; valid classes: {}",
            valid.join(", ")
        ))
    })?;
    Ok((class, probability))
}

/// Writes the variant in the form [`Variant::parse`] reads: `real`, or the
/// changed classes in class order joined with `+`.
impl fmt::Display for Variant {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_real() {
            return formatter.write_str("real");
        }
        let parts: Vec<String> = (0..NUM_CLASSES)
            .filter(|&class| self.keep_probability[class] != 1.0)
            .map(|class| match self.keep_probability[class] {
                0.0 => format!("no-{}", hyphenated(class)),
                0.5 => format!("half-{}", hyphenated(class)),
                probability => format!("keep-{probability}-{}", hyphenated(class)),
            })
            .collect();
        formatter.write_str(&parts.join("+"))
    }
}

impl FromStr for Variant {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

impl TryFrom<String> for Variant {
    type Error = Error;

    fn try_from(text: String) -> Result<Self> {
        Self::parse(&text)
    }
}

impl From<Variant> for String {
    fn from(variant: Variant) -> Self {
        variant.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::scene::classes::{FENCE, LAMP_POST, PERSON};

    #[test]
    fn parses_real_no_half_and_keep() {
        assert!(Variant::parse("real").unwrap().is_real());
        let variant = Variant::parse("no-person+half-fence+keep-0.25-lamp-post").unwrap();
        assert_eq!(variant.keep_probability(PERSON as usize), 0.0);
        assert_eq!(variant.keep_probability(FENCE as usize), 0.5);
        assert_eq!(variant.keep_probability(LAMP_POST as usize), 0.25);
        assert_eq!(variant.keep_probability(SKY as usize), 1.0);
    }

    #[test]
    fn display_round_trips_in_class_order() {
        let variant = Variant::parse("half-fence+no-person+keep-0.3-car").unwrap();
        assert_eq!(variant.to_string(), "keep-0.3-car+no-person+half-fence");
        assert_eq!(Variant::parse(&variant.to_string()).unwrap(), variant);
        assert_eq!(Variant::real().to_string(), "real");
    }

    #[test]
    fn unknown_class_lists_valid_names() {
        let message = Variant::parse("no-horse").unwrap_err().to_string();
        assert!(message.contains("\"horse\""), "{message}");
        assert!(message.contains("lamp-post"), "{message}");
        assert!(message.contains("person"), "{message}");
    }

    #[test]
    fn bad_forms_are_config_errors() {
        for text in [
            "",
            "person",
            "no-",
            "keep-x-car",
            "keep-1.5-car",
            "no-car+half-car",
        ] {
            let error = Variant::parse(text).unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{text:?}: {error}");
        }
    }

    #[test]
    fn backgrounds_cannot_be_dropped() {
        assert!(Variant::parse("no-sky").is_err());
        assert!(Variant::parse("half-grass").is_err());
        assert!(Variant::parse("no-road").is_ok());
        assert!(Variant::parse("no-mountain").is_ok());
    }

    #[test]
    fn serde_uses_the_written_form() {
        let variant = Variant::parse("no-lamp-post").unwrap();
        let json = serde_json::to_string(&variant).unwrap();
        assert_eq!(json, "\"no-lamp-post\"");
        assert_eq!(serde_json::from_str::<Variant>(&json).unwrap(), variant);
        assert!(serde_json::from_str::<Variant>("\"no-horse\"").is_err());
    }
}
