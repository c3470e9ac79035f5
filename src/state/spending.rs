//! The session's budget: an optional cap in dollars, and the rule that a run which could take
//! the session past it is not sent. A run's cost is its estimate's upper bound, and calls still
//! out count at theirs, so a run that is let through cannot pass the cap.

use std::fmt;

use easel_contract::price::{Cost, Estimate};

/// Reads the budget as typed: empty is no budget; "2.5", "$2.50" and "2,50" are two dollars fifty.
pub fn read_budget(text: &str) -> Result<Option<Cost>, BudgetProblem> {
    let typed = text.trim().trim_start_matches('$').trim().replace(',', ".");
    if typed.is_empty() {
        return Ok(None);
    }
    let not_an_amount = || BudgetProblem::NotAnAmount(text.trim().to_owned());
    let (dollars, cents) = typed.split_once('.').unwrap_or((&typed, ""));
    if (dollars.is_empty() && cents.is_empty()) || cents.len() > 6 {
        return Err(not_an_amount());
    }
    let digits = |part: &str| part.is_empty() || part.bytes().all(|b| b.is_ascii_digit());
    if !digits(dollars) || !digits(cents) {
        return Err(not_an_amount());
    }
    let whole: u64 = if dollars.is_empty() { 0 } else { dollars.parse().map_err(|_| not_an_amount())? };
    let fraction: u64 = format!("{cents:0<6}").parse().map_err(|_| not_an_amount())?;
    let micro_usd = whole.checked_mul(1_000_000).and_then(|m| m.checked_add(fraction)).ok_or_else(not_an_amount)?;
    Ok(Some(Cost::micro_usd(micro_usd)))
}

/// Why the budget field cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BudgetProblem {
    /// Not an amount of dollars.
    NotAnAmount(String),
}

impl fmt::Display for BudgetProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetProblem::NotAnAmount(text) => {
                write!(f, "\"{text}\" is not an amount: write dollars, like 2.50, or leave it empty for no budget.")
            }
        }
    }
}

/// Why a run is not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverBudget {
    /// The run could take the session past the budget.
    WouldPass {
        /// The most the run may cost.
        run: Cost,
        /// Spent, plus the most the calls still out may cost.
        committed: Cost,
        /// The cap.
        budget: Cost,
    },
    /// Easel has no price for the model, so it cannot keep to a budget.
    Unpriced,
    /// The budget as typed cannot be read, so nothing is sent until it can.
    Unreadable(BudgetProblem),
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverBudget::WouldPass { run, committed, budget } => write!(
                f,
                "Not sent: this run may cost up to {run}, and with {committed} already spent or on its way, that \
                 passes your budget of {budget}. Make fewer or cheaper images, or raise the budget."
            ),
            OverBudget::Unpriced => write!(
                f,
                "Not sent: Easel has no price for this model, so it cannot keep to your budget. Clear the budget \
                 to generate anyway."
            ),
            OverBudget::Unreadable(problem) => write!(f, "Not sent: the budget {problem}"),
        }
    }
}

/// Whether a run of `run` fits under `budget` (as read from what the user typed) with
/// `committed` already spent or on its way.
pub fn check(budget: Result<Option<Cost>, BudgetProblem>, committed: Cost, run: Estimate) -> Result<(), OverBudget> {
    let Some(budget) = budget.map_err(OverBudget::Unreadable)? else {
        return Ok(());
    };
    let run = run.at_most().ok_or(OverBudget::Unpriced)?;
    if committed + run > budget {
        Err(OverBudget::WouldPass { run, committed, budget })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(micro_usd: u64) -> Cost {
        Cost::micro_usd(micro_usd)
    }

    #[test]
    fn budgets_read_as_people_write_dollars() {
        assert_eq!(read_budget(""), Ok(None));
        assert_eq!(read_budget("  "), Ok(None));
        assert_eq!(read_budget("2"), Ok(Some(usd(2_000_000))));
        assert_eq!(read_budget("$2.50"), Ok(Some(usd(2_500_000))));
        assert_eq!(read_budget("2,5"), Ok(Some(usd(2_500_000))));
        assert_eq!(read_budget(".25"), Ok(Some(usd(250_000))));
        assert_eq!(read_budget("0.042"), Ok(Some(usd(42_000))));
        for bad in ["two", "2.5.1", "-3", "1e3", ".", "99999999999999999999", "0.0000001"] {
            assert!(read_budget(bad).is_err(), "{bad}");
        }
        assert_eq!(
            read_budget(" two ").unwrap_err().to_string(),
            "\"two\" is not an amount: write dollars, like 2.50, or leave it empty for no budget."
        );
    }

    #[test]
    fn a_run_is_sent_only_if_its_upper_bound_fits_under_the_budget() {
        assert_eq!(check(Ok(None), usd(9_000_000), Estimate::Unknown), Ok(()), "no budget, no limit");
        let budget = Ok(Some(usd(200_000)));
        assert_eq!(check(budget.clone(), usd(120_000), Estimate::Exact(usd(80_000))), Ok(()), "exactly up to the cap");
        assert_eq!(
            check(budget.clone(), usd(120_000), Estimate::AtMost(usd(80_001))),
            Err(OverBudget::WouldPass { run: usd(80_001), committed: usd(120_000), budget: usd(200_000) })
        );
        assert_eq!(check(budget.clone(), Cost::default(), Estimate::Unknown), Err(OverBudget::Unpriced));
        let unreadable = read_budget("two");
        assert_eq!(
            check(unreadable, Cost::default(), Estimate::Exact(usd(1))).unwrap_err().to_string(),
            "Not sent: the budget \"two\" is not an amount: write dollars, like 2.50, or leave it empty for no budget."
        );
        assert_eq!(
            check(budget, usd(160_000), Estimate::Exact(usd(80_000))).unwrap_err().to_string(),
            "Not sent: this run may cost up to $0.080, and with $0.160 already spent or on its way, that passes \
             your budget of $0.200. Make fewer or cheaper images, or raise the budget."
        );
    }
}
