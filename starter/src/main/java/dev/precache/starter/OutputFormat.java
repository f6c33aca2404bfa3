package dev.precache.starter;

/** {@code -o/--output}: lines for people, or one JSON document on stdout for scripts (progress then goes to stderr). */
enum OutputFormat { text, json }
