//! Content digests that identify weights and data sources.

use sha2::{Digest, Sha256};

/// The first 16 hexadecimal digits of the SHA-256 of `bytes`: short enough
/// to read in a report, long enough that two different weight files never
/// share one in practice.
pub fn short_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_known_input() {
        // sha256("abc") = ba7816bf8f01cfea 414140de5dae2223 ...
        assert_eq!(short_sha256(b"abc"), "ba7816bf8f01cfea");
    }
}
