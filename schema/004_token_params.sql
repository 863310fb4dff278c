-- Training tokens are priced by model size (plan token brackets), so token
-- usage keeps the trained model's parameter count; 0 for other meters and
-- for token reports that did not say.
ALTER TABLE usage_hourly ADD COLUMN model_params bigint NOT NULL DEFAULT 0
    CHECK (model_params >= 0);
ALTER TABLE usage_hourly DROP CONSTRAINT usage_hourly_pkey;
ALTER TABLE usage_hourly
    ADD PRIMARY KEY (account, hour, meter, model, vendor, site, cluster, job, model_params);
