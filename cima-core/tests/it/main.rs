//! cima-core's integration tests: the contracts it types, held against the other side of each.

mod modules;
