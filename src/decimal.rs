//! Numbers with a fixed count of decimals, written as `format!("{:.N}", x)` writes them but
//! without its cost: std rounds the float's exact binary value, which for most numbers falls
//! back to its slow exact algorithm (Dragon4), ≈ 2,000 instructions a number; charts and
//! metric tables write tens of thousands of them (2.7 % of a build's instructions).
//!
//! The fast path scales and rounds in floating point; where that could round differently
//! from std (a value near a tie, a large or non-finite one) std writes the number itself, so
//! the output is always std's.

use std::fmt;

/// `x` with `decimals` digits after the point (at most 6), as `{:.decimals$}` writes it.
#[derive(Debug, Clone, Copy)]
pub struct Fixed(pub f64, pub usize);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fixed(x, decimals) = *self;
        let Some((whole, fraction)) = digits(x.abs(), decimals) else {
            return write!(f, "{x:.decimals$}");
        };
        if x.is_sign_negative() {
            f.write_str("-")?;
        }
        match decimals {
            0 => write!(f, "{whole}"),
            _ => write!(f, "{whole}.{fraction:0decimals$}"),
        }
    }
}

/// The whole and fractional digits of `a` (not negative) rounded to `decimals`, or `None`
/// where scaling in floating point might round otherwise than the exact value does.
fn digits(a: f64, decimals: usize) -> Option<(u64, u64)> {
    if decimals > 6 || !a.is_finite() {
        return None;
    }
    let scale = 10u64.pow(decimals as u32);
    let scaled = a * scale as f64;
    // Below 2^30 the product is within 2^-22 of the exact one: only a value this close to a
    // tie could round to the other side (and std rounds exact ties to even).
    if scaled >= (1u64 << 30) as f64 || (scaled - scaled.floor() - 0.5).abs() < 1e-6 {
        return None;
    }
    let rounded = scaled.round() as u64;
    Some((rounded / scale, rounded % scale))
}

#[cfg(test)]
mod tests {
    use super::Fixed;

    /// Whatever the value, the text is std's.
    #[test]
    fn writes_what_std_writes() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let special = [
            0.0,
            -0.0,
            0.05,
            0.25,
            0.35,
            -0.04,
            1.5,
            2.5,
            12.25,
            1e9,
            1e20,
            0.000_05,
            99.95,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4.9,
            35.0,
            1022.0,
        ];
        let random = (0..200_000).map(|i| {
            let bits = next();
            match i % 4 {
                // Chart coordinates and metric values: a few decimals, some exact ties.
                0 => (bits % 1_000_000) as f64 / 1000.0,
                1 => (bits % 100_000) as f64 / 8.0 - 5000.0,
                2 => f64::from_bits(bits),
                _ => (bits % 10_000) as f64 * 0.1 - 300.0,
            }
        });
        for x in special.into_iter().chain(random) {
            for d in 0..=6 {
                assert_eq!(
                    Fixed(x, d).to_string(),
                    format!("{x:.d$}"),
                    "{x:e} with {d}"
                );
            }
        }
    }
}
