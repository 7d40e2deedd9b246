/**
 * Resilience: retries, circuit breaking and the statistics of what admission and routing did.
 *
 * <ul>
 *   <li>{@link io.tollgate.gateway.resilience.RetryingCircuitGuard} implements {@code UpstreamGuard}:
 *       exponential backoff with full jitter honouring Retry-After, and a breaker per provider +
 *       model (CLOSED, OPEN, HALF_OPEN with one probe).</li>
 *   <li>{@link io.tollgate.gateway.resilience.ControlStats}: primary vs fallback, waits, cascades,
 *       refusals by reason and breaker transitions, per key and per model, as Micrometer meters and
 *       as a snapshot for {@code GET /admin/stats}.</li>
 * </ul>
 */
package io.tollgate.gateway.resilience;
