//! Compact number lists as JavaScript string literals.
//!
//! Postings are lists of small non-negative integers (deltas, field numbers, positions). Over
//! file:// the browser can only load them as `<script>` files, so they are written as plain
//! ASCII strings that need no escaping in JSON or JavaScript: each digit carries 5 bits of
//! the number, least significant first, and whether more digits follow. Numbers below 32 take
//! one character, below 1,024 two. `static/search.js` decodes with the same alphabet.

/// 64 characters: digits 0–31 end a number, digits 32–63 say that more digits follow.
pub const ALPHABET: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%()";

/// Appends `n` to `out`. Inlined: it is called for every number of the index, most of them
/// one digit.
#[inline]
pub fn push(out: &mut String, mut n: u32) {
    if n < 32 {
        out.push(ALPHABET[n as usize] as char);
        return;
    }
    loop {
        let low = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out.push(ALPHABET[low] as char);
            return;
        }
        out.push(ALPHABET[low + 32] as char);
    }
}

/// Most digits a `u32` takes.
pub const MAX_DIGITS: usize = 7;

/// The digits of `n`, least significant first: the first `len` bytes of the array.
pub fn digits(mut n: u32) -> ([u8; MAX_DIGITS], usize) {
    let mut out = [0; MAX_DIGITS];
    let mut len = 0;
    loop {
        let low = (n & 31) as usize;
        n >>= 5;
        if n == 0 {
            out[len] = ALPHABET[low];
            return (out, len + 1);
        }
        out[len] = ALPHABET[low + 32];
        len += 1;
    }
}

/// Encodes a list of numbers.
pub fn encode(numbers: &[u32]) -> String {
    let mut out = String::with_capacity(numbers.len());
    for &n in numbers {
        push(&mut out, n);
    }
    out
}

/// Decodes what [`encode`] wrote; `None` on a character outside the alphabet or a cut number.
pub fn decode(text: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    let (mut value, mut shift) = (0u32, 0u32);
    for byte in text.bytes() {
        let digit = ALPHABET.iter().position(|&a| a == byte)? as u32;
        value |= (digit & 31).checked_shl(shift)?;
        if digit < 32 {
            out.push(value);
            value = 0;
            shift = 0;
        } else {
            shift += 5;
        }
    }
    (shift == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let numbers = [
            0,
            1,
            31,
            32,
            1023,
            1024,
            65_535,
            1 << 20,
            u32::MAX - 1,
            u32::MAX,
        ];
        assert_eq!(decode(&encode(&numbers)).unwrap(), numbers);
    }

    #[test]
    fn digits_are_what_push_writes() {
        for n in [0, 31, 32, 1023, 1024, 65_535, u32::MAX] {
            let (digits, len) = digits(n);
            assert_eq!(&digits[..len], encode(&[n]).as_bytes());
        }
    }

    #[test]
    fn small_numbers_take_one_character() {
        assert_eq!(encode(&[0, 5, 31]), "05v");
        assert_eq!(encode(&[32]).len(), 2);
        assert_eq!(encode(&[1023]).len(), 2);
        assert_eq!(encode(&[1024]).len(), 3);
        // The same values tests/search_js/vectors.js decodes.
        assert_eq!(encode(&[1024]), "AA1");
        assert_eq!(encode(&[54]), "W1");
    }

    #[test]
    fn alphabet_needs_no_escaping() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in ALPHABET {
            assert!(c.is_ascii_graphic() && !b"\"'\\<>&/`".contains(&c));
            assert!(seen.insert(c), "duplicate {}", c as char);
        }
    }

    #[test]
    fn rejects_cut_and_foreign_input() {
        assert_eq!(decode("A"), None);
        assert_eq!(decode("0~"), None);
    }
}
