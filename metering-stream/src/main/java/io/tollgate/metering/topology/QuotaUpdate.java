package io.tollgate.metering.topology;

import io.tollgate.metering.daily.DayTotals;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.rates.Buckets;

/**
 * A counted event with what the rates and daily steps just wrote for it, so quota status is built from the
 * values in hand instead of reading both stores again (four cache reads and decodes per event). Never leaves
 * the task: it flows between processors of one sub-topology and is not serialized.
 *
 * @param modelKey the event's (key, model) quota key, {@code Keys.quota(apiKey, model)}
 * @param allKey the event's (key, *) quota key
 * @param modelBuckets rate buckets of (key, model) after this event
 * @param allBuckets rate buckets of (key, *) after this event
 * @param modelDay day totals of (key, model) after this event, null before the daily step
 * @param allDay day totals of (key, *) after this event, null before the daily step
 */
public record QuotaUpdate(MeteredEvent event, String modelKey, String allKey, Buckets modelBuckets, Buckets allBuckets,
                          DayTotals modelDay, DayTotals allDay) {

    QuotaUpdate withDays(DayTotals model, DayTotals all) {
        return new QuotaUpdate(event, modelKey, allKey, modelBuckets, allBuckets, model, all);
    }
}
