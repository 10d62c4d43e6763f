//! `POST /files/batch`: the selection toolbar of the file list (and its form without
//! JavaScript). Move and copy first show a folder picker, a plain form of radio buttons.

use super::*;
use crate::files::batch::{self, Batch, OnConflict, Op, Outcome};
use crate::web::files::collections::{local_path, with_notice};

/// The form, read by hand: `ids` repeats, which `web::Form` cannot take into a list.
struct BatchForm {
    csrf_token: Option<String>,
    op: String,
    ids: Vec<String>,
    /// Present once a folder was picked (empty: the top level).
    folder: Option<String>,
    back: Option<String>,
}

impl BatchForm {
    fn parse(body: &[u8]) -> BatchForm {
        let mut form = BatchForm {
            csrf_token: None,
            op: String::new(),
            ids: Vec::new(),
            folder: None,
            back: None,
        };
        for (key, value) in form_urlencoded::parse(body) {
            match key.as_ref() {
                "csrf_token" => form.csrf_token = Some(value.into_owned()),
                "op" => form.op = value.into_owned(),
                "ids" if !value.is_empty() => form.ids.push(value.into_owned()),
                "folder" => form.folder = Some(value.into_owned()),
                "back" => form.back = Some(value.into_owned()),
                _ => {}
            }
        }
        form
    }
}

struct PickChoice {
    id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "files/pick_folder.html")]
struct PickPage {
    nav: Nav,
    op: String,
    title: String,
    ids: Vec<String>,
    back: String,
    folders: Vec<PickChoice>,
}

#[derive(Template)]
#[template(path = "files/batch_result.html")]
struct ResultPage {
    nav: Nav,
    summary: String,
    back: String,
}

/// `POST /files/batch` (`op`, repeated `ids`, `folder` once picked, `back`)
pub(super) async fn run(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: PageUser,
    loc: Locale,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let me = me.0;
    let form = BatchForm::parse(&body);
    check_csrf(&state, &me, form.csrf_token.as_deref())?;
    let back = form.back.as_deref().and_then(local_path).unwrap_or_else(|| "/files".into());
    if form.ids.is_empty() {
        return Ok(redirect(&with_notice(&back, "nothing_selected")).finish());
    }
    if form.op == "zip" {
        return zip_link(&state, &me, form.ids).await;
    }
    if form.op == "share" {
        // A link is to one file or folder: the form for it (which checks it is the caller's).
        return match form.ids.as_slice() {
            [one] => {
                Ok(redirect(&format!("/shares/new?file={}", crate::web::urlencode(one))).finish())
            }
            _ => Ok(redirect(&with_notice(&back, "share_one")).finish()),
        };
    }
    let op = Op::parse(&form.op)?;
    if matches!(op, Op::Move | Op::Copy) && form.folder.is_none() {
        return pick(&state, &me, &loc, op, form, back).await;
    }
    let batch = Batch {
        op,
        ids: form.ids.into_iter().map(FileId).collect(),
        folder: form.folder.map(|f| folder_param(Some(&f))),
        on_conflict: OnConflict::Rename,
    };
    let total = batch.ids.len();
    let owner = me.user.id.clone();
    let target = batch.folder.clone().flatten();
    let outcomes =
        db::run(&state.db, move |conn| batch::run(conn, &owner, &batch, Utc::now().naive_utc()))
            .await?;
    if super::organize::wants_json(&req) {
        return Ok(json_outcomes(&loc, &outcomes));
    }
    let t = loc.lang.ui();
    let problems: Vec<String> = outcomes
        .iter()
        .filter_map(|(_, o)| match o {
            Outcome::Failed(e) => Some(failure_text(&loc, e)),
            Outcome::Skipped | Outcome::Done(_) => None,
        })
        .collect();
    let notice = match op {
        Op::Move => "moved",
        Op::Copy => "copied",
        Op::Trash => "deleted",
        Op::Restore => "restored",
        Op::Star => "starred",
        Op::Unstar => "unstarred",
    };
    if problems.is_empty() {
        let to = match op {
            Op::Move | Op::Copy => folder_url(target.as_ref(), notice),
            _ => with_notice(&back, notice),
        };
        return Ok(redirect(&to).finish());
    }
    let mut distinct = problems.clone();
    distinct.sort();
    distinct.dedup();
    let page = ResultPage {
        nav: Nav::user(&state, &me, &loc),
        summary: crate::web::i18n::fill(
            t.notice_some_failed,
            &[&problems.len(), &total, &distinct.join("; ")],
        ),
        back,
    };
    html(HttpResponse::Ok(), &page)
}

/// Why one item failed, in the page's language.
fn failure_text(loc: &Locale, e: &AppError) -> String {
    let lang = loc.lang;
    match e {
        // "folder: is a file…" reads badly; the message alone says it.
        AppError::Validation(errors) => errors
            .0
            .values()
            .filter_map(|m| m.first())
            .map(|m| crate::web::i18n::translate(lang, m).to_owned())
            .collect::<Vec<_>>()
            .join("; "),
        other => crate::web::i18n::translate(lang, &other.to_string()).to_owned(),
    }
}

/// The answer to `static/folders.js` (drag to move): `{done: [id], failed: [{id, message}]}`.
fn json_outcomes(loc: &Locale, outcomes: &[(FileId, Outcome)]) -> HttpResponse {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (id, outcome) in outcomes {
        match outcome {
            Outcome::Done(_) => done.push(serde_json::Value::from(id.to_string())),
            Outcome::Skipped => {}
            Outcome::Failed(e) => failed.push(serde_json::json!({
                "id": id.to_string(),
                "message": failure_text(loc, e),
            })),
        }
    }
    HttpResponse::Ok().json(serde_json::json!({ "done": done, "failed": failed }))
}

/// The folder picker of a move or copy: every folder by its path, the top level first.
async fn pick(
    state: &AppState,
    me: &CurrentUser,
    loc: &Locale,
    op: Op,
    form: BatchForm,
    back: String,
) -> Result<HttpResponse, PageError> {
    let owner = me.user.id.clone();
    let all = db::run(&state.db, move |conn| super::folder_choices(conn, &owner)).await?;
    let selected: std::collections::HashSet<&str> = form.ids.iter().map(String::as_str).collect();
    let folders: Vec<PickChoice> = all
        .into_iter()
        .filter(|(id, _)| op == Op::Copy || !selected.contains(id.as_str()))
        .map(|(id, label)| PickChoice { id, label })
        .collect();
    let t = loc.lang.ui();
    let title = if op == Op::Move { t.pick_move_title } else { t.pick_copy_title };
    let page = PickPage {
        nav: Nav::user(state, me, loc),
        op: form.op,
        title: crate::web::i18n::fill(title, &[&form.ids.len()]),
        ids: form.ids,
        back,
        folders,
    };
    html(HttpResponse::Ok(), &page)
}

/// "Download as ZIP": a link to the selection's archive (bound to this session), followed at
/// once; the browser downloads it and stays on the page.
async fn zip_link(
    state: &AppState,
    me: &CurrentUser,
    ids: Vec<String>,
) -> Result<HttpResponse, PageError> {
    use crate::files::zip::{self, Context, Source, links};
    if ids.len() > batch::MAX_BATCH {
        return Err(AppError::Validation(FieldErrors::single(
            "ids",
            format!("must list at most {} ids", batch::MAX_BATCH),
        ))
        .into());
    }
    let ids: Vec<FileId> = ids.into_iter().map(FileId).collect();
    let now = Utc::now().naive_utc();
    let ctx =
        Context { db: &state.db, storage: state.storage.clone(), limits: state.config.zip_limits };
    // Planned first, so a foreign id (404) or an archive over the limits (413) is refused here.
    zip::prepare(&ctx, me.user.id.clone(), Source::Selection(ids.clone()), false, now).await?;
    let (owner, sid, end) = (me.user.id.clone(), me.session.id.clone(), me.session.expires_at);
    let ttl = state.config.zip_url_ttl_seconds;
    let minted =
        db::run(&state.db, move |conn| links::mint(conn, &owner, (&sid, end), &ids, ttl, now))
            .await?;
    Ok(redirect(&minted.url).finish())
}
