//! Confinement of an app password to one folder: every file it names must be that folder or
//! inside it, every operation without a folder happens in it, and anything else reads as
//! missing (404), exactly like another user's file.
//!
//! A folder that is gone (trashed, purged) contains nothing, so a confined credential whose
//! folder went can reach nothing, never everything.

use std::collections::HashSet;

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::{self, FileRow};
use crate::error::AppError;

/// The deepest folder chain walked before giving up (the tree is never that deep; a damaged
/// tree with a cycle must not loop).
const MAX_DEPTH: usize = 1000;

/// Answers "is this inside the folder?" for one request, remembering the folders it has
/// already placed, so a batch of a thousand ids in one folder costs one walk.
pub struct Confinement<'a> {
    owner: &'a UserId,
    root: &'a FileId,
    inside: HashSet<FileId>,
    outside: HashSet<FileId>,
}

impl<'a> Confinement<'a> {
    pub fn new(owner: &'a UserId, root: &'a FileId) -> Self {
        Confinement { owner, root, inside: HashSet::new(), outside: HashSet::new() }
    }

    /// The folder itself.
    pub fn root(&self) -> &FileId {
        self.root
    }

    /// Whether the live row `id` is the folder or inside it.
    pub fn contains(&mut self, conn: &mut DbConn, id: &FileId) -> Result<bool, AppError> {
        let mut walked = Vec::new();
        let mut next = Some(id.clone());
        let verdict = loop {
            let Some(current) = next else { break false };
            if current == *self.root || self.inside.contains(&current) {
                break true;
            }
            if self.outside.contains(&current) || walked.len() > MAX_DEPTH {
                break false;
            }
            next = match files::find_owned(conn, self.owner, &current) {
                Ok(row) => row.parent_id,
                Err(diesel::result::Error::NotFound) => None,
                Err(e) => return Err(e.into()),
            };
            walked.push(current);
        };
        let memo = if verdict { &mut self.inside } else { &mut self.outside };
        memo.extend(walked);
        Ok(verdict)
    }

    /// `NotFound` unless `id` is the folder or inside it.
    pub fn check(&mut self, conn: &mut DbConn, id: &FileId) -> Result<(), AppError> {
        if self.contains(conn, id)? { Ok(()) } else { Err(AppError::NotFound) }
    }

    /// `NotFound` unless `id` is strictly inside the folder: the folder itself cannot be
    /// renamed, moved or deleted through a credential confined to it.
    pub fn check_inside(&mut self, conn: &mut DbConn, id: &FileId) -> Result<(), AppError> {
        if id == self.root {
            return Err(AppError::NotFound);
        }
        self.check(conn, id)
    }

    /// The folder an operation happens in: the one asked for (checked), else the
    /// confinement's own (where "the root" is, for this credential).
    pub fn folder(
        &mut self,
        conn: &mut DbConn,
        asked: Option<FileId>,
    ) -> Result<Option<FileId>, AppError> {
        match asked {
            Some(id) => {
                self.check(conn, &id)?;
                Ok(Some(id))
            }
            None => Ok(Some(self.root.clone())),
        }
    }

    /// The rows that are inside the folder, in their order.
    pub fn keep(
        &mut self,
        conn: &mut DbConn,
        rows: Vec<FileRow>,
    ) -> Result<Vec<FileRow>, AppError> {
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            if self.contains(conn, &row.id)? {
                kept.push(row);
            }
        }
        Ok(kept)
    }
}
