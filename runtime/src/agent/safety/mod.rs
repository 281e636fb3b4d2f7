//! The safety gate (spec §4): guard risk rules, shell intent parsing, policy decisions,
//! sanitized approval requests, and the byte-exact `approval_key`.
