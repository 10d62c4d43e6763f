//! The command line: `homedisk` serves; `homedisk admin create NAME` makes an admin account;
//! `homedisk admin fsck` checks the blob rows against the store; `homedisk admin reset-2fa
//! NAME` turns an account's two-factor login off; `homedisk admin backup DIR` copies a running
//! single-box instance; `--help` lists the configuration variables.

use std::io::BufRead;

use chrono::Utc;

use crate::auth::password;
use crate::config::{Config, VARIABLES};
use crate::startup::{self, StartupError};
use crate::users::{self, RegisterInput};

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Help,
    Version,
    /// `admin create NAME [--email E] [--phone P] [--password-stdin]`
    AdminCreate {
        username: String,
        email: Option<String>,
        phone: Option<String>,
        password_stdin: bool,
    },
    /// `admin fsck [--repair] [--grace-hours H]`
    AdminFsck {
        repair: bool,
        grace_hours: u64,
    },
    /// `admin reset-2fa NAME`
    AdminReset2fa {
        username: String,
    },
    /// `admin backup DIR`
    AdminBackup {
        dir: std::path::PathBuf,
    },
}

pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let args: Vec<String> = args.into_iter().collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => Ok(Command::Serve),
        ["-h" | "--help" | "help", ..] => Ok(Command::Help),
        ["-V" | "--version"] => Ok(Command::Version),
        ["admin", "create", name, rest @ ..] if !name.starts_with('-') => {
            let (mut email, mut phone, mut password_stdin) = (None, None, false);
            let mut rest = rest.iter();
            while let Some(flag) = rest.next() {
                match *flag {
                    "--email" => {
                        email = Some(rest.next().ok_or("--email needs a value")?.to_string())
                    }
                    "--phone" => {
                        phone = Some(rest.next().ok_or("--phone needs a value")?.to_string())
                    }
                    "--password-stdin" => password_stdin = true,
                    other => return Err(format!("unknown option `{other}` for `admin create`")),
                }
            }
            Ok(Command::AdminCreate { username: name.to_string(), email, phone, password_stdin })
        }
        ["admin", "fsck", rest @ ..] => {
            let (mut repair, mut grace_hours) = (false, 24);
            let mut rest = rest.iter();
            while let Some(flag) = rest.next() {
                match *flag {
                    "--repair" => repair = true,
                    "--grace-hours" => {
                        grace_hours = rest
                            .next()
                            .and_then(|h| h.parse().ok())
                            .ok_or("--grace-hours needs a whole number of hours")?
                    }
                    other => return Err(format!("unknown option `{other}` for `admin fsck`")),
                }
            }
            Ok(Command::AdminFsck { repair, grace_hours })
        }
        ["admin", "reset-2fa", name] if !name.starts_with('-') => {
            Ok(Command::AdminReset2fa { username: name.to_string() })
        }
        ["admin", "backup", dir] if !dir.starts_with('-') => {
            Ok(Command::AdminBackup { dir: dir.into() })
        }
        ["admin", ..] => Err("usage: homedisk admin create NAME [--email E] [--phone P] \
             [--password-stdin]\n       homedisk admin fsck [--repair] [--grace-hours H]\n       \
             homedisk admin reset-2fa NAME\n       homedisk admin backup DIR"
            .into()),
        [other, ..] => Err(format!("unknown command `{other}`")),
    }
}

pub fn help() -> String {
    let mut out = String::from(
        "homedisk: a self-hosted personal disk\n\n\
         USAGE:\n  \
         homedisk                      serve the web app and the API\n  \
         homedisk admin create NAME [--email E] [--phone P] [--password-stdin]\n                                \
         create an administrator account (the password is read\n                                \
         from stdin, or generated and printed once)\n  \
         homedisk admin fsck [--repair] [--grace-hours H]\n                                \
         list blob rows without stored objects and objects\n                                \
         without rows; --repair removes such objects older\n                                \
         than H hours (default 24)\n  \
         homedisk admin reset-2fa NAME turn off the account's two-factor login (a lost\n                                \
         authenticator and lost recovery codes)\n  \
         homedisk admin backup DIR     copy the database (a consistent snapshot), secret.key\n                                \
         and blobs/ into a new or empty DIR while the server\n                                \
         runs (SQLite and local storage only)\n  \
         homedisk --help | --version\n\n\
         CONFIGURATION (environment variables, also read from ./.env):\n",
    );
    for v in VARIABLES {
        out.push_str(&format!(
            "  {:<36} {}\n  {:<36} default: {}\n",
            v.name, v.meaning, "", v.default
        ));
    }
    out
}

pub fn execute(command: Command, config: Config) -> Result<(), StartupError> {
    match command {
        Command::Serve => actix_web::rt::System::new().block_on(startup::run(config)),
        Command::AdminCreate { username, email, phone, password_stdin } => {
            admin_create(config, username, email, phone, password_stdin)
        }
        Command::AdminFsck { repair, grace_hours } => admin_fsck(config, repair, grace_hours),
        Command::AdminReset2fa { username } => admin_reset_2fa(config, &username),
        Command::AdminBackup { dir } => admin_backup(&config, &dir),
        Command::Help | Command::Version => Ok(()),
    }
}

/// Prints what `files::fsck` found; fails (exit status 1) unless all is consistent.
fn admin_fsck(config: Config, repair: bool, grace_hours: u64) -> Result<(), StartupError> {
    let basics = startup::open_basics(config)?;
    let mut conn = basics.db.get().map_err(|e| StartupError::Other(e.to_string()))?;
    let grace = std::time::Duration::from_secs(grace_hours.saturating_mul(3600));
    let cutoff = repair.then(|| std::time::SystemTime::now() - grace);
    let report = crate::files::fsck::check(&mut conn, basics.storage.as_ref(), cutoff)
        .map_err(|e| StartupError::Other(format!("fsck failed: {e}")))?;
    println!("{} blob rows, {} stored objects", report.rows, report.objects);
    for key in &report.missing {
        println!(
            "missing object: {key} (its files cannot be downloaded; restore it from a backup)"
        );
    }
    for orphan in &report.orphans {
        let age = orphan.modified.elapsed().unwrap_or_default().as_secs() / 60;
        let fate = if report.removed.contains(&orphan.key) {
            "removed"
        } else if repair {
            "kept: younger than the grace period"
        } else {
            "run with --repair to remove"
        };
        println!("orphan object: {} (stored {age} min ago; {fate})", orphan.key);
    }
    if report.is_clean() {
        println!("fsck: clean");
        Ok(())
    } else {
        Err(StartupError::Other(format!(
            "fsck: {} missing object(s), {} orphan object(s) left",
            report.missing.len(),
            report.orphans.len() - report.removed.len()
        )))
    }
}

fn admin_create(
    config: Config,
    username: String,
    email: Option<String>,
    phone: Option<String>,
    password_stdin: bool,
) -> Result<(), StartupError> {
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            StartupError::Other(format!("cannot read the password from stdin: {e}"))
        })?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (random_password(), true)
    };
    let account = users::validate_registration(&RegisterInput { username, password, email, phone })
        .map_err(|e| StartupError::Other(e.to_string()))?;
    let basics = startup::open_basics(config)?;
    let mut conn = basics.db.get().map_err(|e| StartupError::Other(e.to_string()))?;
    let hash = password::hash(&account.password, basics.config.bcrypt_cost)
        .map_err(|e| StartupError::Other(e.to_string()))?;
    let user = users::insert_account(
        &mut conn,
        &account,
        &hash,
        basics.config.default_quota_bytes,
        true,
        Utc::now().naive_utc(),
    )
    .map_err(|e| StartupError::Other(e.to_string()))?;
    println!("created administrator `{}` (id {})", user.username, user.id);
    if generated {
        println!("password: {}\n(shown once; change it on the Account page)", account.password);
    }
    Ok(())
}

/// Copies the instance into `dir` and says what was copied and how to restore it.
fn admin_backup(config: &Config, dir: &std::path::Path) -> Result<(), StartupError> {
    let report = crate::backup::run(config, dir)
        .map_err(|e| StartupError::Other(format!("backup failed: {e}")))?;
    println!("database: {} bytes (a consistent snapshot)", report.database_bytes);
    if report.key_copied {
        println!("secret.key: copied");
    } else {
        println!("secret.key: not copied (HOMEDISK_SECRET_KEY is set: keep it with the backup)");
    }
    println!("blobs: {} files, {} bytes", report.blobs, report.blob_bytes);
    if report.vanished > 0 {
        println!(
            "{} blob(s) were deleted by the server during the copy (files purged after the \
             database snapshot); `homedisk admin fsck` on the restored copy lists them",
            report.vanished
        );
    }
    println!(
        "backup complete in {}; to restore, start homedisk with HOMEDISK_DATA_DIR set to a copy \
         of it (thumbnails are made again)",
        dir.display()
    );
    Ok(())
}

/// Turns off `username`'s two-factor login (audited, with no acting user: the console).
fn admin_reset_2fa(config: Config, username: &str) -> Result<(), StartupError> {
    let basics = startup::open_basics(config)?;
    let mut conn = basics.db.get().map_err(|e| StartupError::Other(e.to_string()))?;
    let fail = |e: crate::error::AppError| StartupError::Other(e.to_string());
    let user = crate::db::models::users::find_by_username(&mut conn, username)
        .map_err(|e| fail(e.into()))?
        .ok_or_else(|| StartupError::Other(format!("no account is named `{username}`")))?;
    let origin =
        crate::audit::Origin { user_agent: Some("homedisk admin reset-2fa".into()), ip: None };
    users::totp::admin_reset(&mut conn, None, &user, &origin).map_err(fail)?;
    println!("two-factor login of `{}` is off; they log in with the password alone", user.username);
    Ok(())
}

/// 20 characters from an unambiguous alphabet (about 110 bits).
fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    // Without OS randomness nothing secure can be made; failing loudly is right.
    getrandom::fill(&mut bytes).expect("the OS random number generator is unavailable");
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn commands_parse() {
        assert_eq!(p(&[]), Ok(Command::Serve));
        assert_eq!(p(&["--help"]), Ok(Command::Help));
        assert_eq!(
            p(&["admin", "create", "root", "--password-stdin"]),
            Ok(Command::AdminCreate {
                username: "root".into(),
                email: None,
                phone: None,
                password_stdin: true
            })
        );
        assert!(p(&["admin", "create"]).is_err());
        assert_eq!(
            p(&["admin", "fsck"]),
            Ok(Command::AdminFsck { repair: false, grace_hours: 24 })
        );
        assert_eq!(
            p(&["admin", "fsck", "--repair", "--grace-hours", "0"]),
            Ok(Command::AdminFsck { repair: true, grace_hours: 0 })
        );
        assert!(p(&["admin", "fsck", "--grace-hours", "soon"]).is_err());
        assert!(p(&["admin", "create", "root", "--bogus"]).is_err());
        assert_eq!(
            p(&["admin", "reset-2fa", "alice"]),
            Ok(Command::AdminReset2fa { username: "alice".into() })
        );
        assert!(p(&["admin", "reset-2fa"]).is_err());
        assert_eq!(
            p(&["admin", "backup", "/srv/backup"]),
            Ok(Command::AdminBackup { dir: "/srv/backup".into() })
        );
        assert!(p(&["admin", "backup"]).is_err());
        assert!(p(&["frobnicate"]).is_err());
    }

    #[test]
    fn help_lists_every_variable() {
        let h = help();
        for v in VARIABLES {
            assert!(h.contains(v.name), "{} missing from --help", v.name);
        }
    }
}
