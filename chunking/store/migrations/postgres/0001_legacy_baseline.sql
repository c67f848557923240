-- The production schema as it was before this library: the tier enum and the
-- conversation_chunks table with the service's row fields. On a production
-- database these already exist and nothing is created.
DO $$
BEGIN
    CREATE TYPE chunk_tier_enum AS ENUM ('small', 'medium', 'large');
EXCEPTION
    WHEN duplicate_object THEN NULL;
END
$$;

CREATE TABLE IF NOT EXISTS conversation_chunks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id text NOT NULL,
    conversation_id text NOT NULL,
    title text,
    content text NOT NULL,
    token_count integer NOT NULL,
    chunk_index integer NOT NULL,
    total_chunks integer NOT NULL,
    chunk_tier chunk_tier_enum NOT NULL,
    created_at timestamptz
);
