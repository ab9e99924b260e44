//! Where a petitioner's notices go (migration 0014): the addresses, opened for the deliverer
//! that sends one notice, never listed.

use crate::Store;
use crate::error::StoreError;

/// A petitioner's contact points, in clear.
#[derive(Clone, Default)]
pub struct Contact {
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Contact(..)")
    }
}

/// The sealed phone and e-mail columns.
type SealedContact = (Option<Vec<u8>>, Option<Vec<u8>>);

impl Store {
    /// The phone and e-mail of a petitioner; `None` when there is no such record (purged
    /// records come back empty).
    pub async fn petitioner_contact(&self, id: uuid::Uuid) -> Result<Option<Contact>, StoreError> {
        let row: Option<SealedContact> =
            sqlx::query_as("SELECT phone_enc, email_enc FROM petitioners WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        let Some((phone, email)) = row else {
            return Ok(None);
        };
        let open = |field: &str, v: Option<Vec<u8>>| -> Result<Option<String>, StoreError> {
            v.map(|b| {
                self.sealer
                    .open(field, &b)
                    .map_err(|e| StoreError::Crypto(e.to_string()))
            })
            .transpose()
        };
        Ok(Some(Contact {
            phone: open("phone", phone)?,
            email: open("email", email)?,
        }))
    }

    /// Sets (or with `None` clears) a staff user's e-mail; false when there is no such user.
    pub async fn set_user_email(
        &self,
        username: &str,
        email: Option<&str>,
    ) -> Result<bool, StoreError> {
        let sealed = email.map(|e| self.sealer.seal("email", e)).transpose()?;
        let done = sqlx::query("UPDATE users SET email_enc = $2 WHERE username = $1")
            .bind(username.to_string())
            .bind(sealed)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The active staff of a unit that have an e-mail: (user name, address), by user name.
    pub async fn unit_staff_emails(&self, unit: &str) -> Result<Vec<(String, String)>, StoreError> {
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT username, email_enc FROM users WHERE unit = $1 AND active = 1 \
             AND email_enc IS NOT NULL ORDER BY username",
        )
        .bind(unit.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(u, b)| {
                self.sealer
                    .open("email", &b)
                    .map(|e| (u, e))
                    .map_err(|e| StoreError::Crypto(e.to_string()))
            })
            .collect()
    }
}
