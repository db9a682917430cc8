-- Files that arrived with inbound mail. They have no uploading user (the `attachments`
-- table requires one), so they get a table of their own, tied to the message entry
-- they came with; access follows that entry's conversation. The bytes live in the
-- content-addressed file store under `sha256`. Timestamps are milliseconds since the
-- Unix epoch.
CREATE TABLE email_attachments (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    entry_id INTEGER NOT NULL REFERENCES timeline_entries(id),
    -- For display only: never a path.
    filename TEXT NOT NULL,
    -- What the sender declared; serving picks a safe type from it.
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    -- Content-ID without angle brackets, for `cid:` images of the HTML body.
    content_id TEXT,
    inline BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX email_attachments_entry ON email_attachments (entry_id, id);
