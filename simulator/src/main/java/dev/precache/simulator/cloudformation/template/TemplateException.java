package dev.precache.simulator.cloudformation.template;

/** A template or its parameters are invalid; the message follows CloudFormation's ValidationError wording. */
public class TemplateException extends RuntimeException {
  public TemplateException(String message) {
    super(message);
  }
}
