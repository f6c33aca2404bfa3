package dev.precache.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on 127.0.0.1 for the servers the tests start. */
final class LoopbackPort {
  static final String HOST = "127.0.0.1";

  private LoopbackPort() {}

  /** A port free right now; a server started soon after binds it (the race is accepted in tests). */
  static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
