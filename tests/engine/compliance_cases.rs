//! Placeholder: filled in by the engine's owner.
