//! Conformance tooling for clerk-moderation: a Clerk Backend API emulator, an independent
//! request decoder, proptest strategies and a transport test kit.

pub mod decoder;
pub mod emulator;
pub mod kit;
pub mod strategies;
