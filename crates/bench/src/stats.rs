//! Latency histograms per operation (HdrHistogram, microseconds) and the rows
//! of the results table.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Recorded latencies of one operation in one phase.
pub struct OpStats {
    pub name: String,
    pub hist: Histogram<u64>,
    pub errors: u64,
    /// The first few error messages, to explain a failed run.
    pub error_samples: Vec<String>,
    /// Wall time of the phase the operation ran in.
    pub elapsed: Duration,
}

impl OpStats {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            // 1 µs .. 100 s at 3 significant digits.
            hist: Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid bounds"),
            errors: 0,
            error_samples: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    pub fn record(&mut self, d: Duration) {
        let us = (d.as_micros() as u64).clamp(1, 100_000_000);
        // Saturates rather than fails: bounds are fixed above.
        let _ = self.hist.record(us);
    }

    pub fn error(&mut self, e: impl std::fmt::Display) {
        self.errors += 1;
        if self.error_samples.len() < 5 {
            self.error_samples.push(e.to_string());
        }
    }

    pub fn merge(&mut self, other: &OpStats) {
        let _ = self.hist.add(&other.hist);
        self.errors += other.errors;
        for e in &other.error_samples {
            if self.error_samples.len() < 5 {
                self.error_samples.push(e.clone());
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Successful operations per second over the phase.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.count() as f64 / s
        } else {
            0.0
        }
    }

    pub fn ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        self.hist.max() as f64 / 1000.0
    }
}

/// The first error messages of each operation, for the report.
pub fn error_samples(ops: &[&OpStats]) -> Vec<(String, String)> {
    ops.iter()
        .filter(|o| o.errors > 0)
        .map(|o| {
            (
                format!("{} errors (first few)", o.name),
                o.error_samples.join("; "),
            )
        })
        .collect()
}

/// One line of the printed table.
pub struct Row {
    pub name: String,
    pub count: u64,
    pub rate: f64,
    pub ratio: Option<f64>,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
    pub errors: u64,
}

impl Row {
    pub fn of(s: &OpStats, healthz_rate: f64) -> Self {
        Self {
            name: s.name.clone(),
            count: s.count(),
            rate: s.rate(),
            ratio: (healthz_rate > 0.0).then(|| s.rate() / healthz_rate),
            p50: s.ms(0.5),
            p99: s.ms(0.99),
            max: s.max_ms(),
            errors: s.errors,
        }
    }
}

/// The table as Markdown (printed to the terminal as is: readable both ways).
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| operation | count | per second | vs /healthz | p50 ms | p99 ms | max ms | errors |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let ratio = r
            .ratio
            .map_or_else(|| "-".to_owned(), |x| format!("{:.0}%", x * 100.0));
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {} |\n",
            r.name, r.count, r.rate, ratio, r.p50, r.p99, r.max, r.errors
        ));
    }
    out
}
