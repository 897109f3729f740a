//! Rounding that `core` lacks (the npm core builds without std), for the millisecond and
//! percentage values the core handles.

/// From 2^52 on, every `f64` is a whole number.
const WHOLE_FROM: f64 = 4_503_599_627_370_496.0;

/// `x` without its fraction (`f64::trunc`); NaN and infinities stay as they are.
fn trunc(x: f64) -> f64 {
    if x.abs() < WHOLE_FROM {
        x as i64 as f64
    } else {
        x
    }
}

/// `x` rounded up (`f64::ceil`).
pub fn ceil(x: f64) -> f64 {
    let t = trunc(x);
    if t < x {
        t + 1.0
    } else {
        t
    }
}

/// `x` rounded to the nearest whole number, halves away from zero (`f64::round`).
pub fn round(x: f64) -> f64 {
    let t = trunc(x);
    if (x - t).abs() >= 0.5 {
        t + if x < 0.0 { -1.0 } else { 1.0 }
    } else {
        t
    }
}

/// True for a finite whole number.
pub fn is_whole(x: f64) -> bool {
    x.is_finite() && trunc(x) == x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_matches_std() {
        let samples = [
            0.0,
            -0.0,
            0.4,
            0.5,
            0.49999999999999994,
            1.5,
            2.5,
            -2.5,
            -0.6,
            1e15 + 0.5,
            3e16,
            1e300,
            -1e300,
            123.000001,
            -7.9,
            f64::INFINITY,
        ];
        for x in samples {
            assert_eq!(ceil(x), x.ceil(), "ceil {x}");
            assert_eq!(round(x), x.round(), "round {x}");
            assert_eq!(is_whole(x), x.is_finite() && x.fract() == 0.0, "whole {x}");
        }
        assert!(ceil(f64::NAN).is_nan() && round(f64::NAN).is_nan() && !is_whole(f64::NAN));
    }
}
