//! `minsheng users add|list`.

use crate::setup::StoreArgs;
use minsheng_core::access::Role;
use minsheng_server::api::admin::{NewUserRequest, add_user};
use std::io::BufRead;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add a staff user. The password is read from MINSHENG_PASSWORD or the first line of stdin.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// intake, coordinator, handler, supervisor or admin
        #[arg(long)]
        role: String,
        /// Unit id (required for intake, coordinator and handler).
        #[arg(long)]
        unit: Option<String>,
    },
    /// Set (or with an empty value clear) a staff user's e-mail, where supervision orders to
    /// their unit are sent.
    SetEmail {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
    /// List staff users.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run(c: Command) -> anyhow::Result<ExitCode> {
    match c {
        Command::SetEmail {
            store,
            username,
            email,
        } => {
            let email = match email.trim() {
                "" => None,
                e => Some(
                    minsheng_core::petitioner::Email::parse(e)
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                ),
            };
            let st = store.open_state().await?;
            if !st
                .store
                .set_user_email(&username, email.as_ref().map(|e| e.as_str()))
                .await?
            {
                anyhow::bail!("no such user: {username}");
            }
            st.store.audit("cli", "user_email_set", &username).await?;
            println!("邮箱已设置 / e-mail set: {username}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Add {
            store,
            username,
            display_name,
            role,
            unit,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "role must be intake, coordinator, handler, supervisor, analyst or admin"
                )
            })?;
            let password = match std::env::var("MINSHENG_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password (one line on stdin):");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let st = store.open_state().await?;
            let user = add_user(
                &st,
                NewUserRequest {
                    username,
                    display_name,
                    password,
                    role,
                    unit,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            st.store
                .audit(
                    "cli",
                    "user_added",
                    &format!("{} as {}", user.username, role.as_str()),
                )
                .await?;
            println!(
                "用户已添加 / user added: {} ({})",
                user.username,
                role.as_str()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::List { store } => {
            let st = store.open_state().await?;
            for u in st.store.list_users().await? {
                println!(
                    "{:<24} {:<12} {:<16} {}{}",
                    u.username,
                    u.role.as_str(),
                    u.unit.as_deref().unwrap_or("-"),
                    u.display_name,
                    if u.active { "" } else { " (disabled)" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
