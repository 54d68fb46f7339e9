package com.example.ecsotel.config;

/** A configuration value is missing or malformed; the message always names the environment variable. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ConfigException(String variable, String problem, String value) {
    super(variable + " " + problem + (value == null ? "" : ", got '" + value + "'"));
  }
}
