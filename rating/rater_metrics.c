/* rater_metrics: the rater's Prometheus page (see rater_metrics.h). */
#include "rating/rater_metrics.h"

#include "core/strbuf.h"

void rater_metrics_commit(struct rater_stats *s, size_t events, int64_t commit_ms)
{
    s->commits++;
    s->batch_events_sum += (long long)events;
    s->commit_ms_sum += commit_ms;
}

static void series(struct strbuf *sb, const char *name, const char *type, const char *help)
{
    sb_printf(sb, "# HELP gpumeter_rater_%s %s\n# TYPE gpumeter_rater_%s %s\n", name, help, name,
              type);
}

static void lag(struct strbuf *sb, rd_kafka_t *rk, const char *topic,
                const struct partition_epoch *held, int nheld)
{
    series(sb, "consumer_lag", "gauge", "Messages between the fetch position and the log end.");
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(nheld + 1);
    for (int i = 0; i < nheld; i++)
        rd_kafka_topic_partition_list_add(parts, topic, held[i].partition);
    rd_kafka_position(rk, parts);
    for (int i = 0; i < parts->cnt; i++) {
        int64_t lo, hi, pos = parts->elems[i].offset;
        if (rd_kafka_get_watermark_offsets(rk, topic, parts->elems[i].partition, &lo, &hi) ||
            pos < 0 || hi < 0)
            continue;
        sb_printf(sb, "gpumeter_rater_consumer_lag{partition=\"%d\"} %lld\n",
                  parts->elems[i].partition, (long long)(hi > pos ? hi - pos : 0));
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

void rater_metrics_publish(const struct rater_stats *s, struct metrics_http *m, rd_kafka_t *rk,
                           const char *topic, const struct partition_epoch *held, int nheld)
{
    const struct batch_counts *c = &s->counts;
    struct strbuf sb = STRBUF_INIT;
    series(&sb, "events_total", "counter", "Events consumed, by what became of them.");
    const struct {
        const char *outcome;
        long long n;
    } outcomes[] = {{"rated", c->rated},
                    {"duplicate", c->duplicates},
                    {"dead_letter", c->dead_lettered},
                    {"parked", c->parked}};
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
        sb_printf(&sb, "gpumeter_rater_events_total{outcome=\"%s\"} %lld\n", outcomes[i].outcome,
                  outcomes[i].n);
    series(&sb, "dead_letters_total", "counter", "Dead letters by reason.");
    for (int k = 0; k < DEAD_REASONS; k++)
        sb_printf(&sb, "gpumeter_rater_dead_letters_total{reason=\"%s\"} %lld\n",
                  dead_reason_codes[k], c->dead_by_reason[k]);
    const struct {
        const char *name, *type, *help;
        long long v;
    } plain[] = {
        {"parked_released_total", "counter", "Parked events rated after their account was mapped.",
         s->released},
        {"late_events_total", "counter", "Events older than rating.late_horizon_s when rated.",
         c->late},
        {"seq_gaps_closed_total", "counter", "Missing seqs given up on (dedup window full).",
         c->gaps_closed},
        {"commits_total", "counter", "Batches committed.", s->commits},
        {"batch_events_sum", "counter", "Events in committed batches.", s->batch_events_sum},
        {"commit_ms_sum", "counter", "Milliseconds spent committing batches.", s->commit_ms_sum},
        {"commit_retries_total", "counter",
         "Transactions run again after a deadlock or serialization failure.", c->retries},
        {"fenced_batches_total", "counter", "Batches dropped: a partition had a newer owner.",
         s->fenced},
        {"db_reconnects_total", "counter", "Reconnections to PostgreSQL.", s->reconnects},
        {"assigned_partitions", "gauge", "Partitions this rater holds.", nheld},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        series(&sb, plain[i].name, plain[i].type, plain[i].help);
        sb_printf(&sb, "gpumeter_rater_%s %lld\n", plain[i].name, plain[i].v);
    }
    lag(&sb, rk, topic, held, nheld);
    metrics_http_publish(m, sb.buf, sb.len);
    sb_free(&sb);
}
