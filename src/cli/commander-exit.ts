/** commander's errors carry a code; help and version requests are not failures. */
interface CommanderError extends Error {
  code?: string;
}

const EXIT_USAGE = 2;
const NOT_FAILURES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/**
 * Exit code policy for commander's own errors (unknown option, missing argument, …), which commander has already
 * printed as one line: 0 for --help/--version, 2 for usage errors.
 */
export function exitOnCommanderError(error: CommanderError): never {
  process.exit(NOT_FAILURES.has(error.code ?? '') ? 0 : EXIT_USAGE);
}
