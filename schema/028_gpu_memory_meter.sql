-- 028_gpu_memory_meter: GPU memory held, in GiB x ms (core/meter.h's
-- gpu_mem_gib_ms row). The `meter` table holds the registry's rows for SQL
-- to join on; tests/integration/test_meters.sh checks they are the same.
-- Usage tables keep one row per meter (usage_hourly.meter, schema 017 and
-- 018), so a new meter needs no column.
INSERT INTO meter (code, base_unit, price_unit, units_per_price) VALUES
    ('gpu_mem_gib_ms', 'GiB-ms', 'GiB-hour', 3600000);
