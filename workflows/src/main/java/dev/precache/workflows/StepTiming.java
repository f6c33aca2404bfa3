package dev.precache.workflows;

/** How long one build step took. */
public record StepTiming(int number, String name, long millis) {}
