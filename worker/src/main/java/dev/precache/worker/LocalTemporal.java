package dev.precache.worker;

/** The Temporal server {@code worker --dev} runs beside itself, on 127.0.0.1. */
interface LocalTemporal extends AutoCloseable {
  /** host:port for Temporal clients. */
  String target();

  /** Whether builds survive this process: false for the in-memory server. */
  boolean durable();

  @Override
  void close() throws InterruptedException;
}
