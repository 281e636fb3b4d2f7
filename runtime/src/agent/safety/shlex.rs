//! Python's `shlex.split` (POSIX mode, no comments), `shlex.quote` and `shlex.join`.
//!
//! The reference tokenizes shell strings with them (guard unwrapping, intent parsing) and matches
//! allow/deny prefixes against `shlex.join(argv)`, so every quirk is kept: only space, tab, CR
//! and LF separate words; inside double quotes a backslash escapes only `"` and `\` (so `"\$"`
//! keeps its backslash); outside quotes a backslash escapes any character, a newline included.

/// Why `shlex.split` raised `ValueError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// `No closing quotation`
    NoClosingQuotation,
    /// `No escaped character`: the text ends with a backslash.
    NoEscapedCharacter,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SplitError::NoClosingQuotation => "No closing quotation",
            SplitError::NoEscapedCharacter => "No escaped character",
        })
    }
}

impl std::error::Error for SplitError {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between words.
    Blank,
    /// Inside an unquoted word.
    Word,
    /// Inside `'…'` or `"…"`.
    Quoted(char),
    /// After a backslash; the state to return to afterwards.
    Escape(Escaped),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Escaped {
    Word,
    DoubleQuoted,
}

fn is_shlex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// `shlex.split(text)`.
pub fn split(text: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A quote pair was seen in the current word, so it is emitted even when empty (`''`).
    let mut quoted = false;
    let mut state = State::Blank;
    for c in text.chars() {
        match state {
            State::Blank => {
                if is_shlex_space(c) {
                    continue;
                }
                match c {
                    '\\' => state = State::Escape(Escaped::Word),
                    '\'' | '"' => state = State::Quoted(c),
                    _ => {
                        word.push(c);
                        state = State::Word;
                    }
                }
            }
            State::Word => {
                if is_shlex_space(c) {
                    if !word.is_empty() || quoted {
                        words.push(std::mem::take(&mut word));
                    }
                    quoted = false;
                    state = State::Blank;
                    continue;
                }
                match c {
                    '\\' => state = State::Escape(Escaped::Word),
                    '\'' | '"' => state = State::Quoted(c),
                    _ => word.push(c),
                }
            }
            State::Quoted(q) => {
                quoted = true;
                if c == q {
                    state = State::Word;
                } else if c == '\\' && q == '"' {
                    state = State::Escape(Escaped::DoubleQuoted);
                } else {
                    word.push(c);
                }
            }
            State::Escape(back) => {
                if back == Escaped::DoubleQuoted && c != '\\' && c != '"' {
                    word.push('\\');
                }
                word.push(c);
                state = match back {
                    Escaped::Word => State::Word,
                    Escaped::DoubleQuoted => State::Quoted('"'),
                };
            }
        }
    }
    match state {
        State::Quoted(_) => Err(SplitError::NoClosingQuotation),
        State::Escape(_) => Err(SplitError::NoEscapedCharacter),
        State::Word => {
            if !word.is_empty() || quoted {
                words.push(word);
            }
            Ok(words)
        }
        State::Blank => Ok(words),
    }
}

/// `shlex.quote(word)`: unchanged when made only of ASCII letters, digits and `_@%+=:,./-`;
/// otherwise single-quoted with each `'` written as `'"'"'`.
pub fn quote(word: &str) -> String {
    if word.is_empty() {
        return "''".to_string();
    }
    let safe = word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if safe {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\"'\"'"))
}

/// `shlex.join(argv)` (= `" ".join(shlex.quote(x) for x in argv)`).
pub fn join<S: AsRef<str>>(argv: &[S]) -> String {
    argv.iter()
        .map(|w| quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<String> {
        split(text).unwrap()
    }

    #[test]
    fn splits_on_ascii_blanks_only() {
        assert_eq!(ok(" a\tb\r\nc  "), ["a", "b", "c"]);
        assert_eq!(ok("a\u{a0}b\u{b}c"), ["a\u{a0}b\u{b}c"]);
        assert!(ok("").is_empty());
        assert!(ok(" \t ").is_empty());
    }

    #[test]
    fn quotes_join_adjacent_text_and_keep_empty_words() {
        assert_eq!(ok("a'b c'd \"e f\""), ["ab cd", "e f"]);
        assert_eq!(ok("'' \"\" x''"), ["", "", "x"]);
        assert_eq!(ok("'a\\b'"), ["a\\b"]);
    }

    #[test]
    fn backslash_in_double_quotes_escapes_only_quote_and_backslash() {
        assert_eq!(ok(r#""a\"b\\c\$d\n""#), ["a\"b\\c\\$d\\n"]);
        assert_eq!(ok("a\\ b \\\n \\x"), ["a b", "\n", "x"]);
    }

    #[test]
    fn unterminated_input_fails() {
        assert_eq!(split("'abc"), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("\"a\\\""), Err(SplitError::NoClosingQuotation));
        assert_eq!(split("abc\\"), Err(SplitError::NoEscapedCharacter));
    }

    #[test]
    fn quote_leaves_safe_words_and_single_quotes_the_rest() {
        assert_eq!(quote("git"), "git");
        assert_eq!(quote("a=b,c:d/e.f-g@h%i+j_k"), "a=b,c:d/e.f-g@h%i+j_k");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\"'\"'s'");
        assert_eq!(quote("é"), "'é'");
        assert_eq!(join(&["git", "commit", "-m", "x y"]), "git commit -m 'x y'");
    }
}
