//! Integration tests for `netaddr`: known answers per layout, property
//! round trips between every pair of layouts, and robustness on arbitrary bytes.

mod known_answers;
