//! fdtable (work in progress).
