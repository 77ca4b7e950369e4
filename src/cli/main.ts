#!/usr/bin/env node
/**
 * The `vaekit` command: a thin shell over the library's public API (src/index.ts). Each command
 * lives in its own module (program.ts wires them up); this file runs the program and reports a
 * failure (errors.ts): a user error as one line with the library's option names as flags and
 * exit status 1, a bug in vaekit with its stack and status 70. VAEKIT_DEBUG=1 shows every stack.
 */
import { CommanderError } from 'commander';
import { reportError } from './errors.js';
import { makeProgram } from './program.js';

try {
  await makeProgram().parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander already printed its one-line message (and help, when asked for).
    process.exitCode = e.exitCode;
  } else {
    process.exitCode = reportError(e, (text) => process.stderr.write(text), Boolean(process.env.VAEKIT_DEBUG));
  }
}
