package com.example.ecsotel.http;

/** Handles one routed request; runs with the request's server span as the current context. */
@FunctionalInterface
public interface Handler {
  Response handle(Request request) throws Exception;
}
