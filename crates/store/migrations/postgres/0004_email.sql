-- The email channel: the addresses inboxes receive mail at, the Message-IDs of every
-- mail received or sent (threading, duplicate detection), and outbound mail's built
-- bytes and envelope in the outbox, leased by the worker that sends it.
-- Timestamps are milliseconds since the Unix epoch.

-- Every address an inbox receives at (lowercased); `inboxes.email_address` stays the
-- primary one, the From of replies. An address belongs to one inbox only.
CREATE TABLE inbox_addresses (
    address TEXT PRIMARY KEY,
    inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX inbox_addresses_inbox ON inbox_addresses (inbox_id);
INSERT INTO inbox_addresses (address, inbox_id, account_id, created_at)
    SELECT lower(email_address), id, account_id, created_at FROM inboxes
    WHERE email_address IS NOT NULL;

-- Every Message-ID (without angle brackets) the account received or sent, with the
-- conversation and entry it belongs to. A mail whose Message-ID is already here was
-- stored before: receiving it again changes nothing.
CREATE TABLE email_messages (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    message_id TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    entry_id BIGINT REFERENCES timeline_entries(id),
    -- 'inbound' or 'outbound'
    direction TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, message_id)
);
CREATE INDEX email_messages_conversation ON email_messages (conversation_id, id);

-- Outbound mail (replies, forwards) is built once and queued with its bytes and
-- envelope; notification mail keeps using subject and body_text. A worker leases a due
-- row until `locked_until`, so several nodes never send the same mail at once.
ALTER TABLE outbox ADD COLUMN raw BYTEA;
ALTER TABLE outbox ADD COLUMN envelope_from TEXT;
-- JSON array of recipient addresses.
ALTER TABLE outbox ADD COLUMN recipients TEXT;
ALTER TABLE outbox ADD COLUMN locked_until BIGINT;

-- Secrets of the installation, shared by every node (the reply-address token key).
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
