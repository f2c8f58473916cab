-- 0002: where each kader's survey stands in the chat, kept in the database like everything else.

-- The chat message that shows the interview's current question (edited in place).
ALTER TABLE interviews ADD COLUMN message_id INTEGER;
-- The id of the last typed message applied as an answer: a message delivered twice is not
-- taken as the answer to the next question.
ALTER TABLE interviews ADD COLUMN last_text_message_id INTEGER;
-- The interview the kader has open; typed text answers its current question. NULL: none open.
ALTER TABLE people ADD COLUMN focus_interview_id INTEGER REFERENCES interviews (id);
