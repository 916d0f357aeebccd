//! The kit's typed report.

use std::fmt;

use super::Scenario;

/// What one scenario expected and what it got.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScenarioResult {
    /// The scenario.
    pub scenario: Scenario,
    /// What a conforming transport does.
    pub expected: &'static str,
    /// What this transport did.
    pub got: String,
    /// Whether that matches.
    pub passed: bool,
}

/// The outcome of a kit run: one [`ScenarioResult`] per [`Scenario`], in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KitReport {
    results: Vec<ScenarioResult>,
}

impl KitReport {
    pub(crate) fn new(results: Vec<ScenarioResult>) -> Self {
        Self { results }
    }

    /// Whether every scenario passed.
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.passed)
    }

    /// Every result, in scenario order.
    pub fn results(&self) -> &[ScenarioResult] {
        &self.results
    }

    /// The results that failed.
    pub fn failures(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.results.iter().filter(|r| !r.passed)
    }

    /// The result of one scenario.
    pub fn result(&self, scenario: Scenario) -> Option<&ScenarioResult> {
        self.results.iter().find(|r| r.scenario == scenario)
    }
}

impl fmt::Display for KitReport {
    /// A table: one line per scenario, failures with what was expected.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "transport kit: {} passed, {failed} failed",
            self.results.len() - failed
        )?;
        for result in &self.results {
            let mark = if result.passed { "ok  " } else { "FAIL" };
            writeln!(f, "  {mark} {:<28} {}", result.scenario.name(), result.got)?;
            if !result.passed {
                writeln!(f, "       {:<28} expected: {}", "", result.expected)?;
            }
        }
        Ok(())
    }
}
