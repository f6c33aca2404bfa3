package dev.precache.activities;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A registry user and password; {@link #toString()} never shows the password. */
record RegistryLogin(String username, String password) {

  String basicAuthorization() {
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "RegistryLogin[" + username + ", password hidden]";
  }
}
