//! ATT&CK coverage per tactic as a table.

use super::table::{Cell, Table};
use crate::Coverage;

/// One row per tactic (in the first set's order) and a last row for all techniques; per
/// coverage set, the techniques covered out of the tactic's total and the share.
///
/// ```
/// use vigil_metrics::{AttackCatalogue, Coverage, report::coverage_table};
/// let cat = AttackCatalogue::default();
/// let cov = Coverage::of(&cat, &[]);
/// assert!(coverage_table("Coverage", &[("sigma", &cov)]).to_markdown().contains("| all techniques | 0/0 | 0.0 |"));
/// ```
pub fn coverage_table(title: &str, sets: &[(&str, &Coverage)]) -> Table {
    let mut cols = vec!["tactic".to_owned()];
    for (name, _) in sets {
        cols.push(format!("{name}: covered"));
        cols.push(format!("{name}: %"));
    }
    let col_refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut t = Table::new(title, &col_refs).digits(1).note(
        "Counted on techniques (a sub-technique covers its parent), revoked and deprecated \
         ones excluded; a technique counts in every tactic it belongs to.",
    );
    let Some((_, first)) = sets.first() else {
        return t;
    };
    for tac in &first.per_tactic {
        let mut row = vec![Cell::from(format!("{} ({})", tac.name, tac.id))];
        for (_, cov) in sets {
            match cov.per_tactic.iter().find(|x| x.id == tac.id) {
                Some(x) => {
                    row.push(format!("{}/{}", x.covered, x.total).into());
                    row.push((100.0 * x.share).into());
                }
                None => row.extend([Cell::Missing, Cell::Missing]),
            }
        }
        t.push_row(row);
    }
    let mut row = vec![Cell::from("all techniques")];
    for (_, cov) in sets {
        row.push(format!("{}/{}", cov.covered, cov.total).into());
        row.push((100.0 * cov.share).into());
    }
    t.push_row(row);
    t
}
