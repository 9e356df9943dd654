package nst.app.web;

import io.javalin.Javalin;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The studio's error answers on a bare Javalin set up as StudioServer sets itself up (StudioErrors), with routes that
 * fail as no real request can be made to fail on demand: an OutOfMemoryError and an unexpected exception.
 */
class StudioErrorsTest {
    @Test
    void outOfMemoryInARequestIs503WithOneLineAndTheServerCarriesOn() throws Exception {
        Javalin app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            StudioErrors.configure(c);
        });
        StudioErrors.install(app);
        app.get("/api/hungry", ctx -> { throw new OutOfMemoryError("Java heap space"); });
        app.get("/api/broken", ctx -> { throw new IllegalStateException("secret internal detail"); });
        app.get("/api/fine", ctx -> ctx.result("ok"));
        app.start("127.0.0.1", 0);
        try {
            Http http = new Http("http://127.0.0.1:" + app.port());
            Http.Reply r = http.get("/api/hungry");
            assertEquals(503, r.status(), () -> new String(r.body()));
            assertEquals(StudioErrors.OUT_OF_MEMORY, r.error());
            assertFalse(new String(r.body()).contains("\n"), "one line");
            Http.Reply b = http.get("/api/broken");
            assertEquals(500, b.status());
            assertFalse(b.error().contains("secret"), "no exception text reaches the client: " + b.error());
            assertTrue(b.error().contains("IllegalStateException") && b.error().contains("server log"), b.error());
            assertEquals("ok", new String(http.get("/api/fine").body()), "the server carries on");
        } finally {
            app.stop();
        }
    }
}
