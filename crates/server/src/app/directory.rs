//! The account's directory: users, teams, inboxes and contacts. Admins manage users,
//! teams and inboxes; every agent may read the directory and manage contacts.

use super::session::hash_password;
use super::App;
use crate::error::ApiResult;
use switchboard_domain::input::{parse_phone, EmailAddress, Name, Password};
use switchboard_domain::policy::{self, Actor};
use switchboard_domain::*;
use switchboard_store::{NewContact, NewInbox, NewTeam, NewUser, UserUpdate};

/// A user to create, as the API receives it.
pub struct NewUserInput {
    pub name: String,
    pub email: String,
    pub password: String,
    pub role: Role,
    pub seat: Seat,
}

pub struct NewTeamInput {
    pub name: String,
    pub member_ids: Vec<UserId>,
    pub round_robin: bool,
}

pub struct NewInboxInput {
    pub name: String,
    pub member_user_ids: Vec<UserId>,
    pub member_team_ids: Vec<TeamId>,
    pub email_address: Option<String>,
}

#[derive(Default)]
pub struct NewContactInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub owner_id: Option<UserId>,
}

impl NewContactInput {
    /// Validates the fields into a store row for `account`; at least one of name,
    /// email or phone is required.
    pub fn parse(self, account: AccountId, now: Millis) -> ApiResult<NewContact> {
        let name = self
            .name
            .as_deref()
            .map(|n| Name::parse("name", n))
            .transpose()?;
        let email = self
            .email
            .as_deref()
            .map(|e| EmailAddress::parse("email", e))
            .transpose()?;
        let phone = self.phone.as_deref().map(parse_phone).transpose()?;
        if name.is_none() && email.is_none() && phone.is_none() {
            return Err(crate::error::ApiError::invalid(
                "contact",
                "needs a name, an email or a phone",
            ));
        }
        Ok(NewContact {
            account_id: account,
            name: name.map(Name::into_string),
            email: email.map(EmailAddress::into_string),
            phone,
            owner_id: self.owner_id,
            now,
        })
    }
}

impl App {
    /// Creates a user (admin only). Used by the API and by `init`, which passes the
    /// account's first admin as its own actor through [`App::create_first_admin`].
    pub async fn create_user(&self, actor: &Actor, input: NewUserInput) -> ApiResult<User> {
        policy::manage_account(actor)?;
        self.insert_user(actor.account_id, input).await
    }

    /// Creates a user without an acting admin: for `init` and the demo seed only.
    pub async fn create_first_admin(
        &self,
        account: AccountId,
        input: NewUserInput,
    ) -> ApiResult<User> {
        self.insert_user(account, input).await
    }

    async fn insert_user(&self, account: AccountId, input: NewUserInput) -> ApiResult<User> {
        let name = Name::parse("name", &input.name)?;
        let email = EmailAddress::parse("email", &input.email)?;
        let password = Password::parse(&input.password)?;
        let hash = self
            .password_work(move || hash_password(&password))
            .await??;
        Ok(self
            .store
            .create_user(NewUser {
                account_id: account,
                name: name.into_string(),
                email: email.into_string(),
                password_hash: hash,
                role: input.role,
                seat: input.seat,
                now: self.now(),
            })
            .await?)
    }

    /// Changes the actor's own settings (availability for round-robin, notification
    /// emails); anyone may change their own, nobody another's.
    pub async fn update_me(&self, actor: &Actor, update: UserUpdate) -> ApiResult<User> {
        Ok(self
            .store
            .update_user(actor.account_id, actor.user_id, update)
            .await?)
    }

    pub async fn users(&self, actor: &Actor) -> ApiResult<Vec<User>> {
        Ok(self.store.users(actor.account_id).await?)
    }

    pub async fn create_team(&self, actor: &Actor, input: NewTeamInput) -> ApiResult<Team> {
        policy::manage_account(actor)?;
        let name = Name::parse("name", &input.name)?;
        Ok(self
            .store
            .create_team(NewTeam {
                account_id: actor.account_id,
                name: name.into_string(),
                round_robin: input.round_robin,
                member_ids: input.member_ids,
                now: self.now(),
            })
            .await?)
    }

    pub async fn teams(&self, actor: &Actor) -> ApiResult<Vec<Team>> {
        Ok(self.store.teams(actor.account_id).await?)
    }

    pub async fn create_inbox(&self, actor: &Actor, input: NewInboxInput) -> ApiResult<Inbox> {
        policy::manage_account(actor)?;
        let name = Name::parse("name", &input.name)?;
        let email = input
            .email_address
            .as_deref()
            .map(|e| EmailAddress::parse("email_address", e))
            .transpose()?;
        Ok(self
            .store
            .create_inbox(NewInbox {
                account_id: actor.account_id,
                name: name.into_string(),
                email_address: email.map(EmailAddress::into_string),
                member_user_ids: input.member_user_ids,
                member_team_ids: input.member_team_ids,
                now: self.now(),
            })
            .await?)
    }

    pub async fn create_contact(
        &self,
        actor: &Actor,
        input: NewContactInput,
    ) -> ApiResult<Contact> {
        let new = input.parse(actor.account_id, self.now())?;
        Ok(self.store.create_contact(new).await?)
    }

    pub async fn contacts(
        &self,
        actor: &Actor,
        limit: u32,
        after: Option<ContactId>,
    ) -> ApiResult<Vec<Contact>> {
        Ok(self
            .store
            .contacts(actor.account_id, limit.clamp(1, 200), after)
            .await?)
    }

    pub async fn contact(&self, actor: &Actor, id: ContactId) -> ApiResult<Contact> {
        Ok(self.store.contact(actor.account_id, id).await?)
    }
}
