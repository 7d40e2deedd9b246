/**
 * Admission: may this attempt go upstream now? Local and in memory, no remote call per request.
 *
 * <ul>
 *   <li>{@link io.tollgate.gateway.admission.QuotaView} holds {@code tollgate.quota-status.v1};
 *       {@link io.tollgate.gateway.admission.QuotaViewConsumer} keeps it current and exposes its
 *       staleness as a gauge.</li>
 *   <li>{@link io.tollgate.gateway.admission.QuotaAdmission} decides Admitted / Wait / Refused with
 *       small checks over one {@link io.tollgate.gateway.admission.ScopeUsage} per scope (the view
 *       plus the own admissions it has not counted, from the
 *       {@link io.tollgate.gateway.admission.ReservationLedger}):
 *       {@link io.tollgate.gateway.admission.DailyQuotaCheck},
 *       {@link io.tollgate.gateway.admission.TrailingWindowCheck} and, with several gateways,
 *       {@link io.tollgate.gateway.admission.ShareRule}. Limits come from the policy module's
 *       {@code LimitResolver}, days from its {@code Calendars}, the minute from its
 *       {@code TrailingWindow}.</li>
 *   <li>{@link io.tollgate.gateway.admission.CommandAwareAdmission} refuses calls in a scope that a
 *       BLOCK command covers, before asking the quota.</li>
 *   <li>{@link io.tollgate.gateway.admission.AdmissionDecision} is the answer; what held a call back
 *       is an {@link io.tollgate.gateway.admission.AdmissionDecision.Kind}.</li>
 * </ul>
 *
 * <p>Settings ({@link io.tollgate.gateway.admission.QuotaAdmission.Settings}): fail mode OPEN
 * (default) or CLOSED with a staleness bound (default 30 s); the views' skew allowance of the share
 * rule (default 500 ms). The number of gateways sharing the limits is the fleet's live size
 * ({@code control.FleetMembership}).
 */
package io.tollgate.gateway.admission;
