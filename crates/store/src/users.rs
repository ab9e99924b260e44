//! Staff users and their bearer tokens (stored as SHA-256 hashes only).

use crate::error::{StoreError, is_unique_violation};
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};
use minsheng_core::access::Role;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub unit: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub unit: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

type UserRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
);

fn user_from_row(
    (id, username, display_name, password_hash, role, unit, active, created_at): UserRow,
) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: uuid::Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        username,
        display_name,
        password_hash,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        unit,
        active: active != 0,
        created_at: from_millis(created_at),
    })
}

const USER_COLUMNS: &str =
    "id, username, display_name, password_hash, role, unit, active, created_at";

impl Store {
    pub async fn create_user(&self, u: NewUser) -> Result<UserRecord, StoreError> {
        let id = uuid::Uuid::now_v7();
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, role, unit, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        )
        .bind(id.to_string())
        .bind(u.username.clone())
        .bind(u.display_name.clone())
        .bind(u.password_hash.clone())
        .bind(u.role.as_str())
        .bind(u.unit.clone())
        .bind(millis(now))
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Duplicate("username".into())
            } else {
                e.into()
            }
        })?;
        Ok(UserRecord {
            id,
            username: u.username,
            display_name: u.display_name,
            password_hash: u.password_hash,
            role: u.role,
            unit: u.unit,
            active: true,
            created_at: DateTime::from_timestamp_millis(millis(now)).unwrap_or(now),
        })
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        )))
        .bind(username.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(user_from_row).transpose()
    }

    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(user_from_row).collect()
    }

    pub async fn set_user_active(&self, id: uuid::Uuid, active: bool) -> Result<(), StoreError> {
        let r = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if !active {
            sqlx::query("DELETE FROM auth_tokens WHERE user_id = $1")
                .bind(id.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    pub async fn insert_token(
        &self,
        token_hash: &str,
        user: uuid::Uuid,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash.to_string())
        .bind(user.to_string())
        .bind(millis(Utc::now()))
        .bind(millis(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The active user a live token belongs to.
    pub async fn user_by_token(&self, token_hash: &str) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.password_hash, u.role, u.unit, u.active, u.created_at \
             FROM auth_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND u.active = 1",
        )
        .bind(token_hash.to_string())
        .bind(millis(Utc::now()))
        .fetch_optional(&self.pool)
        .await?;
        row.map(user_from_row).transpose()
    }

    pub async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM auth_tokens WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
