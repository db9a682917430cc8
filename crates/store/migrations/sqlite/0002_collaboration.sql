-- Collaboration: internal comments (soft-deleted), their attachments, notification
-- emails through a durable outbox, the Insert menu's library, round-robin teams.
-- Timestamps are milliseconds since the Unix epoch.

-- Whether a user also gets notifications by email.
ALTER TABLE users ADD COLUMN notify_email BOOLEAN NOT NULL DEFAULT 1;

-- The member a round-robin team handed work to last.
ALTER TABLE teams ADD COLUMN round_robin_last_user_id INTEGER REFERENCES users(id);

-- A deleted comment stays for the audit trail but leaves the timeline.
ALTER TABLE timeline_entries ADD COLUMN deleted_at INTEGER;

-- Uploaded files; the bytes live beside the database, named by their SHA-256.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    uploaded_by INTEGER NOT NULL REFERENCES users(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_account ON attachments (account_id, id);

-- Which comment references which file: who can see the comment can read the file.
CREATE TABLE comment_attachments (
    entry_id INTEGER NOT NULL REFERENCES timeline_entries(id),
    attachment_id INTEGER NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (entry_id, attachment_id)
);
CREATE INDEX comment_attachments_attachment ON comment_attachments (attachment_id, entry_id);

CREATE TABLE library_items (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT,
    url TEXT,
    attachment_id INTEGER REFERENCES attachments(id),
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX library_items_account ON library_items (account_id, kind, id);
CREATE INDEX library_items_attachment ON library_items (attachment_id);

-- Mail to send: queued in the transaction that decided to send it, sent by a worker.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    notification_id INTEGER REFERENCES notifications(id),
    entry_id INTEGER REFERENCES timeline_entries(id),
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
-- The worker's dequeue: due mail of a state, oldest first.
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_account ON outbox (account_id, id);
