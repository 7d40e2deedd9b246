package io.tollgate.gateway.routing;

/**
 * Who a call belongs to: every scope that limits, budgets and routing commands can name. The key's own
 * tenant, team and agent always carry the call; {@code subAgent} ({@code X-Tollgate-Agent}) only adds a
 * dimension under the key's agent, null when the agent sent none. {@code conversationId} is null when the
 * agent sent no {@code X-Tollgate-Conversation} header.
 */
public record Caller(String keyId, String tenant, String team, String agent, String tier, String conversationId,
                     String subAgent) {

    /** A caller without a sub-agent. */
    public Caller(String keyId, String tenant, String team, String agent, String tier, String conversationId) {
        this(keyId, tenant, team, agent, tier, conversationId, null);
    }

    /** The id of the sub-agent scope, {@code <agent>/<sub-agent>}, or null without a sub-agent. */
    public String subAgentId() {
        return subAgent == null ? null : agent + '/' + subAgent;
    }
}
