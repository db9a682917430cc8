//! Integration tests: each starts the real server on `127.0.0.1:0` over a fresh
//! database (SQLite in a temp dir, or PostgreSQL when SWITCHBOARD_TEST_POSTGRES_URL is
//! set) and talks real HTTP and WebSocket to it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap: a panic is a failed test

mod access;
mod attachments;
mod auth;
mod bad_input;
mod cli;
mod cluster;
mod comments;
mod conversations;
mod email_durability;
mod email_inbound;
mod email_outbound;
mod helpers;
mod imap;
mod import;
mod library;
mod moving;
mod presence;
mod realtime;
mod round_robin;
mod smtp_client;
