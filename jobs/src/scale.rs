//! Where a value falls on a chart's axis: the digest's PNG sparklines and the pages' SVG
//! charts place their points with the same arithmetic.

/// The range of values an axis covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// The value at the start of the axis.
    pub low: f64,
    /// The value at its end.
    pub high: f64,
}

impl Span {
    /// The smallest span that holds every value; `None` without values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        values.into_iter().filter(|v| v.is_finite()).fold(None, |span, v| match span {
            None => Some(Self { low: v, high: v }),
            Some(Self { low, high }) => Some(Self { low: low.min(v), high: high.max(v) }),
        })
    }

    /// Where `value` falls, 0 at `low` and 1 at `high`; a flat span puts every value in the
    /// middle rather than on an edge.
    pub fn fraction(&self, value: f64) -> f64 {
        if self.high > self.low { (value - self.low) / (self.high - self.low) } else { 0.5 }
    }

    /// This span widened to round numbers, with ticks at a round step (1, 2 or 5 × 10ⁿ),
    /// about `ticks` of them. A flat span is widened around its value first, and a span
    /// that starts at zero keeps zero.
    pub fn nice(self, ticks: usize) -> (Self, Vec<f64>) {
        let (mut low, mut high) = (self.low, self.high);
        if high <= low {
            let pad = if low == 0.0 { 1.0 } else { low.abs() * 0.1 };
            (low, high) = (low - pad, high + pad);
            if self.low >= 0.0 {
                low = low.max(0.0);
            }
        }
        let step = nice_step((high - low) / ticks.max(1) as f64);
        let (start, end) = ((low / step).floor() * step, (high / step).ceil() * step);
        let count = ((end - start) / step).round() as usize;
        let values = (0..=count).map(|i| start + i as f64 * step).collect();
        (Self { low: start, high: end }, values)
    }
}

/// The round step (1, 2 or 5 × 10ⁿ) nearest above `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_holds_every_value_and_places_them_from_zero_to_one() {
        let span = Span::of([120.0, 100.0, 130.0]).expect("values");
        assert_eq!(span, Span { low: 100.0, high: 130.0 });
        assert_eq!(span.fraction(100.0), 0.0);
        assert_eq!(span.fraction(130.0), 1.0);
        assert_eq!(span.fraction(115.0), 0.5);
        assert_eq!(Span::of([]), None);
        assert_eq!(Span::of([5.0, 5.0]).expect("values").fraction(5.0), 0.5, "flat: the middle");
    }

    #[test]
    fn nice_spans_end_on_round_ticks() {
        let (span, ticks) = Span { low: 93_000.0, high: 325_000.0 }.nice(4);
        assert_eq!(span, Span { low: 0.0, high: 400_000.0 });
        assert_eq!(ticks, vec![0.0, 100_000.0, 200_000.0, 300_000.0, 400_000.0]);
        let (span, ticks) = Span { low: 151_200.0, high: 163_900.0 }.nice(4);
        assert_eq!(span, Span { low: 150_000.0, high: 165_000.0 });
        assert_eq!(ticks.len(), 4);
        let (span, _) = Span { low: 0.0, high: 612.0 }.nice(3);
        assert_eq!(span, Span { low: 0.0, high: 1_000.0 });
        let (span, ticks) = Span { low: 40.0, high: 40.0 }.nice(4);
        assert!(span.low < 40.0 && span.high > 40.0 && span.low >= 0.0, "{span:?} {ticks:?}");
        let (span, _) = Span { low: 0.0, high: 0.0 }.nice(4);
        assert_eq!(span, Span { low: 0.0, high: 1.0 });
    }
}
