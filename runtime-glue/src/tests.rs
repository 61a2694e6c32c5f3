//! Unit tests: host calls over an in-memory guest buffer.
