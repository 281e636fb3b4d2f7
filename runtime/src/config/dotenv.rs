//! `.env` files as the runtime's bootstrap reads them (spec §3.1): `KEY=VALUE` split at the
//! first `=`, optional `export `, one pair of matching quotes removed, no inline comments.

/// One assignment, with the 0-based line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub key: String,
    pub value: String,
    pub line: usize,
}

pub fn parse(text: &str) -> Vec<Assignment> {
    let mut out = Vec::new();
    for (line_no, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            continue;
        }
        let mut value = value.trim();
        for q in ['"', '\''] {
            if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
                value = &value[1..value.len() - 1];
                break;
            }
        }
        out.push(Assignment {
            key: key.to_string(),
            value: value.to_string(),
            line: line_no,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_inline_comments_and_strips_one_quote_pair() {
        let a = parse("# c\nexport A = 'x'\nB=\"y\"\nD=4 # x\nnoequals\n=v\n");
        let kv: Vec<_> = a
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(kv, [("A", "x"), ("B", "y"), ("D", "4 # x")]);
    }
}
