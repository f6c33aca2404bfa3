package dev.precache.activities;

import static org.mockito.Mockito.doReturn;

import java.time.Instant;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Command;
import software.amazon.awssdk.services.ssm.model.CommandInvocationStatus;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationRequest;
import software.amazon.awssdk.services.ssm.model.GetCommandInvocationResponse;
import software.amazon.awssdk.services.ssm.model.InvocationDoesNotExistException;
import software.amazon.awssdk.services.ssm.model.ListCommandsResponse;
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

  /** The invocation of this command on this instance reports these, the last one from then on. */
  static void whenInvoked(SsmClient ssm, String instanceId, String commandId,
                          GetCommandInvocationResponse first, GetCommandInvocationResponse... rest) {
    doReturn(first, (Object[]) rest).when(ssm).getCommandInvocation(
        GetCommandInvocationRequest.builder().commandId(commandId).instanceId(instanceId).build());
  }

  /** A command as ListCommands lists it. */
  static Command listed(String commandId, String step, Instant requested) {
    return Command.builder().commandId(commandId).comment(CommandRunner.comment(step)).requestedDateTime(requested)
        .build();
  }

  static ListCommandsResponse commandsPage(String nextToken, Command... commands) {
    return ListCommandsResponse.builder().commands(commands).nextToken(nextToken).build();
  }

  static ListCommandsResponse noCommands() {
    return ListCommandsResponse.builder().build();
  }

  static InvocationDoesNotExistException invocationDoesNotExist() {
    return InvocationDoesNotExistException.builder().message("invocation does not exist").build();
  }
}
