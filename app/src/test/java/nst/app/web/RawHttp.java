package nst.app.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Test helper: HTTP/1.1 over a plain socket, for what java.net.http will not send (a forged Host header, a body that
 * stalls, a stream held open). Every read has a socket timeout, so a test never hangs on it. Leaves out chunked bodies.
 */
final class RawHttp implements AutoCloseable {
    final Socket socket;
    final OutputStream out;
    final InputStream in;

    RawHttp(int port, int readTimeoutMillis) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(readTimeoutMillis);
        out = socket.getOutputStream();
        in = socket.getInputStream();
    }

    /** Sends the request head (lines joined with CRLF, then a blank line); Connection: close is added. */
    RawHttp head(String... lines) throws IOException {
        out.write((String.join("\r\n", lines) + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    RawHttp body(byte[] b) throws IOException {
        out.write(b);
        out.flush();
        return this;
    }

    /** The response head: status line and headers, up to the blank line. */
    String readHead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c, state = 0;
        while (state < 4 && (c = in.read()) >= 0) {
            b.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : (c == '\r' ? 1 : 0);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Head and body until the server closes (Connection: close). */
    String readAll() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    static int status(String response) {
        if (!response.startsWith("HTTP/1.1 ")) throw new AssertionError("not an HTTP response: '" + response + "'");
        return Integer.parseInt(response.substring(9, 12));
    }

    static boolean hasHeader(String response, String prefix) {
        String head = response.split("\r\n\r\n", 2)[0].toLowerCase(Locale.ROOT);
        return head.contains("\r\n" + prefix.toLowerCase(Locale.ROOT));
    }

    static String body(String response) {
        String[] parts = response.split("\r\n\r\n", 2);
        return parts.length < 2 ? "" : parts[1];
    }

    /** One whole request: head lines, an optional body, the whole response. */
    static String exchange(int port, byte[] body, String... head) throws IOException {
        try (RawHttp r = new RawHttp(port, 30_000)) {
            r.head(head);
            if (body != null) r.body(body);
            return r.readAll();
        }
    }

    @Override
    public void close() throws IOException { socket.close(); }
}
