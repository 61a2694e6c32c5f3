//! Integration tests of `fdtable`, one binary with a module per topic.
//!
//! - `policies`: each policy's rule on hand-picked cases;
//! - `table_ops`: insert_at / remove / renumber / iter / limit semantics;
//! - `model_based`: proptest runs of arbitrary operation plans against
//!   `fdtable::model` under every policy;
//! - `uniformity`: chi-square tests that random and capped are uniform over
//!   the free fds.

mod model_based;
mod policies;
mod table_ops;
mod uniformity;
