package com.example.ecsotel;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * An OutputStream that, once armed, blocks every write until released: stdout as a full pipe to a stuck log driver
 * (the awslogs driver in its default blocking mode with CloudWatch throttled or unreachable).
 */
public final class BlockingStream extends OutputStream {
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean armed;
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();

  /** From now on every write blocks (until {@link #release}). */
  public void arm() {
    armed = true;
  }

  /** Counted down when the first write blocks. */
  public CountDownLatch entered() {
    return entered;
  }

  public void release() {
    released.countDown();
  }

  /** What was written (each write kept once it got through). */
  public String written() {
    synchronized (written) {
      return written.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    if (armed) {
      entered.countDown();
      try {
        released.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (written) {
      written.write(b, off, len);
    }
  }
}
