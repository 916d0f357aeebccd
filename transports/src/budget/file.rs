//! `FileBudget`: one window shared by the processes of one machine, in a small locked file.

use std::path::PathBuf;
use std::time::Duration;

use clerk_moderation_core::RateLimit;

use super::{Budget, BudgetError, Slot, Take};

/// A rate window shared by the processes of one machine through a small file, locked while it
/// is read and written.
#[derive(Debug)]
pub struct FileBudget {
    path: PathBuf,
}

impl FileBudget {
    /// A window kept in the file at `path` (made if missing).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Budget for FileBudget {
    fn take(&self, limit: RateLimit, lease: Duration) -> Result<Take, BudgetError> {
        let _ = (limit, lease);
        Err(BudgetError::new(
            self.path.display().to_string(),
            "not written yet",
            std::io::Error::other("FileBudget is a stub"),
        ))
    }

    fn release(&self, slot: Slot, per: Duration) -> Result<(), BudgetError> {
        let _ = (slot, per);
        Ok(())
    }
}
