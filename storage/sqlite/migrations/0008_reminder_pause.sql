-- 0008: a kader can silence reminders for a week ("Jeda pengingat").
ALTER TABLE people ADD COLUMN reminders_paused_until TEXT;
