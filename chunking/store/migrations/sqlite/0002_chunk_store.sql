-- Traceable, versioned chunks (see the Postgres migration of the same number).
-- SQLite cannot add keys or NOT NULL columns in place, so the table is rebuilt.
CREATE TABLE conversation_chunks_new (
    user_id TEXT NOT NULL,
    id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    token_count INTEGER NOT NULL CHECK (token_count >= 0),
    chunk_index INTEGER NOT NULL CHECK (chunk_index >= 0 AND chunk_index < total_chunks),
    total_chunks INTEGER NOT NULL,
    chunk_tier TEXT NOT NULL REFERENCES chunk_tier_enum (label),
    created_at TEXT,
    parent_id TEXT,
    "start" INTEGER NOT NULL CHECK ("start" >= 0),
    "end" INTEGER NOT NULL CHECK ("end" >= "start"),
    message_ids TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    chunking_version INTEGER NOT NULL CHECK (chunking_version >= 1),
    PRIMARY KEY (id, user_id)
);

INSERT INTO conversation_chunks_new
SELECT user_id, id, conversation_id, coalesce(title, ''), content, token_count, chunk_index,
       total_chunks, chunk_tier, created_at, NULL, 0, length(content), '[]',
       sha256_hex(content), 1
FROM conversation_chunks;

DROP TABLE conversation_chunks;
ALTER TABLE conversation_chunks_new RENAME TO conversation_chunks;

CREATE UNIQUE INDEX conversation_chunks_position_key
    ON conversation_chunks (user_id, conversation_id, chunking_version, chunk_tier, chunk_index)
    WHERE chunking_version >= 2;
CREATE INDEX conversation_chunks_conversation_idx
    ON conversation_chunks (user_id, conversation_id);
CREATE INDEX conversation_chunks_parent_idx
    ON conversation_chunks (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE conversation_chunk_sets (
    user_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    chunking_version INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);

INSERT INTO conversation_chunk_sets (user_id, conversation_id, fingerprint, chunk_count, chunking_version)
SELECT user_id, conversation_id, 'legacy', count(*), 1
FROM conversation_chunks
GROUP BY user_id, conversation_id;
