//! One stable sort for the whole console.
//!
//! Every `slice::sort_by` on a new element type or comparator brings its own copy of std's
//! driftsort (about 4 KiB of wasm each). [`sort_by`] sorts positions instead, through a
//! single instantiation, then moves the elements into place, so each call site costs only
//! its comparator and a few swaps.
//!
//! `BTreeMap`'s and `BTreeSet`'s `FromIterator` (`collect()`, and `From<[_; N]>`) run the
//! same stable sort over the items before building the tree, so each of them brings a
//! driftsort copy too. [`map_from`] and [`set_from`] insert one item at a time instead.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `v` stably by `cmp`: the same order as `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    sort_positions(&mut order, &mut |a, b| cmp(&v[a], &v[b]));
    permute(v, &order);
}

/// The map `entries.into_iter().collect()` builds, by inserting: for equal keys the last
/// value wins, as with `collect()` (the key kept is the first, which for the console's keys,
/// whose equal values are identical, is the same thing).
pub fn map_from<K: Ord, V>(entries: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(entries);
    map
}

/// The set `items.into_iter().collect()` builds, by inserting.
pub fn set_from<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// Sorts positions by a comparator on positions. Stable, so equal elements keep their
/// original order, exactly as a stable sort of the elements would.
#[inline(never)]
fn sort_positions(order: &mut [usize], cmp: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| cmp(a, b));
}

/// Rearranges `v` so that its element `i` becomes the old element `order[i]`, in place, one
/// cycle of the permutation at a time.
fn permute<T>(v: &mut [T], order: &[usize]) {
    let mut placed = vec![false; v.len()];
    for start in 0..v.len() {
        if placed[start] {
            continue;
        }
        placed[start] = true;
        let mut at = start;
        loop {
            let from = order[at];
            if from == start {
                break;
            }
            v.swap(at, from);
            placed[from] = true;
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    #[wasm_bindgen_test]
    fn matches_the_std_stable_sort() {
        let input: Vec<(u8, usize)> =
            [5u8, 3, 5, 1, 3, 9, 0, 5, 1, 1, 7, 2].iter().enumerate().map(|(i, &k)| (k, i)).collect();
        for rotate in 0..input.len() {
            let mut ours = input.clone();
            ours.rotate_left(rotate);
            let mut theirs = ours.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            theirs.sort_by_key(|a| a.0);
            assert_eq!(ours, theirs);
        }
    }

    #[wasm_bindgen_test]
    fn map_from_and_set_from_build_what_collect_builds() {
        let entries = [(3u8, "c"), (1, "a"), (3, "last c"), (2, "b"), (1, "last a")];
        assert_eq!(map_from(entries), entries.into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(map_from(entries)[&3], "last c");
        let items = ["b", "a", "b", "c", "a"];
        assert_eq!(set_from(items), items.into_iter().collect::<BTreeSet<_>>());
        assert!(map_from(Vec::<(u8, u8)>::new()).is_empty() && set_from(Vec::<u8>::new()).is_empty());
    }

    #[wasm_bindgen_test]
    fn empty_and_single() {
        let mut none: Vec<String> = Vec::new();
        sort_by(&mut none, Ord::cmp);
        let mut one = vec!["a".to_owned()];
        sort_by(&mut one, Ord::cmp);
        assert_eq!(one, ["a"]);
    }
}
