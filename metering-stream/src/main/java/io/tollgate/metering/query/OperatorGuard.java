package io.tollgate.metering.query;

import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import io.tollgate.policy.access.AccessToken;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The operator token in front of every route of the query server, checked before routing (health,
 * metrics, instances and the dashboard included), so a route added later is guarded too.
 *
 * <p>Requests send {@code Authorization: Bearer <operator token>}. A browser cannot send a header when
 * it opens a page, so the dashboard page alone also takes the token once as {@code /dashboard?token=...}:
 * it answers with a session cookie and a redirect to the same address without the token. The cookie
 * ({@value #COOKIE}; HttpOnly, SameSite=Strict, path /) holds a value derived from the token
 * ({@link AccessToken#derive}), not the token, and the dashboard's own API calls authenticate with it.
 */
public final class OperatorGuard {

    /** The dashboard session cookie. */
    public static final String COOKIE = "tollgate_dashboard";
    /** The query parameter that carries the token when the dashboard page is opened. */
    public static final String TOKEN_PARAM = "token";
    private static final String COOKIE_PURPOSE = "tollgate-dashboard-session";
    private static final List<String> DASHBOARD_PAGES = List.of("/dashboard", "/dashboard/");
    private static final String HOW = "send the operator token as 'Authorization: Bearer <token>' (TOLLGATE_OPERATOR_TOKEN,"
            + " or the operator-token file in metering's state directory when none is configured; 'tollgate up' keeps"
            + " it in .tollgate/operator-token)";

    private final AccessToken token;
    private final byte[] session;

    public OperatorGuard(AccessToken token) {
        this.token = token;
        this.session = token.derive(COOKIE_PURPOSE).getBytes(StandardCharsets.US_ASCII);
    }

    /** A before-handler: passes an authenticated request, otherwise answers and stops it. */
    public void check(Context ctx) {
        String offered = ctx.queryParam(TOKEN_PARAM);
        if (offered != null && DASHBOARD_PAGES.contains(ctx.path())) {
            openDashboard(ctx, offered);
            return;
        }
        if (token.matchesAuthorization(ctx.header("Authorization")) || sessionCookie(ctx)) {
            return;
        }
        throw new Unauthorized(DASHBOARD_PAGES.contains(ctx.path())
                ? "The dashboard needs the operator token: open /dashboard?" + TOKEN_PARAM + "=<operator token> once"
                        + " ('tollgate up' prints this link), or " + HOW + "."
                : (ctx.header("Authorization") == null ? "No credential given: " : "The credential is not the operator"
                        + " token: ") + HOW + ". Agents read their own usage at the gateway's GET /v1/usage.");
    }

    private void openDashboard(Context ctx, String offered) {
        if (!token.matches(offered)) {
            throw new Unauthorized("The token in /dashboard?" + TOKEN_PARAM + "=... is not the operator token; " + HOW + ".");
        }
        Cookie cookie = new Cookie(COOKIE, new String(session, StandardCharsets.US_ASCII), "/", -1, false, true, null,
                SameSite.STRICT);
        ctx.cookie(cookie);
        ctx.header("Cache-Control", "no-store");
        ctx.redirect(ctx.path() + withoutToken(ctx.queryParamMap()), HttpStatus.SEE_OTHER);
    }

    private boolean sessionCookie(Context ctx) {
        String value = ctx.cookie(COOKIE);
        return value != null && MessageDigest.isEqual(session, value.getBytes(StandardCharsets.US_ASCII));
    }

    private static String withoutToken(Map<String, List<String>> params) {
        String rest = params.entrySet().stream().filter(e -> !e.getKey().equals(TOKEN_PARAM))
                .flatMap(e -> e.getValue().stream().map(v -> encode(e.getKey()) + "=" + encode(v)))
                .collect(Collectors.joining("&"));
        return rest.isEmpty() ? "" : "?" + rest;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** No operator token, or a wrong one; answered with 401 and the message. */
    public static final class Unauthorized extends RuntimeException {
        Unauthorized(String message) {
            super(message, null, false, false);
        }
    }
}
