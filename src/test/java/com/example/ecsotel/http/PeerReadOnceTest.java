package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import io.opentelemetry.instrumentation.api.semconv.network.internal.InetSocketAddressUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The peer address the extractors ask for three times a request is read from the exchange once, and answers as
 * instrumentation-api's own default would ({@code InetSocketAddressUtil} over {@code getRemoteAddress()}): IPv4,
 * IPv6, an unresolved address and none.
 */
class PeerReadOnceTest {
  @Test
  void thePeerIsReadOnceAndRenderedAsTheLibraryRendersIt() throws UnknownHostException {
    List<InetSocketAddress> peers = Arrays.asList(
        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 40000),
        new InetSocketAddress(InetAddress.getByName("::1"), 40001),
        new InetSocketAddress(InetAddress.getByName("fe80::1%1"), 40002),
        InetSocketAddress.createUnresolved("example.invalid", 40003),
        null);
    ServerAttributesGetter getter = ServerAttributesGetter.INSTANCE;
    for (InetSocketAddress peer : peers) {
      FakeExchange exchange = new FakeExchange(URI.create("/"), new Headers()).withRemote(peer);
      ServerRequest request = new ServerRequest(RequestHead.read(exchange), "/", TraceHeaders.ALL_HIDDEN);

      assertThat(getter.getNetworkPeerAddress(request, null)).isEqualTo(InetSocketAddressUtil.getIpAddress(peer));
      assertThat(getter.getNetworkPeerAddress(request, 200)).isEqualTo(InetSocketAddressUtil.getIpAddress(peer));
      assertThat(getter.getNetworkPeerPort(request, 200)).isEqualTo(InetSocketAddressUtil.getPort(peer));
      assertThat(getter.getNetworkPeerInetSocketAddress(request, 200)).isEqualTo(peer);
      assertThat(exchange.remoteAddressCalls).as("getRemoteAddress calls for %s", peer).isLessThanOrEqualTo(1);
    }
  }
}
