/**
 * Routing: which models to try for a call, in which order, and why.
 *
 * <ul>
 *   <li>{@link io.tollgate.gateway.routing.PolicyRouter} implements {@code Router} from the
 *       {@code routing} section of {@code tollgate.yaml}: {@code complexity_tiers} for
 *       {@code model: "auto"} and tier names, {@code fallback_chains}, {@code local_fallback}, and
 *       DOWNGRADE commands. {@link io.tollgate.gateway.routing.LiveRouting} holds that section as the
 *       policy topic's {@code routing:settings} record says it, so a change applies without a restart.</li>
 *   <li>{@link io.tollgate.gateway.routing.ComplexityScorer} scores a prompt 0..1 from
 *       {@link io.tollgate.gateway.routing.PromptFeatures} (counts only, {@link io.tollgate.gateway.routing.TextSignal})
 *       with the {@link io.tollgate.gateway.routing.ComplexityModel} shipped as
 *       {@code routing/complexity-model.json}, and names the {@link io.tollgate.gateway.routing.ComplexityFeature}s
 *       that weighed most ({@link io.tollgate.gateway.routing.Complexity}).</li>
 *   <li>{@link io.tollgate.gateway.routing.ModelDirectory} / {@link io.tollgate.gateway.routing.ModelInfo}:
 *       the little routing needs from the catalog (tier, context, prices);
 *       {@link io.tollgate.gateway.routing.CatalogModelDirectory} reads the gateway's catalog;
 *       {@link io.tollgate.gateway.routing.ConfigModelDirectory} a policy file's models (tests, the
 *       complexity evaluation).</li>
 *   <li>{@link io.tollgate.gateway.routing.CommandView} holds {@code tollgate.commands.v1} with the
 *       precedence rules; {@link io.tollgate.gateway.routing.CommandConsumer} keeps it current through
 *       the policy module's {@code CompactedView}, the one reader of compacted topics.</li>
 * </ul>
 */
package io.tollgate.gateway.routing;
