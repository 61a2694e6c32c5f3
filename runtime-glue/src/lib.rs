//! runtime-glue (work in progress).
