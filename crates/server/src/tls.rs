//! TLS for what the server sends out: the 12345 status feed and the SMS gateway over HTTPS,
//! e-mail over SMTPS or STARTTLS. rustls with the ring provider (aws-lc-rs would add a slow C
//! build); certificates are checked against the system's trust store (HTTP) or the Mozilla
//! roots compiled in (SMTP).

use std::sync::Once;

static PROVIDER: Once = Once::new();

/// Installs ring as the process's rustls provider, once; reqwest needs one before any client
/// is built.
pub fn ensure_provider() {
    PROVIDER.call_once(|| {
        // Err means another provider was installed first (a test harness, say): that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A reqwest client builder that speaks HTTPS.
pub fn client_builder() -> reqwest::ClientBuilder {
    ensure_provider();
    reqwest::Client::builder()
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncReadExt;

    /// An `https://` URL is spoken to in TLS: the first byte the peer receives opens a TLS
    /// handshake record (0x16), not an HTTP request line.
    #[tokio::test]
    async fn https_urls_start_a_tls_handshake() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let peer = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut first = [0u8; 3];
            s.read_exact(&mut first).await.unwrap();
            first
        });
        let client = super::client_builder()
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .expect("an HTTPS client");
        // The peer never answers the handshake: the request fails, after the bytes were read.
        let sent = client
            .post(format!("https://127.0.0.1:{port}/status"))
            .body("{}")
            .send();
        let (first, _) = tokio::join!(peer, sent);
        let first = first.unwrap();
        assert_eq!(first[0], 0x16, "TLS handshake record");
        assert_eq!(first[1], 0x03, "TLS major version");
    }
}
