package io.tollgate.policy.access;

import io.javalin.Javalin;
import java.util.List;

/**
 * The routes a listener registered, as {@code METHOD path}: what the access walk ({@code RouteProbe}) calls with
 * each credential, so that a route added later is probed too. Read from Javalin's router in this one place.
 */
public final class RouteTable {

    private RouteTable() {
    }

    /** Every HTTP route of {@code app} (not its before/after handlers). */
    public static List<String> of(Javalin app) {
        return app.unsafe.internalRouter.allHttpHandlers().stream().map(p -> p.endpoint)
                .filter(e -> e.method.isHttpMethod()).map(e -> e.method.name() + " " + e.path).toList();
    }
}
