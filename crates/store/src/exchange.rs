//! The 12345 work-order exchange: partner platforms (their shared secret sealed, since both
//! sides sign with it), the orders they sent (idempotency by the partner's order id) and the
//! signatures seen recently (replay protection).

use crate::error::{StoreError, is_unique_violation};
use crate::{Store, from_millis, millis};
use chrono::{DateTime, Utc};

/// A partner as an administrator sees it; never the secret.
#[derive(Debug, Clone, PartialEq)]
pub struct Partner {
    pub id: uuid::Uuid,
    pub name: String,
    /// The region code the partner's platform serves: where its orders are placed by default.
    pub region: String,
    /// Where status messages are POSTed.
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub active: bool,
}

/// An order already received.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedOrder {
    pub partner_id: uuid::Uuid,
    pub order_id: String,
    pub body_hash: String,
    pub case_id: uuid::Uuid,
    pub linked: bool,
    pub received_at: DateTime<Utc>,
}

type PartnerRow = (String, String, String, String, Vec<u8>, i64, i64);

fn uuid(s: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("exchange id {s:?}: {e}")))
}

const PARTNER_COLS: &str = "id, name, region, url, secret_enc, created_at, active";

impl Store {
    fn partner_row(&self, r: PartnerRow) -> Result<(Partner, String), StoreError> {
        let (id, name, region, url, enc, created, active) = r;
        let secret = self
            .sealer()
            .open("exchange_secret", &enc)
            .map_err(|e| StoreError::Corrupt(format!("exchange secret: {e}")))?;
        Ok((
            Partner {
                id: uuid(&id)?,
                name,
                region,
                url,
                created_at: from_millis(created),
                active: active != 0,
            },
            secret,
        ))
    }

    /// Registers a partner and returns its shared secret, which is shown once.
    pub async fn create_exchange_partner(
        &self,
        name: &str,
        region: &str,
        url: &str,
    ) -> Result<(Partner, String), StoreError> {
        let bytes: [u8; 32] = crate::crypto::random_bytes()?;
        let secret = hex::encode(bytes);
        let p = Partner {
            id: uuid::Uuid::now_v7(),
            name: name.to_string(),
            region: region.to_string(),
            url: url.to_string(),
            created_at: from_millis(millis(Utc::now())),
            active: true,
        };
        sqlx::query(
            "INSERT INTO exchange_partners (id, name, region, url, secret_enc, created_at, active) \
             VALUES ($1, $2, $3, $4, $5, $6, 1)",
        )
        .bind(p.id.to_string())
        .bind(p.name.clone())
        .bind(p.region.clone())
        .bind(p.url.clone())
        .bind(self.sealer().seal("exchange_secret", &secret)?)
        .bind(millis(p.created_at))
        .execute(&self.pool)
        .await?;
        Ok((p, secret))
    }

    /// A partner with its secret in clear (to verify or sign a message), active or not.
    pub async fn exchange_partner(
        &self,
        id: uuid::Uuid,
    ) -> Result<Option<(Partner, String)>, StoreError> {
        let row: Option<PartnerRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PARTNER_COLS} FROM exchange_partners WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| self.partner_row(r)).transpose()
    }

    pub async fn exchange_partners(&self) -> Result<Vec<Partner>, StoreError> {
        let rows: Vec<PartnerRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PARTNER_COLS} FROM exchange_partners ORDER BY created_at, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| self.partner_row(r).map(|(p, _)| p))
            .collect()
    }

    /// Turns a partner on or off; `false` when there is no such partner.
    pub async fn set_exchange_partner_active(
        &self,
        id: uuid::Uuid,
        active: bool,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query("UPDATE exchange_partners SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id.to_string())
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Records a signature; `false` when it was already seen (a replay). Signatures older than
    /// `forget_before` are dropped first: the timestamp check refuses those messages anyway.
    pub async fn exchange_note_signature(
        &self,
        partner: uuid::Uuid,
        signature: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        sqlx::query("DELETE FROM exchange_seen WHERE seen_at < $1")
            .bind(millis(forget_before))
            .execute(&self.pool)
            .await?;
        let r = sqlx::query(
            "INSERT INTO exchange_seen (partner_id, signature, seen_at) VALUES ($1, $2, $3)",
        )
        .bind(partner.to_string())
        .bind(signature.to_string())
        .bind(millis(at))
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn exchange_order(
        &self,
        partner: uuid::Uuid,
        order_id: &str,
    ) -> Result<Option<ReceivedOrder>, StoreError> {
        let row: Option<(String, String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT partner_id, order_id, body_hash, case_id, linked, received_at \
             FROM exchange_orders WHERE partner_id = $1 AND order_id = $2",
        )
        .bind(partner.to_string())
        .bind(order_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(p, o, h, c, l, at)| {
            Ok(ReceivedOrder {
                partner_id: uuid(&p)?,
                order_id: o,
                body_hash: h,
                case_id: uuid(&c)?,
                linked: l != 0,
                received_at: from_millis(at),
            })
        })
        .transpose()
    }

    /// Records a received order; `true` with it when this call wrote it. When another request
    /// recorded the same order first, its row is returned (the caller compares the hashes).
    pub async fn record_exchange_order(
        &self,
        o: &ReceivedOrder,
    ) -> Result<(ReceivedOrder, bool), StoreError> {
        let r = sqlx::query(
            "INSERT INTO exchange_orders (partner_id, order_id, body_hash, case_id, linked, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(o.partner_id.to_string())
        .bind(o.order_id.clone())
        .bind(o.body_hash.clone())
        .bind(o.case_id.to_string())
        .bind(i64::from(o.linked))
        .bind(millis(o.received_at))
        .execute(&self.pool)
        .await;
        match r {
            Ok(_) => Ok((o.clone(), true)),
            Err(e) if is_unique_violation(&e) => self
                .exchange_order(o.partner_id, &o.order_id)
                .await?
                .map(|r| (r, false))
                .ok_or(StoreError::Conflict),
            Err(e) => Err(e.into()),
        }
    }

    /// How many orders were received (tests check that refused messages write nothing).
    pub async fn exchange_order_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM exchange_orders")
            .fetch_one(&self.pool)
            .await?)
    }
}
