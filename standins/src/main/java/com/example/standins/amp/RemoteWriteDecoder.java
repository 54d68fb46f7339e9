package com.example.standins.amp;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.xerial.snappy.Snappy;

/**
 * Decodes and sanity-checks a Prometheus remote-write 1.0 body: snappy block format around a protobuf
 * {@code prometheus.WriteRequest}. Hand-decoded with protobuf's CodedInputStream: the three messages involved are tiny
 * and stable, and this avoids generating code from .proto files at build time.
 */
public final class RemoteWriteDecoder {
  /** Bound on the decompressed size so a hostile length prefix cannot make the stand-in allocate gigabytes. */
  static final int MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  private RemoteWriteDecoder() {}

  /** What a valid write request contained. */
  public record Summary(int series, long samples, long histograms, List<String> metricNames) {}

  /** Thrown for a body that real AMP would reject with 400; the message says which rule was broken. */
  public static final class InvalidWriteException extends Exception {
    private final String rule;

    InvalidWriteException(String rule, String message) {
      super(message);
      this.rule = rule;
    }

    /** Short key for the rejection counters, e.g. "snappy", "protobuf", "missing_name". */
    public String rule() {
      return rule;
    }
  }

  public static Summary decode(byte[] snappyBody) throws InvalidWriteException {
    byte[] raw;
    try {
      if (!Snappy.isValidCompressedBuffer(snappyBody)) {
        throw new InvalidWriteException("snappy", "body is not valid snappy block-format data");
      }
      int length = Snappy.uncompressedLength(snappyBody);
      if (length < 0 || length > MAX_UNCOMPRESSED_BYTES) {
        throw new InvalidWriteException("too_large", "uncompressed body exceeds " + MAX_UNCOMPRESSED_BYTES + " bytes");
      }
      raw = Snappy.uncompress(snappyBody);
    } catch (IOException e) {
      throw new InvalidWriteException("snappy", "snappy decode failed: " + e.getMessage());
    }
    try {
      return parseWriteRequest(CodedInputStream.newInstance(raw));
    } catch (IOException e) {
      throw new InvalidWriteException("protobuf", "not a prometheus.WriteRequest: " + e.getMessage());
    }
  }

  private static Summary parseWriteRequest(CodedInputStream in) throws IOException, InvalidWriteException {
    int series = 0;
    long samples = 0;
    long histograms = 0;
    List<String> names = new ArrayList<>();
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (WireFormat.getTagFieldNumber(tag) == 1 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        CodedInputStream ts = CodedInputStream.newInstance(in.readByteArray());
        long[] counts = parseTimeSeries(ts, series, names);
        samples += counts[0];
        histograms += counts[1];
        series++;
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return new Summary(series, samples, histograms, List.copyOf(names));
  }

  /** Returns {samples, histograms}; checks the labels of one TimeSeries. */
  private static long[] parseTimeSeries(CodedInputStream in, int index, List<String> names)
      throws IOException, InvalidWriteException {
    List<String[]> labels = new ArrayList<>();
    long samples = 0;
    long histograms = 0;
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      int field = WireFormat.getTagFieldNumber(tag);
      boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
      if (field == 1 && delimited) {
        labels.add(parseLabel(CodedInputStream.newInstance(in.readByteArray())));
      } else if (field == 2 && delimited) {
        in.skipRawBytes(in.readRawVarint32());
        samples++;
      } else if (field == 4 && delimited) {
        in.skipRawBytes(in.readRawVarint32());
        histograms++;
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    String metricName = null;
    for (int i = 0; i < labels.size(); i++) {
      String name = labels.get(i)[0];
      if (!LABEL_NAME.matcher(name).matches()) {
        throw new InvalidWriteException("invalid_label_name",
            "series " + index + ": invalid label name '" + name + "'");
      }
      if (i > 0) {
        int order = labels.get(i - 1)[0].compareTo(name);
        if (order == 0) {
          throw new InvalidWriteException("duplicate_label", "series " + index + ": duplicate label '" + name + "'");
        }
        if (order > 0) {
          throw new InvalidWriteException("unsorted_labels",
              "series " + index + ": labels not sorted by name ('" + labels.get(i - 1)[0] + "' before '" + name + "')");
        }
      }
      if (name.equals("__name__")) {
        metricName = labels.get(i)[1];
      }
    }
    if (metricName == null || metricName.isEmpty()) {
      throw new InvalidWriteException("missing_name", "series " + index + " has no __name__ label");
    }
    if (names.size() < 1000 && !names.contains(metricName)) {
      names.add(metricName);
    }
    return new long[] {samples, histograms};
  }

  private static String[] parseLabel(CodedInputStream in) throws IOException {
    String name = "";
    String value = "";
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> name = in.readStringRequireUtf8();
        case 2 -> value = in.readStringRequireUtf8();
        default -> {
          if (!in.skipField(tag)) {
            return new String[] {name, value};
          }
        }
      }
    }
    return new String[] {name, value};
  }
}
