-- Rating engine: partition ownership epochs (zombie guard), dedup that
-- tolerates out-of-order arrivals, dead letters counted by reason, parked
-- events of accounts without a customer, and the record of re-ratings.

-- Each assignment claims its partitions by raising the epoch; a batch
-- commits only if the epochs it was consumed under are still current.
ALTER TABLE consumer_offset
    ADD COLUMN epoch bigint NOT NULL DEFAULT 0,
    ADD COLUMN owner text NOT NULL DEFAULT '';

-- Every seq <= contiguous_seq is rated; above holds the rated seqs beyond
-- it (ascending) while earlier ones are still missing.
ALTER TABLE source_seq RENAME COLUMN max_seq TO contiguous_seq;
ALTER TABLE source_seq ADD COLUMN above bigint[] NOT NULL DEFAULT '{}';

ALTER TABLE rating_counter RENAME COLUMN rejected TO dead_lettered;
ALTER TABLE rating_counter ADD COLUMN parked bigint NOT NULL DEFAULT 0 CHECK (parked >= 0);
ALTER TABLE rating_counter DROP CONSTRAINT rating_counter_check;
ALTER TABLE rating_counter
    ADD CONSTRAINT rating_counter_conservation
    CHECK (consumed = rated + duplicates + dead_lettered + parked);

-- Dead letters keep the original bytes; the dead-letter topic gets a copy.
ALTER TABLE rejected_event RENAME TO dead_letter;
ALTER TABLE dead_letter RENAME COLUMN rejected_at TO dead_at;
CREATE VIEW dead_letter_count AS
SELECT topic, reason_code, count(*) AS events FROM dead_letter GROUP BY topic, reason_code;

-- Accepted events (past dedup) whose account has no customer yet.
CREATE TABLE parked_event (
    topic        text NOT NULL,
    partition    integer NOT NULL,
    kafka_offset bigint NOT NULL,
    account      text NOT NULL,
    source       text NOT NULL,
    seq          bigint NOT NULL,
    payload      bytea NOT NULL,
    parked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, kafka_offset)
);
CREATE INDEX parked_event_account ON parked_event (account);

-- What each `gpumeter rerate` found: the period's charges before and after.
CREATE TABLE rerate_log (
    id          bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customer (id),
    period      date NOT NULL,
    old_total   bigint,
    new_total   bigint NOT NULL,
    changes     jsonb NOT NULL,
    rerated_at  timestamptz NOT NULL DEFAULT now()
);
