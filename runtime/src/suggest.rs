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
pub fn distance(a: &str, b: &str) -> usize {
    distance_within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

fn osa<T: PartialEq>(a: &[T], b: &[T], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut prev2 = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
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
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= limit)
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
    }
}
