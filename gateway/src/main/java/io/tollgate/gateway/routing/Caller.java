package io.tollgate.gateway.routing;

/**
 * Who a call belongs to: every scope that limits, budgets and routing commands can name.
 * {@code conversationId} is null when the agent sent no {@code X-Tollgate-Conversation} header.
 */
public record Caller(String keyId, String tenant, String team, String agent, String tier, String conversationId) {
}
