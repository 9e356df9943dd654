package nst.app.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** Test helper: java.net.http calls against a studio, multipart bodies, JSON and SSE reading. Leaves out retries. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final String base;

    Http(String base) { this.base = base; }

    record Reply(int status, JsonNode json, byte[] body, String contentType) {
        String error() { return json == null ? null : json.path("error").asText(null); }
    }

    /** A multipart/form-data body built by hand for the test client (the server uses Jetty's parser). */
    static final class Form {
        final String boundary = "nst" + UUID.randomUUID();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Form field(String name, Object value) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
            return this;
        }

        Form file(String name, String filename, byte[] data) {
            write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
            out.writeBytes(data);
            write("\r\n");
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(out.toByteArray());
            o.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            return o.toByteArray();
        }

        private void write(String s) { out.writeBytes(s.getBytes(StandardCharsets.UTF_8)); }
    }

    Reply post(String path, Form f) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "multipart/form-data; boundary=" + f.boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(f.bytes())).build());
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
    }

    Reply delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE().build());
    }

    Reply send(HttpRequest r) throws IOException, InterruptedException {
        HttpResponse<byte[]> resp = client.send(r, HttpResponse.BodyHandlers.ofByteArray());
        String ct = resp.headers().firstValue("Content-Type").orElse("");
        JsonNode json = ct.startsWith("application/json") ? JSON.readTree(resp.body()) : null;
        return new Reply(resp.statusCode(), json, resp.body(), ct);
    }

    record Sse(String event, JsonNode data) {}

    /** Reads a job's event stream until a terminal event (or the stream ends). */
    List<Sse> events(String id, Duration timeout) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").timeout(timeout).GET().build();
        HttpResponse<Stream<String>> resp = client.send(r, HttpResponse.BodyHandlers.ofLines());
        List<Sse> out = new ArrayList<>();
        String event = "message";
        StringBuilder data = new StringBuilder();
        try (Stream<String> lines = resp.body()) {
            var it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.startsWith("event:")) event = line.substring(6).trim();
                else if (line.startsWith("data:")) data.append(line.substring(5).trim());
                else if (line.isEmpty() && !data.isEmpty()) {
                    out.add(new Sse(event, JSON.readTree(data.toString())));
                    if (event.equals("done") || event.equals("failed") || event.equals("cancelled")) break;
                    event = "message";
                    data.setLength(0);
                }
            }
        }
        return out;
    }

    /** Polls GET /api/jobs/{id} until its status is one of {@code wanted}. */
    JsonNode await(String id, Duration timeout, String... wanted) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < end) {
            last = get("/api/jobs/" + id).json();
            for (String w : wanted) if (last.path("status").asText().equals(w)) return last;
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not reach " + String.join("|", wanted) + " in " + timeout + "; last: " + last);
    }
}
