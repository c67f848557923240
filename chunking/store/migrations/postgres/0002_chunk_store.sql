-- Traceable, versioned chunks. Existing (legacy) rows become chunking_version 1:
-- their span is the whole chunk (start 0, end its length), no message ids, and
-- their content hash is computed here.
ALTER TABLE conversation_chunks
    ADD COLUMN parent_id uuid,
    ADD COLUMN "start" integer,
    ADD COLUMN "end" integer,
    ADD COLUMN message_ids text[],
    ADD COLUMN content_hash text,
    ADD COLUMN chunking_version integer;

UPDATE conversation_chunks
SET title = coalesce(title, ''),
    "start" = 0,
    "end" = char_length(content),
    message_ids = '{}',
    content_hash = encode(sha256(convert_to(content, 'UTF8')), 'hex'),
    chunking_version = 1;

ALTER TABLE conversation_chunks
    ALTER COLUMN id DROP DEFAULT,
    ALTER COLUMN title SET NOT NULL,
    ALTER COLUMN "start" SET NOT NULL,
    ALTER COLUMN "end" SET NOT NULL,
    ALTER COLUMN message_ids SET NOT NULL,
    ALTER COLUMN content_hash SET NOT NULL,
    ALTER COLUMN chunking_version SET NOT NULL,
    DROP CONSTRAINT conversation_chunks_pkey,
    -- Chunk ids are uuid5 of (conversation, tier, span, version): two users may
    -- import the same conversation, so the key includes the user.
    ADD CONSTRAINT conversation_chunks_pkey PRIMARY KEY (id, user_id),
    ADD CONSTRAINT conversation_chunks_span_check CHECK ("start" >= 0 AND "end" >= "start"),
    ADD CONSTRAINT conversation_chunks_counts_check
        CHECK (token_count >= 0 AND chunk_index >= 0 AND chunk_index < total_chunks),
    ADD CONSTRAINT conversation_chunks_version_check CHECK (chunking_version >= 1);

-- A position holds one chunk: no doubled rows. Legacy rows (version 1) may
-- already be doubled; they are kept as they are, not silently deleted.
CREATE UNIQUE INDEX conversation_chunks_position_key
    ON conversation_chunks (user_id, conversation_id, chunking_version, chunk_tier, chunk_index)
    WHERE chunking_version >= 2;
-- Reads and replacements by user and conversation.
CREATE INDEX conversation_chunks_conversation_idx
    ON conversation_chunks (user_id, conversation_id);
-- A chunk's children.
CREATE INDEX conversation_chunks_parent_idx
    ON conversation_chunks (parent_id) WHERE parent_id IS NOT NULL;

-- One row per (user, conversation) stored: the fingerprint of its chunks, so
-- that an unchanged conversation is recognised without reading its chunks.
CREATE TABLE conversation_chunk_sets (
    user_id text NOT NULL,
    conversation_id text NOT NULL,
    fingerprint text NOT NULL,
    chunk_count integer NOT NULL,
    chunking_version integer NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);

INSERT INTO conversation_chunk_sets (user_id, conversation_id, fingerprint, chunk_count, chunking_version)
SELECT user_id, conversation_id, 'legacy', count(*), 1
FROM conversation_chunks
GROUP BY user_id, conversation_id;
