-- +goose Up

-- A message's full-text vector is made once. It was made twice: by the
-- ticket's statement (the first message into tickets.search, a reply into
-- search or note_search) and again by the generated column messages.search
-- over the same body; mail bodies are long, and parsing them was most of a
-- mailed ticket's insert. The column is now plain: the ticket statements
-- compute the vector once and write it to the message and to the ticket.
--
-- message_vector bounds the indexed text: only the first 32,768 characters
-- of a body are indexed (the message itself is kept whole). A tsvector
-- keeps word positions only up to 16,383 anyway, and what makes mail that
-- long is quoted history and pasted logs at its end. A plain SQL function,
-- inlined by the planner: it costs nothing beyond to_tsvector itself.
CREATE FUNCTION message_vector(body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_tsvector('english'::regconfig, left(body, 32768)) $$;

ALTER TABLE messages ALTER COLUMN search DROP EXPRESSION;

-- Every other writer (the bulk loader's COPY, tests) gets the vector from
-- this trigger, as the generated column gave it; the ticket statements
-- supply it, and the WHEN clause then skips the trigger without a call.
-- +goose StatementBegin
CREATE FUNCTION messages_fill_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := message_vector(NEW.body_text);
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER messages_fill_search BEFORE INSERT ON messages
    FOR EACH ROW WHEN (NEW.search IS NULL) EXECUTE FUNCTION messages_fill_search();
CREATE TRIGGER messages_refill_search BEFORE UPDATE OF body_text ON messages
    FOR EACH ROW WHEN (OLD.body_text IS DISTINCT FROM NEW.body_text) EXECUTE FUNCTION messages_fill_search();

-- +goose Down
DROP TRIGGER messages_refill_search ON messages;
DROP TRIGGER messages_fill_search ON messages;
DROP FUNCTION messages_fill_search();
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('english', body_text)) STORED;
DROP FUNCTION message_vector(text);
