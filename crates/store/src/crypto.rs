//! Field encryption for personal data (AEAD: XChaCha20-Poly1305 with random 24-byte nonces) and
//! keyed blind-index hashes for equality look-ups. The master key lives outside the database:
//! `MINSHENG_KEY` (64 hex digits) or a key file created with mode 0600 beside it.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("MINSHENG_KEY must be 64 hexadecimal digits")]
    BadEnv,
    #[error("key file {0} is malformed (expected 64 hexadecimal digits)")]
    BadFile(String),
    #[error("key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("no randomness available: {0}")]
    Random(String),
}

/// Decryption failed: wrong key or altered ciphertext.
#[derive(Debug, thiserror::Error)]
#[error("personal data could not be decrypted (wrong key or altered data)")]
pub struct OpenError;

#[derive(Clone)]
pub struct Sealer {
    aead: XChaCha20Poly1305,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| KeyError::Random(e.to_string()))?;
    Ok(b)
}

impl Sealer {
    pub fn from_master(master: &[u8; 32]) -> Self {
        let enc = blake3::derive_key("minsheng 2026 personal-data encryption", master);
        let index_key = blake3::derive_key("minsheng 2026 blind index", master);
        Sealer {
            aead: XChaCha20Poly1305::new(&enc.into()),
            index_key,
        }
    }

    /// The key from `MINSHENG_KEY`, else from `<dir>/minsheng.key`, created on first start.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyError> {
        if let Ok(hexkey) = std::env::var("MINSHENG_KEY") {
            return parse_key(hexkey.trim())
                .map(|k| Sealer::from_master(&k))
                .ok_or(KeyError::BadEnv);
        }
        let path = dir.join("minsheng.key");
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_key(text.trim())
                .map(|k| Sealer::from_master(&k))
                .ok_or_else(|| KeyError::BadFile(path.display().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(io)?;
                let key: [u8; 32] = random_bytes()?;
                write_private(&path, hex::encode(key).as_bytes()).map_err(io)?;
                Ok(Sealer::from_master(&key))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Encrypts `plain`, binding it to `field` so a ciphertext cannot be moved to another column.
    pub fn seal(&self, field: &str, plain: &str) -> Result<Vec<u8>, KeyError> {
        // Without randomness we must not encrypt with a predictable nonce: fail instead.
        let nonce: [u8; 24] = random_bytes()?;
        let nonce_ref = XNonce::from(nonce);
        let ct = self
            .aead
            .encrypt(
                &nonce_ref,
                Payload {
                    msg: plain.as_bytes(),
                    aad: field.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(24 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, field: &str, sealed: &[u8]) -> Result<String, OpenError> {
        if sealed.len() < 24 + 16 {
            return Err(OpenError);
        }
        let (nonce, ct) = sealed.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| OpenError)?;
        let plain = self
            .aead
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: field.as_bytes(),
                },
            )
            .map_err(|_| OpenError)?;
        String::from_utf8(plain).map_err(|_| OpenError)
    }

    /// Keyed hash for equality look-ups (find a caller's earlier cases by phone).
    pub fn blind_index(&self, field: &str, value: &str) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.index_key);
        h.update(field.as_bytes());
        h.update(&[0]);
        h.update(value.as_bytes());
        h.finalize().to_hex().to_string()
    }
}

fn parse_key(s: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(s).ok()?;
    bytes.try_into().ok()
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_bind_to_field() {
        let s = Sealer::from_master(&[7; 32]);
        let c = s.seal("phone", "13812345678").unwrap();
        assert_eq!(s.open("phone", &c).unwrap(), "13812345678");
        assert!(s.open("name", &c).is_err(), "bound to its field");
        assert_ne!(c, s.seal("phone", "13812345678").unwrap(), "random nonce");
        let mut bad = c.clone();
        bad[30] ^= 1;
        assert!(s.open("phone", &bad).is_err());
        assert_eq!(
            s.blind_index("phone", "13812345678"),
            s.blind_index("phone", "13812345678")
        );
        let other = Sealer::from_master(&[8; 32]);
        assert_ne!(
            s.blind_index("phone", "13812345678"),
            other.blind_index("phone", "13812345678")
        );
    }

    #[test]
    fn key_file_is_private_and_stable() {
        let dir = std::env::temp_dir().join(format!("minsheng-key-{}", uuid::Uuid::new_v4()));
        let a = Sealer::load_or_create(&dir).unwrap();
        let b = Sealer::load_or_create(&dir).unwrap();
        assert_eq!(a.blind_index("x", "y"), b.blind_index("x", "y"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("minsheng.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).ok();
    }
}
