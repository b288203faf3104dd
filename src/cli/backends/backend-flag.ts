import { Option } from 'nest-commander';

/** Parsed flag values by key, as nest-commander hands them to a command. */
export type FlagValues = Readonly<Record<string, unknown>>;

/**
 * One flag only one backend takes, declared once: its syntax and help for the command, how its text is read, and what
 * it sets in the backend's module options.
 */
export interface BackendFlag<ModuleOptions> {
  /** commander's syntax: `--cache-size <size>`, `--symlinks`, `--no-sign-request`. */
  readonly flags: string;
  readonly description: string;
  /** The flag as typed: `--cache-size`. */
  readonly name: string;
  /** Its key among the parsed options: `cacheSize`; a `--no-x` flag's is `x`, as commander names it. */
  readonly key: string;
  /** Whether it takes a value (`--cache-size <size>`) rather than being a switch. */
  readonly takesValue: boolean;
  /** Reads the flag's text (a switch has none: commander gives it true, or false for `--no-x`). */
  readonly parse: (text: string) => unknown;
  /** What the flag's parsed value sets in the backend's module options. */
  readonly apply: (value: unknown) => Partial<ModuleOptions>;
}

/** A flag that takes a value, read by `parse` (given the flag's name for its error messages). */
export function valueFlag<ModuleOptions, T>(
  flags: string,
  description: string,
  parse: (flag: string, text: string) => T,
  apply: (value: T) => Partial<ModuleOptions>,
): BackendFlag<ModuleOptions> {
  const name = nameOf(flags);
  return { flags, description, name, key: keyOf(name), takesValue: true, parse: (text) => parse(name, text), apply: (value) => apply(value as T) };
}

/** A flag without a value: `apply` is told whether the thing it names is on (`--no-x` given: off). */
export function switchFlag<ModuleOptions>(
  flags: string,
  description: string,
  apply: (on: boolean) => Partial<ModuleOptions>,
): BackendFlag<ModuleOptions> {
  const name = nameOf(flags);
  const on = !name.startsWith('--no-');
  return { flags, description, name, key: keyOf(name), takesValue: false, parse: () => on, apply: (value) => apply(value === true) };
}

/**
 * Whether `flag` was given (on the command line or by its environment variable). A switch is given when its key holds
 * what it sets: `--x` and `--no-x` share the key x, and commander leaves x true when only `--no-x` is declared.
 */
export function isGiven(flag: BackendFlag<unknown>, values: FlagValues): boolean {
  const value = values[flag.key];
  return flag.takesValue ? value !== undefined : value === !flag.name.startsWith('--no-');
}

/** The module options the given ones of `flags` set; the module's defaults stand for the others. */
export function moduleOptionsOf<ModuleOptions>(flags: ReadonlyArray<BackendFlag<ModuleOptions>>, values: FlagValues): Partial<ModuleOptions> {
  return Object.assign({}, ...flags.filter((flag) => isGiven(flag, values)).map((flag) => flag.apply(values[flag.key])));
}

/**
 * Declares `flags` as options of the nest-commander command `commandClass`, their help prefixed with the backend's
 * name: a method per flag carrying nest-commander's option metadata, as `@Option()` on a method would.
 */
export function declareBackendFlags(commandClass: { prototype: object }, backend: string, flags: ReadonlyArray<BackendFlag<unknown>>): void {
  for (const flag of flags) {
    const method = `flag ${flag.name}`;
    const descriptor: PropertyDescriptor = { value: (text: string) => flag.parse(text), configurable: true, writable: true };
    Object.defineProperty(commandClass.prototype, method, descriptor);
    Option({ flags: flag.flags, description: `${backend}: ${flag.description}` })(commandClass.prototype, method, descriptor);
  }
}

function nameOf(flags: string): string {
  const name = /^--[a-z0-9-]+/.exec(flags)?.[0];
  if (!name) throw new Error(`"${flags}" is not a long flag: declare backend flags as --name or --name <value>.`);
  return name;
}

/** commander's attribute name: `--sse-kms-key-id` → `sseKmsKeyId`, `--no-sign-request` → `signRequest`. */
function keyOf(name: string): string {
  return name.replace(/^--(no-)?/, '').replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}
