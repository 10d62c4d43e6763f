//! Batch operations: one operation on up to [`MAX_BATCH`] items, each in its own transaction,
//! each with its own result: one item that cannot move does not stop the others.

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::db::ids::{FileId, UserId};
use crate::db::models::files::{self, FileRow};
use crate::db::models::trash as trash_rows;
use crate::error::{AppError, FieldErrors};
use crate::files::copy::{self, Target};
use crate::files::{folder, free_name, rename_move, trash, would_cycle};

pub const MAX_BATCH: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Move,
    Copy,
    Trash,
    Restore,
    Star,
    Unstar,
}

impl Op {
    pub fn parse(raw: &str) -> Result<Op, AppError> {
        Ok(match raw {
            "move" => Op::Move,
            "copy" => Op::Copy,
            "trash" => Op::Trash,
            "restore" => Op::Restore,
            "star" => Op::Star,
            "unstar" => Op::Unstar,
            _ => {
                return Err(AppError::Validation(FieldErrors::single(
                    "op",
                    "must be move, copy, trash, restore, star or unstar",
                )));
            }
        })
    }
}

/// What to do when the name is taken in the target folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// `name (1).ext`.
    Rename,
    /// Leave the item where it is; its result says `skipped`.
    Skip,
    /// Its result says `conflict`.
    Fail,
}

impl OnConflict {
    pub fn parse(raw: Option<&str>) -> Result<OnConflict, AppError> {
        Ok(match raw {
            None | Some("rename") => OnConflict::Rename,
            Some("skip") => OnConflict::Skip,
            Some("fail") => OnConflict::Fail,
            Some(_) => {
                return Err(AppError::Validation(FieldErrors::single(
                    "on_conflict",
                    "must be rename, skip or fail",
                )));
            }
        })
    }
}

/// A batch as asked for.
#[derive(Debug, Clone)]
pub struct Batch {
    pub op: Op,
    pub ids: Vec<FileId>,
    /// For move and copy: the target folder (`None`: the root). For restore: `Some` to
    /// restore there instead of where each item was.
    pub folder: Option<Option<FileId>>,
    pub on_conflict: OnConflict,
}

/// One item's outcome.
#[derive(Debug)]
pub enum Outcome {
    /// Done; the item as it is now (none for trash).
    Done(Option<Box<FileRow>>),
    /// Left alone: its name was taken and the batch said `skip`.
    Skipped,
    Failed(AppError),
}

type Step = Result<Outcome, AppError>;

/// Checks the batch's shape before anything runs.
pub fn validate(batch: &Batch) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    if batch.ids.is_empty() {
        errors.add("ids", "must list at least one id");
    } else if batch.ids.len() > MAX_BATCH {
        errors.add("ids", format!("must list at most {MAX_BATCH} ids"));
    }
    if matches!(batch.op, Op::Move | Op::Copy) && batch.folder.is_none() {
        errors.add("folder", "is required for move and copy (null is the root)");
    }
    errors.into_result()
}

/// Runs the batch, item by item, in the order given (a repeated id runs once per mention).
pub fn run(
    conn: &mut DbConn,
    owner: &UserId,
    batch: &Batch,
    now: NaiveDateTime,
) -> Result<Vec<(FileId, Outcome)>, AppError> {
    validate(batch)?;
    let target = batch.folder.as_ref().map(Option::as_ref);
    let mut results = Vec::with_capacity(batch.ids.len());
    // Copies share one budget of rows: a thousand ids cannot each copy a large tree.
    let mut copy_budget = copy::MAX_COPY_ENTRIES;
    for id in &batch.ids {
        let step = match batch.op {
            Op::Move => move_one(conn, owner, id, target.flatten(), batch.on_conflict, now),
            Op::Copy => {
                let into = target.flatten();
                copy_one(conn, owner, id, into, batch.on_conflict, now, &mut copy_budget)
            }
            Op::Trash => trash::trash(conn, owner, id, now).map(|_| Outcome::Done(None)),
            Op::Restore => {
                trash::restore(conn, owner, id, target).map(|r| Outcome::Done(Some(Box::new(r))))
            }
            Op::Star | Op::Unstar => star(conn, owner, id, batch.op == Op::Star),
        };
        let outcome = match step {
            Ok(outcome) => outcome,
            // A failure of the database itself fails the request, not one item.
            Err(e @ (AppError::DatabaseUnavailable(_) | AppError::Internal(_))) => return Err(e),
            Err(e) => Outcome::Failed(e),
        };
        results.push((id.clone(), outcome));
    }
    Ok(results)
}

fn move_one(
    conn: &mut DbConn,
    owner: &UserId,
    id: &FileId,
    into: Option<&FileId>,
    on_conflict: OnConflict,
    now: NaiveDateTime,
) -> Step {
    let row = files::find_owned(conn, owner, id)?;
    let target = folder(conn, owner, into)?;
    if would_cycle(conn, owner, &row, target.as_ref())? {
        return Err(AppError::Conflict(
            "a folder cannot move into itself or one of its subfolders".into(),
        ));
    }
    if row.parent_id.as_ref() == into {
        return Ok(Outcome::Done(Some(Box::new(row))));
    }
    let Some(name) = free_or(conn, owner, into, &row.name, on_conflict)? else {
        return Ok(Outcome::Skipped);
    };
    // The checks run again under the tree lock inside `rename_move`.
    rename_move(conn, owner, id, Some(&name), Some(into), now)
        .map(|r| Outcome::Done(Some(Box::new(r))))
}

fn copy_one(
    conn: &mut DbConn,
    owner: &UserId,
    id: &FileId,
    into: Option<&FileId>,
    on_conflict: OnConflict,
    now: NaiveDateTime,
    budget: &mut usize,
) -> Step {
    let row = files::find_owned(conn, owner, id)?;
    let name = match on_conflict {
        // `copy` makes the name free itself, under its lock.
        OnConflict::Rename => None,
        _ => match free_or(conn, owner, into, &row.name, on_conflict)? {
            Some(name) => Some(name),
            None => return Ok(Outcome::Skipped),
        },
    };
    let target = Target { into: Some(into), name: name.as_deref() };
    let (row, made) = copy::copy_at_most(conn, owner, id, &target, now, *budget)?;
    *budget = budget.saturating_sub(made);
    Ok(Outcome::Done(Some(Box::new(row))))
}

/// The name to use in `into`: `name` if free; else by `on_conflict` a free variant, `None`
/// (skip), or a `conflict` error.
fn free_or(
    conn: &mut DbConn,
    owner: &UserId,
    into: Option<&FileId>,
    name: &str,
    on_conflict: OnConflict,
) -> Result<Option<String>, AppError> {
    if !files::name_taken(conn, owner, into, name, None)? {
        return Ok(Some(name.to_owned()));
    }
    match on_conflict {
        OnConflict::Rename => free_name(conn, owner, into, name).map(Some),
        OnConflict::Skip => Ok(None),
        OnConflict::Fail => {
            Err(AppError::Conflict(format!("`{name}` already exists in the target folder")))
        }
    }
}

fn star(conn: &mut DbConn, owner: &UserId, id: &FileId, on: bool) -> Step {
    if trash_rows::set_starred(conn, owner, std::slice::from_ref(id), on)? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(Outcome::Done(Some(Box::new(files::find_owned(conn, owner, id)?))))
}
