package dev.precache.simulator.instance;

/**
 * What ECR GetAuthorizationToken returns: {@code authorizationToken} is base64("AWS:" + password), and the
 * password is accepted by the region's registries until {@code expiresAtSimMillis}.
 */
public record EcrAuthorization(String authorizationToken, String password, long expiresAtSimMillis, String proxyEndpoint) {}
