//! "Did you mean" suggestions by edit distance.

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), or `None`
/// as soon as it is certain to exceed `limit`.
pub fn distance_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        osa(a.as_bytes(), b.as_bytes(), limit)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        osa(&a, &b, limit)
    }
}

/// Unbounded distance.
#[cfg(test)]
fn distance(a: &str, b: &str) -> usize {
    distance_within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

thread_local! {
    /// Three reusable rows for [`osa`]: suggestions run it thousands of times.
    static ROWS: std::cell::RefCell<[Vec<usize>; 3]> = const { std::cell::RefCell::new([Vec::new(), Vec::new(), Vec::new()]) };
}

fn osa<T: PartialEq>(a: &[T], b: &[T], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    ROWS.with_borrow_mut(|[prev2, prev, cur]| {
        prev2.clear();
        prev2.resize(b.len() + 1, 0);
        prev.clear();
        prev.extend(0..=b.len());
        cur.clear();
        cur.resize(b.len() + 1, 0);
        osa_rows(a, b, limit, prev2, prev, cur)
    })
}

fn osa_rows<T: PartialEq>(
    a: &[T],
    b: &[T],
    limit: usize,
    prev2: &mut Vec<usize>,
    prev: &mut Vec<usize>,
    cur: &mut Vec<usize>,
) -> Option<usize> {
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(prev2, prev);
        std::mem::swap(prev, cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
}

/// Letter counts of a skill-name-like word (`a-z`, `0-9`, everything else in one bucket).
/// One edit changes them by at most 2 in total, so half their L1 difference is a lower bound
/// of the edit distance that costs far less than computing it.
#[derive(Clone, Copy)]
struct Histogram([u8; 37]);

impl Histogram {
    fn of(word: &str) -> Self {
        let mut h = [0u8; 37];
        for c in word.chars() {
            let i = match c {
                'a'..='z' => c as usize - 'a' as usize,
                '0'..='9' => 26 + (c as usize - '0' as usize),
                _ => 36,
            };
            h[i] = h[i].saturating_add(1);
        }
        Histogram(h)
    }
    fn lower_bound(&self, other: &Histogram) -> usize {
        let l1: usize = self
            .0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| a.abs_diff(*b) as usize)
            .sum();
        l1.div_ceil(2)
    }
}

/// Many candidate words prepared for repeated [`closest`]-style queries.
#[derive(Clone, Default)]
pub struct Dictionary {
    words: Vec<(String, Histogram)>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dictionary({} words)", self.words.len())
    }
}

impl Dictionary {
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut words: Vec<(String, Histogram)> = words
            .into_iter()
            .map(|w| (w.to_string(), Histogram::of(w)))
            .collect();
        words.sort_by(|a, b| a.0.cmp(&b.0));
        words.dedup_by(|a, b| a.0 == b.0);
        Dictionary { words }
    }

    /// Same answer as [`closest`] over the dictionary's words.
    pub fn closest(&self, word: &str) -> Option<&str> {
        let limit = limit_for(word);
        let h = Histogram::of(word);
        let len = word.chars().count();
        let mut best: Option<(usize, &str)> = None;
        for (c, ch) in &self.words {
            let bound = best.map_or(limit, |(d, _)| d.min(limit));
            if c == word || c.len().abs_diff(len) > bound || h.lower_bound(ch) > bound {
                continue;
            }
            if let Some(d) = distance_within(word, c, bound) {
                if best.is_none_or(|(bd, bc)| (d, c.as_str()) < (bd, bc)) {
                    best = Some((d, c));
                }
            }
        }
        best.map(|(_, c)| c)
    }
}

/// How far a suggestion may be from the word: proportional to its length, 1 to 4 edits.
pub fn limit_for(word: &str) -> usize {
    (word.chars().count() / 3).clamp(1, 4)
}

/// The closest candidate within [`limit_for`] the word (ties: alphabetical).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = limit_for(word);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let bound = best.map_or(limit, |(d, _)| d.min(limit));
        if let Some(d) = distance_within(word, c, bound) {
            if best.is_none_or(|(bd, bc)| (d, c) < (bd, bc)) {
                best = Some((d, c));
            }
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_words() {
        assert_eq!(distance("soruces", "sources"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance_within("kitten", "sitting", 2), None);
        assert_eq!(
            closest("soruces", ["spaces", "sources", "scan"]),
            Some("sources")
        );
        assert_eq!(closest("zzz", ["sources"]), None);
        assert_eq!(closest("abd", ["abc", "abe"]), Some("abc"));
        assert_eq!(closest("日本語", ["日本", "x"]), Some("日本"));
        let dict = Dictionary::new(["spaces", "sources", "scan", "abc", "abe"]);
        for w in ["soruces", "zzz", "abd", "sapces", "scna"] {
            assert_eq!(
                dict.closest(w),
                closest(w, ["spaces", "sources", "scan", "abc", "abe"]),
                "{w}"
            );
        }
    }
}
