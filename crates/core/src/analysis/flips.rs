//! Which test examples flip: every condition's vote on every example ([`vote_table`]) and the
//! examples the runs split on most ([`flips`]).

use crate::report::{ConditionReport, ConditionVotes, FlipExample, Flips, VoteTable};

/// How many of the most split examples the report lists and the HTML gallery shows.
pub const FLIP_GALLERY: usize = 25;

/// The ranking rule, as the report states it.
const RANKING: &str = "lowest share of the runs voting for the most predicted class first \
     (the runs split most), ties to the lower test index; examples every run predicts alike \
     are left out";

/// Every condition's vote on every test example (the rows' [`ConditionReport::votes`]), in
/// study order; `None` when no row has one, or when a condition's table would pass
/// [`MAX_VOTE_CELLS`]. All rows must share the test set `labels`.
pub fn vote_table(rows: &[ConditionReport], labels: &[i64]) -> Option<VoteTable> {
    let classes = rows.iter().find_map(|r| r.votes.as_ref())?.classes();
    if classes.saturating_mul(labels.len()) > MAX_VOTE_CELLS {
        return None;
    }
    let conditions: Vec<ConditionVotes> = rows
        .iter()
        .filter_map(|r| {
            let v = r.votes.as_ref()?;
            (v.examples() == labels.len()).then(|| ConditionVotes {
                condition: r.name.clone(),
                runs: v.runs(),
                counts: v.rows().map(<[u32]>::to_vec).collect(),
            })
        })
        .collect();
    (!conditions.is_empty()).then(|| VoteTable {
        classes,
        examples: labels.len(),
        labels: labels.to_vec(),
        conditions,
    })
}

/// The largest vote table written per condition, in counts (examples x classes): 100 times
/// CIFAR-10's. A language model's window over its vocabulary (20,000 x 76 for the embedded
/// Shakespeare, 2,000 x 10,000 for Penn Treebank) would add megabytes per condition to
/// `report.json`, so its votes are left out.
pub const MAX_VOTE_CELLS: usize = 1_000_000;

/// The [`FLIP_GALLERY`] examples whose runs split most
/// ([`crate::metrics::Votes::most_split`]) in the `reference` condition, else in the last
/// condition that varies a source; `None` when there is no such condition with votes.
pub fn flips(rows: &[ConditionReport], labels: &[i64], reference: &str) -> Option<Flips> {
    let row = rows
        .iter()
        .find(|r| r.name == reference && r.votes.is_some())
        .or_else(|| {
            rows.iter()
                .rev()
                .find(|r| !r.sources.is_empty() && r.votes.is_some())
        })?;
    let votes = row.votes.as_ref()?;
    if votes.examples() != labels.len() {
        return None;
    }
    let unanimous = (0..votes.examples())
        .filter(|&i| votes.modal(i) as usize == votes.runs())
        .count();
    let examples = votes
        .most_split(FLIP_GALLERY)
        .into_iter()
        .map(|i| {
            let mut v: Vec<[usize; 2]> = votes
                .row(i)
                .iter()
                .enumerate()
                .filter(|(_, &k)| k > 0)
                .map(|(c, &k)| [c, k as usize])
                .collect();
            v.sort_by_key(|&[c, k]| (std::cmp::Reverse(k), c));
            FlipExample {
                index: i,
                label: labels[i],
                modal_share: votes.modal_share(i),
                votes: v,
            }
        })
        .collect();
    Some(Flips {
        condition: row.name.clone(),
        runs: votes.runs(),
        ranking: RANKING.into(),
        unanimous: 100.0 * unanimous as f64 / votes.examples() as f64,
        examples,
    })
}
