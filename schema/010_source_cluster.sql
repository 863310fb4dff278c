-- 010_source_cluster: a source belongs to one cluster.
--
-- Dedup is by (source, seq). The first event the rater accepts from a
-- source (after its signature verified, when the cluster has a key) binds
-- the source to that event's cluster; an event that claims the source from
-- another cluster is a dead letter and uses up no seq. So a seq can only be
-- burned by an event that verifies for the source's own cluster
-- (docs/event-contract.md#threat-model). '' is a source not bound yet (one
-- rated before this migration): its next accepted event binds it.
ALTER TABLE source_seq ADD COLUMN cluster text NOT NULL DEFAULT '';
