//! `minsheng-exchange`: the reference partner on the command line.
//!
//! ```text
//! minsheng-exchange sign --secret S order.json            # print the three headers
//! minsheng-exchange send --server URL --partner ID --secret S order.json
//! minsheng-exchange receive --bind 127.0.0.1:9000 --secret S   # print status messages
//! ```

use clap::{Parser, Subcommand};
use minsheng_exchange_client::{Client, Receiver, sign, unix_now};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    version,
    about = "Reference partner for minsheng's 12345 work-order exchange"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Prints the X-Timestamp and X-Signature headers for a body file (signed now).
    Sign {
        #[arg(long, env = "MINSHENG_EXCHANGE_SECRET")]
        secret: String,
        #[arg(long)]
        timestamp: Option<i64>,
        file: PathBuf,
    },
    /// Signs a work order (a JSON file) and sends it; prints the answer.
    Send {
        #[arg(long, env = "MINSHENG_EXCHANGE_SERVER")]
        server: String,
        #[arg(long, env = "MINSHENG_EXCHANGE_PARTNER")]
        partner: String,
        #[arg(long, env = "MINSHENG_EXCHANGE_SECRET")]
        secret: String,
        file: PathBuf,
    },
    /// Receives status messages on BIND/status and prints each verified one.
    Receive {
        #[arg(long, default_value = "127.0.0.1:9000")]
        bind: String,
        #[arg(long, env = "MINSHENG_EXCHANGE_SECRET")]
        secret: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Sign {
            secret,
            timestamp,
            file,
        } => {
            let body = std::fs::read(file)?;
            let ts = timestamp.unwrap_or_else(unix_now);
            println!("X-Timestamp: {ts}");
            println!("X-Signature: {}", sign(&secret, ts, &body));
        }
        Cmd::Send {
            server,
            partner,
            secret,
            file,
        } => {
            let body = std::fs::read(file)?;
            let a = Client::new(&server, &partner, &secret)
                .send_body(&body)
                .await?;
            println!("{}", a.status);
            println!("{}", serde_json::to_string_pretty(&a.body)?);
            if a.status >= 400 {
                std::process::exit(1);
            }
        }
        Cmd::Receive { bind, secret } => {
            let r = Receiver::start(&bind, &secret).await?;
            eprintln!("receiving status messages at {}", r.url);
            let mut seen = 0;
            loop {
                let m = r.messages();
                for x in &m[seen..] {
                    println!("{}", String::from_utf8_lossy(&x.body));
                }
                seen = m.len();
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    }
    Ok(())
}
