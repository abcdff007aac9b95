-- +goose Up
-- Matrix connector: the bot's user id and the rooms it joins are plain
-- settings; sync_since is where the bot's /sync stream stopped, so a
-- restart (or another node taking over) neither misses nor repeats events.
ALTER TABLE chat_connectors
    ADD COLUMN bot_user   text NOT NULL DEFAULT '',
    ADD COLUMN rooms      text NOT NULL DEFAULT '', -- one room id or alias per line
    ADD COLUMN sync_since text NOT NULL DEFAULT '';

-- A direct room between the Matrix bot and one person: answers meant for
-- that person only (links, ticket lists) go there, never to a shared room.
CREATE TABLE chat_direct_rooms (
    connector  text NOT NULL,
    chat_user  text NOT NULL,
    room       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connector, chat_user)
);
CREATE UNIQUE INDEX chat_direct_rooms_room_idx ON chat_direct_rooms (connector, room);

-- +goose Down
DROP TABLE chat_direct_rooms;
ALTER TABLE chat_connectors DROP COLUMN bot_user, DROP COLUMN rooms, DROP COLUMN sync_since;
