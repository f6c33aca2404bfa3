package dev.precache.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
  @Test
  void aReservedPortIsHeldInTimeWaitYetBindsForAServerThatReusesAddresses() throws Exception {
    int port = LoopbackPorts.reserve();
    InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(LoopbackPorts.HOST), port);

    try (ServerSocket withoutReuse = new ServerSocket()) {
      withoutReuse.setReuseAddress(false);
      assertThatThrownBy(() -> withoutReuse.bind(address))
          .as("the port's TIME_WAIT keeps it from anyone not asking for SO_REUSEADDR, bind(0) included")
          .isInstanceOf(BindException.class);
    }
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(address);
      try (Socket client = new Socket(LoopbackPorts.HOST, port); Socket accepted = server.accept()) {
        assertThat(accepted.getLocalPort()).isEqualTo(port);
      }
    }
  }
}
