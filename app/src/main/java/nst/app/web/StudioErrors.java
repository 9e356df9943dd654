package nst.app.web;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import nst.engine.NstException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the studio answers when a request goes wrong: always one JSON line {"status", "error"} with a plain message,
 * never an exception's text. API errors keep their own message (the page's 404 never replaces them); an
 * OutOfMemoryError inside a request is a 503 and the server carries on. Leaves out error codes beyond the status.
 */
final class StudioErrors {
    private static final Logger LOG = LoggerFactory.getLogger(StudioErrors.class);

    static final String OUT_OF_MEMORY = "the server ran out of memory for this request; try smaller or fewer images,"
            + " or start the studio with a larger heap (NST_JAVA_OPTS=-Xmx16g)";

    private StudioErrors() {}

    /** Java errors (out of memory, stack overflow) never reach Javalin's exception handlers: they are answered here. */
    static void configure(JavalinConfig c) {
        c.pvt.javaLangErrorHandler((res, error) -> {
            if (error instanceof OutOfMemoryError) {
                LOG.warn("a request ran out of memory: {}", error.toString());
                write(res, 503, OUT_OF_MEMORY);
            } else {
                LOG.error("request failed", error);
                write(res, 500, "internal error (" + error.getClass().getSimpleName() + "); the server log has the details");
            }
        });
    }

    static void install(Javalin app) {
        app.exception(ApiError.class, (e, ctx) -> json(ctx, e.status(), e.getMessage()));
        app.exception(NstException.class, (e, ctx) -> json(ctx, 400, e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
            json(ctx, 500, "internal error (" + e.getClass().getSimpleName() + "); the server log has the details");
        });
        app.error(404, ctx -> {
            String answered = ctx.res().getContentType();               // an API 404 has already said what is missing
            if (ctx.path().startsWith("/api/") && (answered == null || !answered.startsWith("application/json")))
                json(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path() + " (see STUDIO.md)");
        });
    }

    static void json(Context ctx, int status, String message) {
        ctx.status(status).contentType("application/json").result(Json.write(body(status, message)));
    }

    private static Map<String, Object> body(int status, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("error", message);
        return m;
    }

    private static void write(HttpServletResponse res, int status, String message) {
        try {
            if (res.isCommitted()) return;
            res.reset();
            res.setStatus(status);
            res.setContentType("application/json");
            res.getOutputStream().write(Json.write(body(status, message)).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException | OutOfMemoryError ignored) {
            // the client has gone, or there is not even memory for the answer: nothing more to do
        }
    }
}
