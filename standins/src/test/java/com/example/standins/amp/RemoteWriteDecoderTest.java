package com.example.standins.amp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class RemoteWriteDecoderTest {
  @Test
  void countsSeriesSamplesAndNativeHistogramsAndSkipsMetadata() throws Exception {
    byte[] oneSeries = RemoteWritePayloads.writeRequest(new String[] {"__name__", "up", "job", "a"});
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    cos.writeRawBytes(oneSeries);
    // A series with a native histogram (field 4) and no float samples.
    ByteArrayOutputStream ts = new ByteArrayOutputStream();
    CodedOutputStream tsOut = CodedOutputStream.newInstance(ts);
    ByteArrayOutputStream label = new ByteArrayOutputStream();
    CodedOutputStream labelOut = CodedOutputStream.newInstance(label);
    labelOut.writeString(1, "__name__");
    labelOut.writeString(2, "latency");
    labelOut.flush();
    tsOut.writeByteArray(1, label.toByteArray());
    tsOut.writeByteArray(4, new byte[] {0x08, 0x01});
    tsOut.flush();
    cos.writeByteArray(1, ts.toByteArray());
    cos.writeByteArray(3, new byte[] {0x08, 0x01}); // MetricMetadata: ignored
    cos.flush();
    RemoteWriteDecoder.Summary summary = RemoteWriteDecoder.decode(RemoteWritePayloads.snappy(out.toByteArray()));
    assertThat(summary.series()).isEqualTo(2);
    assertThat(summary.samples()).isEqualTo(1);
    assertThat(summary.histograms()).isEqualTo(1);
    assertThat(summary.metricNames()).containsExactly("up", "latency");
  }

  @Test
  void emptyWriteRequestIsValid() throws Exception {
    assertThat(RemoteWriteDecoder.decode(RemoteWritePayloads.snappy(new byte[0])).series()).isZero();
  }

  @Test
  void truncatedProtobufIsRejectedAsProtobufError() {
    byte[] valid = RemoteWritePayloads.writeRequest(new String[] {"__name__", "up"});
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 3);
    assertThatThrownBy(() -> RemoteWriteDecoder.decode(RemoteWritePayloads.snappy(truncated)))
        .isInstanceOfSatisfying(RemoteWriteDecoder.InvalidWriteException.class,
            e -> assertThat(e.rule()).isEqualTo("protobuf"));
  }
}
