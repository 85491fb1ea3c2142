//! console-api against the local AWS (moto with the project's extensions).
