//! `minsheng hotspots` (in progress).

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// CSV with the columns id,user,title,time,body,likes,dislikes.
    #[arg(long)]
    pub data: std::path::PathBuf,
    /// How many hotspots to print.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
}

pub fn run(_a: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
