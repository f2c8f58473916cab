"""The domain, pure Python: no Telegram, no SQL, no clock, no I/O."""
