package dev.fleetsim.local.s3;

import dev.fleetsim.net.Ids;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** S3's wire vocabulary: XML answers and error documents, escaping, request ids, HTTP dates. */
final class S3Xml {
    static final String XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";
    static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private S3Xml() {}

    /** An XML answer: the prolog, {@code body}, its type and length. */
    static FullHttpResponse response(int status, String body) {
        ByteBuf content =
                Unpooled.copiedBuffer("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body, StandardCharsets.UTF_8);
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/xml")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        return response;
    }

    /** S3's {@code <Error>} document: code, message, the exception's details in order, request and host ids. */
    static String error(S3Exception e) {
        StringBuilder body = new StringBuilder("<Error><Code>")
                .append(escape(e.code()))
                .append("</Code><Message>")
                .append(escape(e.getMessage()))
                .append("</Message>");
        e.details()
                .forEach((k, v) -> body.append('<')
                        .append(k)
                        .append('>')
                        .append(escape(v))
                        .append("</")
                        .append(k)
                        .append('>'));
        return body.append("<RequestId>")
                .append(requestId())
                .append("</RequestId><HostId>fleetsim</HostId></Error>")
                .toString();
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                case '\r' -> out.append("&#13;");
                case '\n' -> out.append("&#10;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** With {@code encoding-type=url}, keys and prefixes in listings are URL-encoded. */
    static String encodeIf(String text, boolean url) {
        return url ? SigV4.encodePath(text) : text;
    }

    static String requestId() {
        return Ids.hex(16).toUpperCase(Locale.ROOT);
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
