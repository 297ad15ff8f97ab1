package dev.fleetsim.local.s3;

import dev.fleetsim.aws.AccessKeyPair;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3 (and SigV2 presigned URLs, which the AWS CLI v1 still makes), both ways: verifying header-signed ({@code Authorization}) and presigned
 * (query-string) requests as S3 does, presigning URLs, and the per-chunk signatures of {@code aws-chunked} uploads.
 *
 * <p>S3 specifics: the canonical URI is the decoded path encoded once (S3 neither normalises nor double-encodes it); the
 * payload hash is the {@code x-amz-content-sha256} header ({@code UNSIGNED-PAYLOAD} for presigned URLs). Any region
 * in the credential scope is accepted (the local store has one namespace), the service must be {@code s3}.
 */
public final class SigV4 {
    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /** S3 refuses header-signed requests whose time is further than this from its own. */
    static final Duration MAX_SKEW = Duration.ofMinutes(15);
    /** The longest a presigned URL may be valid: 7 days. */
    static final long MAX_EXPIRES = 604_800;

    static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private SigV4() {}

    /** The parts of an HTTP request signing looks at; header names lower-case. */
    public record Request(String method, String rawPath, String rawQuery, Map<String, List<String>> headers) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : String.join(",", values);
        }
    }

    /**
     * A verified request: who signed it, the payload hash it declared, and what chunk signatures of an
     * {@code aws-chunked} body are chained to.
     */
    public record Verified(
            String accessKeyId, String payloadHash, String seedSignature, String amzDate, String scope, byte[] key) {
        /** The signature a chunk must carry, given the previous signature and the chunk's SHA-256. */
        public String chunkSignature(String previousSignature, byte[] chunkSha256) {
            String stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + previousSignature
                    + "\n" + EMPTY_SHA256 + "\n" + HexFormat.of().formatHex(chunkSha256);
            return HexFormat.of().formatHex(hmac(key, stringToSign));
        }
    }

    /**
     * Verifies a request signed either way.
     *
     * @param now the store's clock, for presigned expiry (virtual when the stack is time-scaled)
     * @param realNow wall-clock time, for the skew of header-signed requests (clients sign with their own clock)
     * @throws S3Exception with S3's code when the request is unsigned, malformed, expired or does not match
     */
    public static Verified verify(
            Request request, Function<String, AccessKeyPair> credentials, Instant now, Instant realNow) {
        Map<String, String> query = decodeQuery(request.rawQuery());
        if (query.containsKey("X-Amz-Signature") || query.containsKey("X-Amz-Algorithm")) {
            return verifyPresigned(request, query, credentials, now);
        }
        if (query.containsKey("Signature") && query.containsKey("AWSAccessKeyId")) {
            return verifyPresignedV2(request, query, credentials, now);
        }
        String authorization = request.header("authorization");
        if (authorization == null) {
            throw S3Exception.accessDenied("Access Denied");
        }
        return verifyHeader(request, authorization, credentials, realNow, "s3", null);
    }

    /**
     * Verifies a header-signed request to an AWS service other than S3 ({@code iot}, {@code iot-jobs-data}): the
     * payload hash is the body's when the client sent no {@code x-amz-content-sha256}, and the canonical URI is the
     * path encoded once more, segment by segment, as the AWS SDKs sign for every service but S3.
     *
     * @throws S3Exception with the code S3 would use; callers translate it into their service's error
     */
    public static Verified verifyService(
            Request request,
            byte[] body,
            Set<String> services,
            Function<String, AccessKeyPair> credentials,
            Instant realNow) {
        String authorization = request.header("authorization");
        if (authorization == null) {
            throw S3Exception.accessDenied("Missing Authentication Token");
        }
        Verified verified = null;
        for (String service : services) {
            if (authorization.contains("/" + service + "/aws4_request")) {
                verified = verifyHeader(request, authorization, credentials, realNow, service, body);
            }
        }
        if (verified == null) {
            throw malformed("the credential scope names none of the services " + services);
        }
        return verified;
    }

    private static Verified verifyHeader(
            Request request,
            String authorization,
            Function<String, AccessKeyPair> credentials,
            Instant realNow,
            String service,
            byte[] body) {
        if (!authorization.startsWith(ALGORITHM + " ")) {
            throw new S3Exception(
                    400,
                    "InvalidArgument",
                    "Unsupported Authorization Type: only " + ALGORITHM + " (SigV4) is supported",
                    Map.of("ArgumentName", "Authorization", "ArgumentValue", abbreviate(authorization)));
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : authorization.substring(ALGORITHM.length() + 1).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        String credential = parts.get("Credential");
        String signedHeaders = parts.get("SignedHeaders");
        String signature = parts.get("Signature");
        if (credential == null || signedHeaders == null || signature == null) {
            throw malformed("the Authorization header needs Credential, SignedHeaders and Signature");
        }
        String amzDate = request.header("x-amz-date");
        if (amzDate == null) {
            throw accessDeniedMissing("AWS authentication requires a valid Date or x-amz-date header");
        }
        Instant signedAt = parseAmzDate(amzDate);
        if (Duration.between(signedAt, realNow).abs().compareTo(MAX_SKEW) > 0) {
            throw new S3Exception(
                    403,
                    "RequestTimeTooSkewed",
                    "The difference between the request time and the current time is too large.",
                    Map.of(
                            "RequestTime",
                            amzDate,
                            "ServerTime",
                            realNow.toString(),
                            "MaxAllowedSkewMilliseconds",
                            Long.toString(MAX_SKEW.toMillis())));
        }
        String payloadHash = request.header("x-amz-content-sha256");
        if (payloadHash == null && body != null) {
            payloadHash = HexFormat.of().formatHex(sha256(body));
        }
        if (payloadHash == null) {
            throw new S3Exception(
                    400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
        }
        Scope scope = Scope.parse(credential, amzDate, service);
        AccessKeyPair secret = lookup(credentials, scope.accessKeyId());
        String canonical = canonicalRequest(
                request,
                decodeQuery(request.rawQuery()),
                signedHeaders,
                payloadHash,
                service.equals("s3") ? canonicalPath(request.rawPath()) : serviceCanonicalPath(request.rawPath()));
        return check(scope, secret, amzDate, canonical, signature, payloadHash);
    }

    private static Verified verifyPresigned(
            Request request, Map<String, String> query, Function<String, AccessKeyPair> credentials, Instant now) {
        for (String required : List.of(
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Expires",
                "X-Amz-SignedHeaders",
                "X-Amz-Signature")) {
            if (!query.containsKey(required)) {
                throw new S3Exception(
                        400,
                        "AuthorizationQueryParametersError",
                        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential,"
                                + " X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
            }
        }
        if (!ALGORITHM.equals(query.get("X-Amz-Algorithm"))) {
            throw new S3Exception(
                    400, "AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"" + ALGORITHM + "\"");
        }
        long expires;
        try {
            expires = Long.parseLong(query.get("X-Amz-Expires"));
        } catch (NumberFormatException e) {
            expires = -1;
        }
        if (expires < 1 || expires > MAX_EXPIRES) {
            throw new S3Exception(
                    400,
                    "AuthorizationQueryParametersError",
                    "X-Amz-Expires must be a number of seconds from 1 to 604800 (7 days)");
        }
        String amzDate = query.get("X-Amz-Date");
        Instant signedAt = parseAmzDate(amzDate);
        Instant expiresAt = signedAt.plusSeconds(expires);
        if (now.isAfter(expiresAt)) {
            throw new S3Exception(
                    403,
                    "AccessDenied",
                    "Request has expired",
                    Map.of(
                            "X-Amz-Expires",
                            Long.toString(expires),
                            "Expires",
                            expiresAt.toString(),
                            "ServerTime",
                            now.toString()));
        }
        Scope scope = Scope.parse(query.get("X-Amz-Credential"), amzDate, "s3");
        AccessKeyPair secret = lookup(credentials, scope.accessKeyId());
        Map<String, String> signedQuery = new LinkedHashMap<>(query);
        signedQuery.remove("X-Amz-Signature");
        String signedHeaders = query.get("X-Amz-SignedHeaders");
        String payload = request.header("x-amz-content-sha256") != null
                        && List.of(signedHeaders.split(";")).contains("x-amz-content-sha256")
                ? request.header("x-amz-content-sha256")
                : UNSIGNED_PAYLOAD;
        String canonical = canonicalRequest(request, signedQuery, signedHeaders, payload);
        return check(scope, secret, amzDate, canonical, query.get("X-Amz-Signature"), UNSIGNED_PAYLOAD);
    }

    /** Signs the canonical request with the scope's key and compares with what the client sent, in constant time. */
    private static Verified check(
            Scope scope, AccessKeyPair secret, String amzDate, String canonical, String provided, String payloadHash) {
        byte[] key = signingKey(secret.secretAccessKey(), scope.date(), scope.region(), scope.service());
        String stringToSign = stringToSign(amzDate, scope.text(), canonical);
        String expected = HexFormat.of().formatHex(hmac(key, stringToSign));
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII),
                provided.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            throw mismatch(scope.accessKeyId(), stringToSign, provided, canonical);
        }
        return new Verified(scope.accessKeyId(), payloadHash, provided, amzDate, scope.text(), key);
    }

    /**
     * Legacy SigV2 query authentication ({@code AWSAccessKeyId}, {@code Expires}, {@code Signature}), which the AWS
     * CLI v1's {@code aws s3 presign} still produces: Base64(HMAC-SHA1(secret, "GET\n\n\n" + Expires + "\n" +
     * resource)).
     */
    private static Verified verifyPresignedV2(
            Request request, Map<String, String> query, Function<String, AccessKeyPair> credentials, Instant now) {
        long expires;
        try {
            expires = Long.parseLong(query.getOrDefault("Expires", ""));
        } catch (NumberFormatException e) {
            throw new S3Exception(403, "AccessDenied", "Query-string authentication requires the Expires parameter");
        }
        if (now.getEpochSecond() > expires) {
            throw new S3Exception(
                    403,
                    "AccessDenied",
                    "Request has expired",
                    Map.of("Expires", Instant.ofEpochSecond(expires).toString(), "ServerTime", now.toString()));
        }
        AccessKeyPair secret = lookup(credentials, query.get("AWSAccessKeyId"));
        StringBuilder resource = new StringBuilder(request.rawPath().isEmpty() ? "/" : request.rawPath());
        List<String> sub = new ArrayList<>();
        query.forEach((k, v) -> {
            if (k.equals("versionId") || k.startsWith("response-")) {
                sub.add(v.isEmpty() ? k : k + "=" + v);
            }
        });
        Collections.sort(sub);
        if (!sub.isEmpty()) {
            resource.append('?').append(String.join("&", sub));
        }
        String contentMd5 = request.header("content-md5");
        String contentType = request.header("content-type");
        String stringToSign = request.method() + "\n" + (contentMd5 == null ? "" : contentMd5) + "\n"
                + (contentType == null ? "" : contentType) + "\n" + expires + "\n" + resource;
        byte[] expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.secretAccessKey().getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            expected = mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        String provided = query.get("Signature");
        if (!MessageDigest.isEqual(
                Base64.getEncoder().encodeToString(expected).getBytes(StandardCharsets.US_ASCII),
                provided.getBytes(StandardCharsets.US_ASCII))) {
            throw mismatch(query.get("AWSAccessKeyId"), stringToSign, provided, "(SigV2)");
        }
        return new Verified(query.get("AWSAccessKeyId"), UNSIGNED_PAYLOAD, provided, null, null, null);
    }

    /**
     * A presigned GET URL: {@code baseUrl} (scheme, host and port, as the client will send {@code Host}) plus the raw,
     * already-encoded path, valid for {@code expiresInSec} from {@code now}.
     */
    public static String presignGet(
            AccessKeyPair credentials, String region, String baseUrl, String rawPath, Instant now, long expiresInSec) {
        String host = URI.create(baseUrl).getRawAuthority();
        String amzDate = AMZ_DATE.format(now);
        String date = DATE.format(now);
        String scope = date + "/" + region + "/s3/aws4_request";
        Map<String, String> query = new LinkedHashMap<>();
        query.put("X-Amz-Algorithm", ALGORITHM);
        query.put("X-Amz-Credential", credentials.accessKeyId() + "/" + scope);
        query.put("X-Amz-Date", amzDate);
        query.put("X-Amz-Expires", Long.toString(expiresInSec));
        query.put("X-Amz-SignedHeaders", "host");
        Request request = new Request("GET", rawPath, "", Map.of("host", List.of(host)));
        String canonical = canonicalRequest(request, query, "host", UNSIGNED_PAYLOAD);
        byte[] key = signingKey(credentials.secretAccessKey(), date, region, "s3");
        String signature = HexFormat.of().formatHex(hmac(key, stringToSign(amzDate, scope, canonical)));
        return baseUrl + rawPath + "?" + canonicalQuery(query) + "&X-Amz-Signature=" + signature;
    }

    // ------------------------------------------------------------------ the algorithm

    private record Scope(String accessKeyId, String date, String region, String service, String text) {
        static Scope parse(String credential, String amzDate, String service) {
            String[] p = credential.split("/");
            if (p.length != 5 || !"aws4_request".equals(p[4])) {
                throw malformed("the credential must be <access key>/<date>/<region>/" + service + "/aws4_request: "
                        + credential);
            }
            if (!service.equals(p[3])) {
                throw malformed("the credential scope names service '" + p[3] + "', expected '" + service + "'");
            }
            if (!amzDate.startsWith(p[1])) {
                throw malformed("the credential date " + p[1] + " is not the date of x-amz-date " + amzDate);
            }
            return new Scope(p[0], p[1], p[2], service, p[1] + "/" + p[2] + "/" + service + "/aws4_request");
        }
    }

    static String canonicalRequest(
            Request request, Map<String, String> query, String signedHeaders, String payloadHash) {
        return canonicalRequest(request, query, signedHeaders, payloadHash, canonicalPath(request.rawPath()));
    }

    private static String canonicalRequest(
            Request request, Map<String, String> query, String signedHeaders, String payloadHash, String path) {
        StringBuilder headers = new StringBuilder();
        for (String name : signedHeaders.split(";")) {
            String value = request.header(name);
            if (value == null) {
                throw malformed("the signed header '" + name + "' is not in the request");
            }
            headers.append(name)
                    .append(':')
                    .append(value.trim().replaceAll(" +", " "))
                    .append('\n');
        }
        return request.method() + "\n" + path + "\n" + canonicalQuery(query) + "\n" + headers + "\n" + signedHeaders
                + "\n" + payloadHash;
    }

    /**
     * S3's canonical URI: the decoded path encoded once more, keeping {@code /} (so {@code %7E} and {@code ~}, or a
     * key's leading {@code /} sent as {@code %2F}, sign the same); S3 does not remove dot segments or empty segments.
     */
    static String canonicalPath(String rawPath) {
        return rawPath.isEmpty() ? "/" : encodePath(percentDecode(rawPath));
    }

    /** Every other service's canonical URI: the path as sent, each segment encoded once more ({@code %} → {@code %25}). */
    static String serviceCanonicalPath(String rawPath) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        String[] segments = rawPath.split("/", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(encode(segments[i]));
        }
        return out.toString();
    }

    static String canonicalQuery(Map<String, String> query) {
        List<String[]> pairs = new ArrayList<>();
        query.forEach((k, v) -> pairs.add(new String[] {encode(k), encode(v)}));
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder out = new StringBuilder();
        for (String[] p : pairs) {
            if (out.length() > 0) {
                out.append('&');
            }
            out.append(p[0]).append('=').append(p[1]);
        }
        return out.toString();
    }

    private static String stringToSign(String amzDate, String scope, String canonicalRequest) {
        return ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + HexFormat.of().formatHex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] signingKey(String secret, String date, String region, String service) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        return hmac(k, "aws4_request");
    }

    /** RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX (upper-case). */
    public static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)));
                out.append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Encodes an object key for a URL path: like {@link #encode} but keeping {@code /}. */
    public static String encodePath(String key) {
        return encode(key).replace("%2F", "/");
    }

    /** Decodes a raw query string; {@code +} stays a plus (SigV4 clients encode spaces as %20). */
    public static Map<String, String> decodeQuery(String rawQuery) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(percentDecode(k), percentDecode(v));
        }
        return out;
    }

    /** Percent-decoding of a URL component (UTF-8); malformed escapes are an S3 InvalidArgument. */
    public static String percentDecode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        byte[] out = new byte[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    throw S3Exception.invalidArgument("malformed percent-encoding in the URL");
                }
                int hi = Character.digit(text.charAt(i + 1), 16);
                int lo = Character.digit(text.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw S3Exception.invalidArgument("malformed percent-encoding in the URL");
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (n + bytes.length > out.length) {
                    out = Arrays.copyOf(out, out.length * 2 + bytes.length);
                }
                System.arraycopy(bytes, 0, out, n, bytes.length);
                n += bytes.length;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    static Instant parseAmzDate(String text) {
        try {
            return Instant.from(AMZ_DATE.parse(text));
        } catch (DateTimeParseException | NullPointerException e) {
            throw new S3Exception(
                    403, "AccessDenied", "X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'");
        }
    }

    private static AccessKeyPair lookup(Function<String, AccessKeyPair> credentials, String accessKeyId) {
        AccessKeyPair c = credentials.apply(accessKeyId);
        if (c == null) {
            throw new S3Exception(
                    403,
                    "InvalidAccessKeyId",
                    "The AWS Access Key Id you provided does not exist in our records.",
                    Map.of("AWSAccessKeyId", accessKeyId));
        }
        return c;
    }

    private static S3Exception mismatch(String accessKeyId, String stringToSign, String provided, String canonical) {
        return new S3Exception(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and"
                        + " signing method.",
                Map.of(
                        "AWSAccessKeyId", accessKeyId,
                        "StringToSign", stringToSign,
                        "SignatureProvided", provided,
                        "CanonicalRequest", canonical));
    }

    private static S3Exception malformed(String message) {
        return new S3Exception(400, "AuthorizationHeaderMalformed", message);
    }

    private static S3Exception accessDeniedMissing(String message) {
        return new S3Exception(403, "AccessDenied", message);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
