-- IMAP sources: an inbox may fetch its mail from one folder of an IMAP server. The
-- password is never stored, only the path of a file holding it (read at each poll).
-- `uid_validity` and `last_uid` are the poller's progress: mail above `last_uid` under
-- the same UIDVALIDITY is new. `revision` starts at the creation time and grows at each
-- change of the configuration, so a poll that started before a change (or before the
-- source was removed and set again) cannot record progress after it.
-- Timestamps are milliseconds since the Unix epoch.
CREATE TABLE imap_sources (
    inbox_id INTEGER PRIMARY KEY REFERENCES inboxes(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    tls TEXT NOT NULL CHECK (tls IN ('tls', 'starttls', 'none')),
    username TEXT NOT NULL,
    password_file TEXT NOT NULL,
    folder TEXT NOT NULL DEFAULT 'INBOX',
    ca_file TEXT,
    uid_validity INTEGER,
    last_uid INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_polled_at INTEGER,
    revision INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
