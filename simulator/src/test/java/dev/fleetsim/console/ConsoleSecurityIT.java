package dev.fleetsim.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console bound to every address ({@code --ui-bind 0.0.0.0}): without the token, from another origin, or as a
 * cross-site form post, a request is refused; with the token it is let in and the browser gets a same-site cookie.
 * And on loopback, a Host header that is not a loopback name is refused (DNS rebinding). Raw HTTP over real sockets.
 */
class ConsoleSecurityIT {
    private ConsoleServer open;
    private ConsoleServer loopback;

    @BeforeEach
    void start() throws Exception {
        open = ConsoleServer.start("0.0.0.0", 0);
        loopback = ConsoleServer.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        open.close();
        loopback.close();
    }

    /** One request; the status line and headers, then the body. */
    private static String request(int port, String head) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write((head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String get(ConsoleServer c, String path, String extraHeaders) throws IOException {
        return request(c.port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + c.port() + "\r\n" + extraHeaders);
    }

    @Test
    void withoutTheTokenEveryPathIsRefused() throws IOException {
        for (String path : new String[] {"/", "/events", "/api/state", "/api/things", "/console.js", "/?token=nope"}) {
            assertThat(get(open, path, "")).as(path).startsWith("HTTP/1.1 403");
        }
        String post = request(
                open.port(),
                "POST /api/jobs/j/cancel HTTP/1.1\r\nHost: 127.0.0.1:" + open.port()
                        + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(post).startsWith("HTTP/1.1 403");
    }

    @Test
    void theTokenLetsThePageInAndSetsASameSiteCookie() throws IOException {
        String page = get(open, "/?token=" + open.token(), "");
        assertThat(page).startsWith("HTTP/1.1 200").contains("<canvas id=\"grid\"");
        assertThat(page)
                .containsPattern("(?i)set-cookie: fleetsim_console=" + open.token() + "; Path=/; HttpOnly;"
                        + " SameSite=Strict");
        assertThat(page).containsIgnoringCase("content-security-policy: default-src 'self'");
        // The page's own later requests carry only the cookie.
        assertThat(get(open, "/console.js", "Cookie: fleetsim_console=" + open.token() + "\r\n"))
                .startsWith("HTTP/1.1 200");
        assertThat(get(open, "/console.js", "Cookie: fleetsim_console=" + "0".repeat(32) + "\r\n"))
                .startsWith("HTTP/1.1 403");
    }

    @Test
    void anotherOriginIsRefusedEvenWithTheCookie() throws IOException {
        String cookie = "Cookie: fleetsim_console=" + open.token() + "\r\n";
        assertThat(get(open, "/api/state", cookie + "Origin: http://evil.example\r\n"))
                .startsWith("HTTP/1.1 403")
                .contains("another origin");
        String crossSitePost = request(
                open.port(),
                "POST /api/clock HTTP/1.1\r\nHost: 127.0.0.1:" + open.port() + "\r\n" + cookie
                        + "Origin: http://evil.example\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n"
                        + "{\"paused\": true}");
        assertThat(crossSitePost).startsWith("HTTP/1.1 403");
        // A form post (the only cross-site request a page can send without asking) is not JSON: refused as such.
        String formPost = request(
                open.port(),
                "POST /api/clock HTTP/1.1\r\nHost: 127.0.0.1:" + open.port() + "\r\n" + cookie
                        + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(formPost).startsWith("HTTP/1.1 415");
        // The same origin is let through (the run has not started: the console says so).
        assertThat(get(open, "/api/state", cookie + "Origin: http://127.0.0.1:" + open.port() + "\r\n"))
                .startsWith("HTTP/1.1 503");
    }

    @Test
    void onLoopbackAForeignHostNameIsRefused() throws IOException {
        String withToken = "/?token=" + loopback.token();
        assertThat(request(
                        loopback.port(),
                        "GET " + withToken + " HTTP/1.1\r\nHost: rebind.evil.example:" + loopback.port() + "\r\n"))
                .startsWith("HTTP/1.1 403");
        assertThat(request(
                        loopback.port(),
                        "GET " + withToken + " HTTP/1.1\r\nHost: localhost:" + loopback.port() + "\r\n"))
                .startsWith("HTTP/1.1 200");
        assertThat(loopback.url()).startsWith("http://127.0.0.1:" + loopback.port() + "/?token=");
    }
}
