-- The production schema before this library, in SQLite: the tier enum is a
-- table of labels that conversation_chunks.chunk_tier references.
CREATE TABLE IF NOT EXISTS chunk_tier_enum (
    label TEXT PRIMARY KEY,
    sort_order INTEGER NOT NULL UNIQUE
);
INSERT OR IGNORE INTO chunk_tier_enum (label, sort_order)
VALUES ('small', 1), ('medium', 2), ('large', 3);

CREATE TABLE IF NOT EXISTS conversation_chunks (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    title TEXT,
    content TEXT NOT NULL,
    token_count INTEGER NOT NULL,
    chunk_index INTEGER NOT NULL,
    total_chunks INTEGER NOT NULL,
    chunk_tier TEXT NOT NULL REFERENCES chunk_tier_enum (label),
    created_at TEXT
);
