import { CommandRunner } from 'nest-commander';
import { exitOnCommanderError } from './commander-exit';

/** A command of the CLI: nest-commander sets the exit override on the root command only, so each sets its own. */
export abstract class CliCommand extends CommandRunner {
  override setCommand(command: Parameters<CommandRunner['setCommand']>[0]): this {
    command.exitOverride(exitOnCommanderError);
    return super.setCommand(command);
  }
}
