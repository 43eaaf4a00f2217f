//! The machine a run happened on, the targets the figures are judged against,
//! and the Markdown report (`--write-report docs/benchmarks.md`).

use std::fmt::Write as _;

use crate::stats::{table, Row};
use crate::verify::Check;

/// What the figures were measured on.
pub struct Machine {
    pub cpus: usize,
    pub memory: String,
    pub cpu_model: String,
    pub os: String,
}

impl Machine {
    pub fn detect() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or_else(
                || "unknown".to_owned(),
                |kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0),
            );
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        let os = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| format!("Linux {}", s.trim()))
            .unwrap_or_else(|_| std::env::consts::OS.to_owned());
        Self {
            cpus,
            memory,
            cpu_model,
            os,
        }
    }
}

/// A target from issues 8 and 16 and how the run fared against it.
pub struct Target {
    pub what: String,
    pub measured: String,
    /// None: not measured in this run (the part was not enabled or not built yet).
    pub met: Option<bool>,
}

impl Target {
    pub fn new(what: &str, measured: String, met: Option<bool>) -> Self {
        Self {
            what: what.to_owned(),
            measured,
            met,
        }
    }
}

pub fn targets_table(targets: &[Target]) -> String {
    let mut out = String::from("| target | measured | met |\n|---|---|---|\n");
    for t in targets {
        let met = match t.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "not measured",
        };
        let _ = writeln!(out, "| {} | {} | {} |", t.what, t.measured, met);
    }
    out
}

pub fn checks_table(checks: &[Check]) -> String {
    let mut out = String::from("| check | result | detail |\n|---|---|---|\n");
    for c in checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            c.what,
            if c.ok { "ok" } else { "**FAILED**" },
            c.detail
        );
    }
    out
}

/// Everything one run produced, for the terminal and the report file.
pub struct Results {
    /// How this run was made: the server binary and its flags, the machine's load.
    pub context: Vec<(String, String)>,
    pub sections: Vec<(String, Vec<Row>)>,
    pub extras: Vec<(String, String)>,
    pub targets: Vec<Target>,
    pub checks: Vec<Check>,
}

impl Results {
    pub fn body(&self) -> String {
        let mut out = String::new();
        if !self.context.is_empty() {
            out.push_str("### Run\n\n| | |\n|---|---|\n");
            for (k, v) in &self.context {
                let _ = writeln!(out, "| {k} | {v} |");
            }
            out.push('\n');
        }
        for (title, rows) in &self.sections {
            let _ = writeln!(out, "### {title}\n\n{}", table(rows));
        }
        if !self.extras.is_empty() {
            out.push_str("### Other figures\n\n| figure | value |\n|---|---|\n");
            for (k, v) in &self.extras {
                let _ = writeln!(out, "| {k} | {v} |");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "### Targets\n\n{}", targets_table(&self.targets));
        let _ = writeln!(out, "### Correctness\n\n{}", checks_table(&self.checks));
        out
    }
}

/// The report file: method, machine, command, figures; `notes` is the
/// hand-written analysis kept between runs (gaps explained).
pub fn markdown(
    machine: &Machine,
    command: &str,
    method: &str,
    results: &Results,
    notes: &str,
) -> String {
    let mut out = String::from("# Benchmarks\n\n");
    let _ = writeln!(
        out,
        "Written by `luot-bench` on {} (UTC). Regenerate with:\n\n```sh\n{command}\n```\n",
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M")
    );
    let _ = writeln!(out, "## Machine\n");
    let _ = writeln!(
        out,
        "- CPUs: {} ({})\n- memory: {}\n- OS: {}\n- the load generator runs on the same machine, \
         which other work shared during the run (load averages under Results)\n",
        machine.cpus, machine.cpu_model, machine.memory, machine.os
    );
    let _ = writeln!(out, "## Method\n\n{method}\n");
    let _ = writeln!(out, "## Results\n\n{}", results.body());
    if !notes.is_empty() {
        let _ = writeln!(out, "## Analysis\n\n{notes}");
    }
    out
}
