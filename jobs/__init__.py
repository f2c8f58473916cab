"""Scheduled work: reminders, digests and the outbox sender that delivers them."""
