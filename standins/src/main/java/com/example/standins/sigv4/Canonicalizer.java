package com.example.standins.sigv4;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/** The SigV4 canonicalization rules, applied to what was received (never to what a client meant to send). */
final class Canonicalizer {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private Canonicalizer() {}

  /**
   * Canonical URI. Every service except S3 normalizes the path (dot segments, repeated slashes) and URI-encodes the
   * already-encoded path a second time; S3 uses the path as a single encoding, without normalization.
   */
  static String canonicalUri(String rawPath, boolean s3) {
    if (s3) {
      List<String> encoded = new ArrayList<>();
      for (String segment : rawPath.split("/", -1)) {
        encoded.add(uriEncode(percentDecode(segment, false), true));
      }
      String uri = String.join("/", encoded);
      return uri.startsWith("/") ? uri : "/" + uri;
    }
    Deque<String> segments = new ArrayDeque<>();
    for (String segment : rawPath.split("/")) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        segments.pollLast();
      } else {
        segments.addLast(segment);
      }
    }
    StringBuilder out = new StringBuilder();
    for (String segment : segments) {
      out.append('/').append(uriEncode(segment, false));
    }
    if (segments.isEmpty()) {
      return "/";
    }
    if (rawPath.endsWith("/")) {
      out.append('/');
    }
    return out.toString();
  }

  /** Canonical query: each name and value decoded, re-encoded strictly, sorted by name then value. */
  static String canonicalQuery(String rawQuery) {
    if (rawQuery.isEmpty()) {
      return "";
    }
    List<String[]> params = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      // '+' means space in a query string (Go's url.Query() and AWS servers agree); encoded as %20 below.
      params.add(
          new String[] {uriEncode(percentDecode(name, true), true), uriEncode(percentDecode(value, true), true)});
    }
    params.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
    StringBuilder out = new StringBuilder();
    for (String[] p : params) {
      if (!out.isEmpty()) {
        out.append('&');
      }
      out.append(p[0]).append('=').append(p[1]);
    }
    return out.toString();
  }

  /** Canonical headers block for exactly the signed header names, each line ending in '\n'. */
  static String canonicalHeaders(Map<String, List<String>> valuesByName, List<String> signedHeaders) {
    StringBuilder out = new StringBuilder();
    for (String name : signedHeaders) {
      List<String> values = valuesByName.get(name);
      out.append(name).append(':');
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(values.get(i).strip().replaceAll("\\s+", " "));
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** RFC 3986 encoding of everything but the unreserved characters, as SigV4 specifies. */
  static String uriEncode(String value, boolean encodeSlash) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xFF);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash)) {
        out.append(c);
      } else {
        out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
      }
    }
    return out.toString();
  }

  /** Lenient percent-decoding: malformed escapes stay literal, as a server has to accept them. */
  static String percentDecode(String value, boolean plusIsSpace) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      if (b == '%' && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
        out.write(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
        i += 2;
      } else if (b == '+' && plusIsSpace) {
        out.write(' ');
      } else {
        out.write(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(byte b) {
    return Character.digit((char) b, 16);
  }
}
