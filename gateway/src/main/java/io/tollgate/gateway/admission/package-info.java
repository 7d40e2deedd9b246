/**
 * Admission: may this attempt go upstream now? Local and in memory, no remote call per request.
 *
 * <ul>
 *   <li>{@link io.tollgate.gateway.admission.QuotaView} holds {@code tollgate.quota-status.v1};
 *       {@link io.tollgate.gateway.admission.QuotaViewConsumer} keeps it current and exposes its
 *       staleness as a gauge.</li>
 *   <li>{@link io.tollgate.gateway.admission.LimitResolver} gives a key's limits per model and
 *       across models, from tier and key policies ({@code tollgate.policies.v1} or the policy file),
 *       with the seed tiers free/tier1/tier2/paid as defaults.</li>
 *   <li>{@link io.tollgate.gateway.admission.QuotaAdmission} decides Admitted / Wait / Refused from
 *       the view plus this gateway's own reservations; its Javadoc states the over-admission bound
 *       with N gateway instances.</li>
 *   <li>{@link io.tollgate.gateway.admission.CommandAwareAdmission} refuses calls in a scope that a
 *       BLOCK command covers, before asking the quota.</li>
 *   <li>{@link io.tollgate.gateway.admission.QuotaWarning} decides the
 *       {@code X-Tollgate-Quota-Warning} header.</li>
 * </ul>
 *
 * <p>Settings ({@link io.tollgate.gateway.admission.QuotaAdmission.Settings}): window 60 s over
 * 1 s buckets; reflection bound (how long an own admission may be missing from the view, default
 * 2 s, must exceed the view's lag); gateway instances sharing the limits (default 1); fail mode
 * OPEN (default) or CLOSED with a staleness bound (default 30 s); the day's zone and reset hour
 * ({@code organisation.zone}, {@code organisation.reset_hour}) for keys the view has no day for;
 * the quota warning share ({@code organisation.quota_warning_percent}, default 80).
 */
package io.tollgate.gateway.admission;
