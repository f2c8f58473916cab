-- 0007: what the outbox sender needs to deliver at most once and to report on a broadcast.

-- Set when Telegram answers 403 (blocked, deactivated, never started) or "chat not found": nothing
-- more is sent to this person until it is cleared (they wrote to the bot again).
ALTER TABLE people ADD COLUMN unreachable_at TEXT;
-- 429 answers a row received: they do not count as failed attempts, up to the sender's cap.
ALTER TABLE outbox ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0 CHECK (throttled >= 0);

-- The sender's queue: the oldest pending row of each chat.
CREATE INDEX outbox_status_chat ON outbox (status, chat_id);
-- A recipient's rows, retired together when they become unreachable.
CREATE INDEX outbox_recipient_status ON outbox (recipient_id, status);
