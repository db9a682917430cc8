-- Moving conversations between inboxes: the read-only stubs they leave behind, and the
-- turn of a move's round-robin among several picked users, kept per target inbox.
-- Timestamps are milliseconds since the Unix epoch.

-- The user a move's round-robin into this inbox picked last.
ALTER TABLE inboxes ADD COLUMN move_round_robin_last_user_id BIGINT REFERENCES users(id);

-- One row per move, listed in the origin inbox in place of the conversation. Status,
-- assignee and channel are those the conversation had when it left, so the stub shows
-- in the same list views as before.
CREATE TABLE moved_stubs (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id),
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    from_inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    to_inbox_id BIGINT NOT NULL REFERENCES inboxes(id),
    moved_by BIGINT NOT NULL REFERENCES users(id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    assignee_key TEXT NOT NULL,
    subject TEXT,
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    moved_at BIGINT NOT NULL
);
CREATE INDEX moved_stubs_list_assignee
    ON moved_stubs (from_inbox_id, status, assignee_key, moved_at DESC, id DESC);
CREATE INDEX moved_stubs_list_status
    ON moved_stubs (from_inbox_id, status, moved_at DESC, id DESC);
CREATE INDEX moved_stubs_list_all
    ON moved_stubs (from_inbox_id, moved_at DESC, id DESC);
CREATE INDEX moved_stubs_conversation ON moved_stubs (conversation_id);
