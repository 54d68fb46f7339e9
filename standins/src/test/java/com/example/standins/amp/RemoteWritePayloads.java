package com.example.standins.amp;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.xerial.snappy.Snappy;

/** Builds remote-write bodies the way Prometheus clients do: protobuf WriteRequest, snappy block format. */
final class RemoteWritePayloads {
  private RemoteWritePayloads() {}

  /** One series per label list (name, value, name, value...), each with one sample. */
  static byte[] snappyWriteRequest(String[]... seriesLabels) {
    return snappy(writeRequest(seriesLabels));
  }

  static byte[] writeRequest(String[]... seriesLabels) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      for (String[] labels : seriesLabels) {
        cos.writeByteArray(1, timeSeries(labels));
      }
      cos.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] snappy(byte[] raw) {
    try {
      return Snappy.compress(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] timeSeries(String[] labels) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    for (int i = 0; i < labels.length; i += 2) {
      cos.writeByteArray(1, label(labels[i], labels[i + 1]));
    }
    cos.writeByteArray(2, sample(1.5, 1_700_000_000_000L));
    cos.flush();
    return out.toByteArray();
  }

  private static byte[] label(String name, String value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    cos.writeString(1, name);
    cos.writeString(2, value);
    cos.flush();
    return out.toByteArray();
  }

  private static byte[] sample(double value, long timestampMillis) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    cos.writeDouble(1, value);
    cos.writeInt64(2, timestampMillis);
    cos.flush();
    return out.toByteArray();
  }
}
