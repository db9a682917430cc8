-- Foundation schema: accounts, people, inboxes, conversations and their timelines.
-- Timestamps are milliseconds since the Unix epoch.

CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    seat TEXT NOT NULL,
    availability TEXT NOT NULL DEFAULT 'available',
    created_at BIGINT NOT NULL
);
CREATE INDEX users_account ON users (account_id, id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE teams (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    round_robin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id, team_id);

CREATE TABLE inboxes (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    email_address TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE inbox_user_members (
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (inbox_id, user_id)
);
CREATE INDEX inbox_user_members_user ON inbox_user_members (user_id, inbox_id);

CREATE TABLE inbox_team_members (
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    team_id BIGINT NOT NULL REFERENCES teams(id),
    PRIMARY KEY (inbox_id, team_id)
);
CREATE INDEX inbox_team_members_team ON inbox_team_members (team_id, inbox_id);

CREATE TABLE contacts (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    name TEXT,
    email TEXT,
    phone TEXT,
    owner_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, email)
);
CREATE INDEX contacts_phone ON contacts (account_id, phone);

CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    subject TEXT,
    -- 'u:<id>', 't:<id>' or '' (nobody): one indexed column serves every assignee filter.
    assignee_key TEXT NOT NULL DEFAULT '',
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    preview TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL
);
CREATE INDEX conversations_list_assignee
    ON conversations (inbox_id, status, assignee_key, last_activity_at DESC, id DESC);
CREATE INDEX conversations_list_status
    ON conversations (inbox_id, status, last_activity_at DESC, id DESC);
CREATE INDEX conversations_list_all
    ON conversations (inbox_id, last_activity_at DESC, id DESC);
CREATE INDEX conversations_contact ON conversations (contact_id);

CREATE TABLE timeline_entries (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    kind TEXT NOT NULL,
    direction TEXT,
    author_user_id BIGINT REFERENCES users(id),
    author_contact_id BIGINT REFERENCES contacts(id),
    body TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX timeline_entries_conversation ON timeline_entries (conversation_id, id);

CREATE TABLE tickets (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    subject TEXT NOT NULL,
    stage TEXT NOT NULL,
    priority TEXT NOT NULL,
    owner_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX tickets_inbox ON tickets (inbox_id, id);

CREATE TABLE ticket_conversations (
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    PRIMARY KEY (ticket_id, conversation_id)
);
CREATE INDEX ticket_conversations_conversation ON ticket_conversations (conversation_id, ticket_id);

CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    conversation_id BIGINT REFERENCES conversations(id),
    entry_id BIGINT REFERENCES timeline_entries(id),
    actor_user_id BIGINT REFERENCES users(id),
    text TEXT NOT NULL,
    read_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);

-- Full-text search over subjects, message bodies and contact names and addresses.
-- One document per conversation.
CREATE TABLE search_documents (
    conversation_id BIGINT PRIMARY KEY REFERENCES conversations(id),
    tsv TSVECTOR NOT NULL
);
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv);
