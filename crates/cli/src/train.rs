//! `minsheng train` and `minsheng eval-classifier` (in progress).

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct TrainArgs {
    /// CSV with the columns id,label,time,title,body,tokens,form.
    #[arg(long)]
    pub data: std::path::PathBuf,
    /// Where to write the model.
    #[arg(long)]
    pub out: std::path::PathBuf,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    #[arg(long)]
    pub model: std::path::PathBuf,
    /// CSV with the columns id,label,time,title,body.
    #[arg(long)]
    pub data: std::path::PathBuf,
}

pub fn train(_a: TrainArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}

pub fn eval(_a: EvalArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
