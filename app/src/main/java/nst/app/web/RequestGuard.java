package nst.app.web;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps other web sites out of the studio (app/STUDIO.md, "Who may call the studio"):
 * <ul>
 * <li>the Host header must name the address the server listens on (its loopback names when that is loopback, any IP
 *     address when it listens on every interface) or a name from {@code --allowed-host}; otherwise 421. This defeats
 *     DNS rebinding, where an attacker's host name is pointed at 127.0.0.1 and the browser sends that name;</li>
 * <li>a request that changes something (POST, PUT, PATCH, DELETE) that carries an Origin header must come from the
 *     studio's own origin ({@code http://} + the Host); otherwise 403. Without Origin (curl, scripts) it is allowed;</li>
 * <li>CORS preflights (OPTIONS) are refused with 403 and no Access-Control-Allow-* header, so no other site is ever
 *     allowed to read an answer.</li>
 * </ul>
 * Leaves out authentication: whoever can reach the port with a plain client is trusted.
 */
final class RequestGuard {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1");
    private static final Set<HandlerType> CHANGING = Set.of(HandlerType.POST, HandlerType.PUT, HandlerType.PATCH, HandlerType.DELETE);

    private final Set<String> names = new HashSet<>();
    private final boolean anyAddress;

    /** @param bindHost the address the server listens on; @param allowed further host names (from --allowed-host) */
    RequestGuard(String bindHost, List<String> allowed) {
        String bound = bare(bindHost.toLowerCase(Locale.ROOT));
        names.add(bound);
        InetAddress literal = literal(bound);
        anyAddress = literal != null && literal.isAnyLocalAddress();
        if (bound.equals("localhost") || (literal != null && literal.isLoopbackAddress())) names.addAll(LOOPBACK_NAMES);
        if (anyAddress) names.addAll(LOOPBACK_NAMES);
        for (String a : allowed) names.add(bare(a.trim().toLowerCase(Locale.ROOT)));
    }

    /** A Javalin before-handler: throws an {@link ApiError} for a request that is refused. */
    void check(Context ctx) {
        String host = ctx.header("Host");
        if (host == null || !accepts(host))
            throw new ApiError(421, "this studio does not answer to Host '" + host + "'; it answers to " + describe()
                    + " (start it with --allowed-host NAME to add a name)");
        if (ctx.method() == HandlerType.OPTIONS)
            throw new ApiError(403, "cross-origin requests are not accepted: the studio answers only its own page (no CORS)");
        String origin = ctx.header("Origin");
        if (CHANGING.contains(ctx.method()) && origin != null && !origin.equalsIgnoreCase("http://" + host))
            throw new ApiError(403, "Origin '" + origin + "' may not " + ctx.method() + " here: only the studio's own page"
                    + " (http://" + host + ") or a client that sends no Origin (curl) may change jobs");
    }

    /** Whether a Host header value (name or address, with an optional :port) is one of ours; the port is not checked. */
    boolean accepts(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        String name;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0 || !(close == h.length() - 1 || h.charAt(close + 1) == ':' && port(h.substring(close + 2)))) return false;
            name = h.substring(1, close);
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0 && (colon != h.lastIndexOf(':') || !port(h.substring(colon + 1)))) return false;
            name = colon < 0 ? h : h.substring(0, colon);
        }
        if (name.isEmpty()) return false;
        // An IP address in Host cannot be a rebinding attack (the attacking page would need our address as its origin).
        return names.contains(name) || anyAddress && literal(name) != null;
    }

    private String describe() {
        return (anyAddress ? "any of this machine's IP addresses, " : "") + String.join(", ", names.stream().sorted().toList());
    }

    private static boolean port(String s) {
        return !s.isEmpty() && s.length() <= 5 && s.chars().allMatch(Character::isDigit);
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The address when {@code s} is an IP literal (no name lookup), else null. */
    private static InetAddress literal(String s) {
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
