package dev.precache.activities;

import software.amazon.awssdk.services.ssm.model.Command;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;
import software.amazon.awssdk.services.ssm.model.SendCommandResponse;

/** SSM Run Command responses as the mocked SsmClient returns them. */
final class SsmCommands {

  private SsmCommands() {}

  static SendCommandResponse sent(String commandId) {
    return SendCommandResponse.builder().command(Command.builder().commandId(commandId).build()).build();
  }

  static GetCommandInvocationResponse invocation(String step, CommandInvocationStatus status) {
    return invocation(step, status, null, "", "", -1);
  }

  static GetCommandInvocationResponse invocation(String step, CommandInvocationStatus status, String details,
                                                 String stdout, String stderr, int exitCode) {
    return GetCommandInvocationResponse.builder()
        .comment(CommandRunner.comment(step))
        .status(status)
        .statusDetails(details == null ? status.toString() : details)
        .standardOutputContent(stdout)
        .standardErrorContent(stderr)
        .responseCode(exitCode)
        .build();
  }

  static InvocationDoesNotExistException invocationDoesNotExist() {
    return InvocationDoesNotExistException.builder().message("invocation does not exist").build();
  }
}
