//! Teams, inboxes and inbox membership (direct or through a team).

use super::{placeholders, SqlStore};
use crate::{NewInbox, NewTeam, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::{BTreeSet, HashMap};
use switchboard_domain::*;

/// Fails with `InvalidReference(what)` unless every id is a row of `table` in the account.
async fn ensure_in_account(
    tx: &mut Transaction<'static, Any>,
    table: &'static str,
    what: &'static str,
    account: AccountId,
    ids: &BTreeSet<i64>,
) -> StoreResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE account_id = $1 AND id IN ({})",
        placeholders(2, ids.len())
    );
    let mut q = sqlx::query(&sql).bind(account.0);
    for id in ids {
        q = q.bind(*id);
    }
    let n: i64 = q.fetch_one(&mut **tx).await?.try_get("n")?;
    if n as usize != ids.len() {
        return Err(StoreError::InvalidReference(what));
    }
    Ok(())
}

fn team_row(row: &AnyRow, members: Vec<UserId>) -> StoreResult<Team> {
    Ok(Team {
        id: TeamId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        name: row.try_get("name")?,
        round_robin: row.try_get::<i64, _>("round_robin")? != 0,
        member_ids: members,
    })
}

impl SqlStore {
    pub(crate) async fn create_team(&self, new: NewTeam) -> StoreResult<Team> {
        let members: BTreeSet<i64> = new.member_ids.iter().map(|u| u.0).collect();
        let mut tx = self.write.begin().await?;
        ensure_in_account(&mut tx, "users", "member_ids", new.account_id, &members).await?;
        let row = sqlx::query(
            "INSERT INTO teams (account_id, name, round_robin, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, account_id, name, CASE WHEN round_robin THEN 1 ELSE 0 END AS round_robin",
        )
        .bind(new.account_id.0)
        .bind(&new.name)
        .bind(new.round_robin)
        .bind(new.now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "team name"))?;
        let team_id: i64 = row.try_get("id")?;
        for user in &members {
            sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
                .bind(team_id)
                .bind(*user)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        team_row(&row, members.into_iter().map(UserId).collect())
    }

    pub(crate) async fn teams(&self, account: AccountId) -> StoreResult<Vec<Team>> {
        let rows = sqlx::query(
            "SELECT id, account_id, name, CASE WHEN round_robin THEN 1 ELSE 0 END AS round_robin \
             FROM teams WHERE account_id = $1 ORDER BY name, id",
        )
        .bind(account.0)
        .fetch_all(&self.read)
        .await?;
        let members = sqlx::query(
            "SELECT m.team_id, m.user_id FROM team_members m JOIN teams t ON t.id = m.team_id \
             WHERE t.account_id = $1 ORDER BY m.user_id",
        )
        .bind(account.0)
        .fetch_all(&self.read)
        .await?;
        let mut by_team: HashMap<i64, Vec<UserId>> = HashMap::new();
        for m in &members {
            by_team
                .entry(m.try_get("team_id")?)
                .or_default()
                .push(UserId(m.try_get("user_id")?));
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                team_row(r, by_team.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    pub(crate) async fn round_robin_last_pick(
        &self,
        account: AccountId,
        team: TeamId,
    ) -> StoreResult<Option<UserId>> {
        let row = sqlx::query(
            "SELECT round_robin_last_user_id FROM teams WHERE id = $1 AND account_id = $2",
        )
        .bind(team.0)
        .bind(account.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(row
            .try_get::<Option<i64>, _>("round_robin_last_user_id")?
            .map(UserId))
    }

    pub(crate) async fn create_inbox(&self, new: NewInbox) -> StoreResult<Inbox> {
        let users: BTreeSet<i64> = new.member_user_ids.iter().map(|u| u.0).collect();
        let teams: BTreeSet<i64> = new.member_team_ids.iter().map(|t| t.0).collect();
        let mut tx = self.write.begin().await?;
        ensure_in_account(&mut tx, "users", "member_user_ids", new.account_id, &users).await?;
        ensure_in_account(&mut tx, "teams", "member_team_ids", new.account_id, &teams).await?;
        let row = sqlx::query(
            "INSERT INTO inboxes (account_id, name, email_address, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(new.account_id.0)
        .bind(&new.name)
        .bind(new.email_address.as_deref())
        .bind(new.now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "inbox name or email address"))?;
        let id: i64 = row.try_get("id")?;
        if let Some(address) = &new.email_address {
            // The primary address receives mail too (see `inbox_for_address`).
            super::email::insert_inbox_address(
                &mut tx,
                new.account_id,
                InboxId(id),
                address,
                new.now,
            )
            .await?;
        }
        for user in &users {
            sqlx::query("INSERT INTO inbox_user_members (inbox_id, user_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*user)
                .execute(&mut *tx)
                .await?;
        }
        for team in &teams {
            sqlx::query("INSERT INTO inbox_team_members (inbox_id, team_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*team)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Inbox {
            id: InboxId(id),
            account_id: new.account_id,
            name: new.name,
            email_address: new.email_address,
            member_user_ids: users.into_iter().map(UserId).collect(),
            member_team_ids: teams.into_iter().map(TeamId).collect(),
        })
    }

    pub(crate) async fn inbox(&self, account: AccountId, id: InboxId) -> StoreResult<Inbox> {
        let mut found = self.load_inboxes(account, Some(id)).await?;
        found.pop().ok_or(StoreError::NotFound)
    }

    pub(crate) async fn inbox_account(&self, id: InboxId) -> StoreResult<AccountId> {
        let row = sqlx::query("SELECT account_id FROM inboxes WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(AccountId(row.try_get("account_id")?))
    }

    pub(crate) async fn inboxes(&self, account: AccountId) -> StoreResult<Vec<Inbox>> {
        self.load_inboxes(account, None).await
    }

    async fn load_inboxes(
        &self,
        account: AccountId,
        only: Option<InboxId>,
    ) -> StoreResult<Vec<Inbox>> {
        // `only` is bound as `$2` even when unused as a filter, so one statement serves both.
        let filter = if only.is_some() {
            "AND i.id = $2"
        } else {
            "AND $2 = 0"
        };
        let only_id = only.map_or(0, |i| i.0);
        let rows = sqlx::query(&format!(
            "SELECT i.id, i.name, i.email_address FROM inboxes i \
             WHERE i.account_id = $1 {filter} ORDER BY i.name, i.id"
        ))
        .bind(account.0)
        .bind(only_id)
        .fetch_all(&self.read)
        .await?;
        let user_members = sqlx::query(&format!(
            "SELECT m.inbox_id, m.user_id AS member_id FROM inbox_user_members m \
             JOIN inboxes i ON i.id = m.inbox_id WHERE i.account_id = $1 {filter} ORDER BY m.user_id"
        ))
        .bind(account.0)
        .bind(only_id)
        .fetch_all(&self.read)
        .await?;
        let team_members = sqlx::query(&format!(
            "SELECT m.inbox_id, m.team_id AS member_id FROM inbox_team_members m \
             JOIN inboxes i ON i.id = m.inbox_id WHERE i.account_id = $1 {filter} ORDER BY m.team_id"
        ))
        .bind(account.0)
        .bind(only_id)
        .fetch_all(&self.read)
        .await?;
        let group = |rows: &Vec<AnyRow>| -> StoreResult<HashMap<i64, Vec<i64>>> {
            let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
            for r in rows {
                map.entry(r.try_get("inbox_id")?)
                    .or_default()
                    .push(r.try_get("member_id")?);
            }
            Ok(map)
        };
        let (mut users, mut teams) = (group(&user_members)?, group(&team_members)?);
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                Ok(Inbox {
                    id: InboxId(id),
                    account_id: account,
                    name: r.try_get("name")?,
                    email_address: r.try_get("email_address")?,
                    member_user_ids: users
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(UserId)
                        .collect(),
                    member_team_ids: teams
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(TeamId)
                        .collect(),
                })
            })
            .collect()
    }

    pub(crate) async fn member_inbox_ids(&self, user: UserId) -> StoreResult<Vec<InboxId>> {
        let rows = sqlx::query(
            "SELECT inbox_id FROM inbox_user_members WHERE user_id = $1 \
             UNION SELECT it.inbox_id FROM inbox_team_members it \
             JOIN team_members tm ON tm.team_id = it.team_id WHERE tm.user_id = $1 \
             ORDER BY inbox_id",
        )
        .bind(user.0)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok(InboxId(r.try_get("inbox_id")?)))
            .collect()
    }

    pub(crate) async fn is_inbox_member(&self, inbox: InboxId, user: UserId) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM inbox_user_members WHERE inbox_id = $1 AND user_id = $2) \
                  + (SELECT COUNT(*) FROM inbox_team_members it JOIN team_members tm ON tm.team_id = it.team_id \
                     WHERE it.inbox_id = $1 AND tm.user_id = $2) AS n",
        )
        .bind(inbox.0)
        .bind(user.0)
        .fetch_one(&self.read)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    pub(crate) async fn inbox_access(
        &self,
        account: AccountId,
        inbox: InboxId,
        user: UserId,
    ) -> StoreResult<switchboard_domain::policy::InboxAccess> {
        let row = sqlx::query(
            "SELECT i.account_id, \
                    (SELECT COUNT(*) FROM inbox_user_members WHERE inbox_id = i.id AND user_id = $3) \
                  + (SELECT COUNT(*) FROM inbox_team_members it JOIN team_members tm ON tm.team_id = it.team_id \
                     WHERE it.inbox_id = i.id AND tm.user_id = $3) AS n \
             FROM inboxes i WHERE i.id = $1 AND i.account_id = $2",
        )
        .bind(inbox.0)
        .bind(account.0)
        .bind(user.0)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(switchboard_domain::policy::InboxAccess {
            account_id: AccountId(row.try_get("account_id")?),
            is_member: row.try_get::<i64, _>("n")? > 0,
        })
    }
}
