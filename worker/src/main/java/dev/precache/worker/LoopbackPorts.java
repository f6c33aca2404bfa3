package dev.precache.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Free TCP ports on 127.0.0.1 for servers started as child processes ({@code temporal server start-dev} and, in the
 * tests, moto, etcd, kube-apiserver and the registry).
 *
 * <p>A port that was merely free when asked for can be taken before the child binds it: by another process's
 * {@code bind(0)} (the dev server picks its own internal ports that way) or as the source port of any outgoing
 * connection, since it lies in the kernel's ephemeral range. So the port is reserved the way the Temporal CLI
 * reserves its own: a connection to it is accepted and closed from the server side, which leaves the port in
 * TIME_WAIT for about a minute. While it is, Linux gives it to no {@code bind(0)} and no outgoing connection, yet a
 * server binding it by number with {@code SO_REUSEADDR} (Go's, Java's and Python's servers all set it) gets it.
 */
public final class LoopbackPorts {
  public static final String HOST = "127.0.0.1";

  private LoopbackPorts() {}

  /** A port no one holds, kept from {@code bind(0)} and outgoing connections for about a minute. */
  public static int reserve() {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName(HOST));
        Socket client = new Socket(HOST, listener.getLocalPort())) {
      // The accepted side closes first, so the TIME_WAIT sits on the listening port, not on the client's.
      listener.accept().close();
      return listener.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + HOST, e);
    }
  }
}
