#!/usr/bin/env node
/**
 * The `vaekit` command: a thin shell over the library. Each command lives in its own module;
 * this file wires them up and turns errors into one line on stderr and a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { kerasCommands } from './keras.js';
import { serveCommand } from './serve.js';
import { toolCommands } from './tools.js';
import { trainCommand } from './train.js';

const program = new Command('vaekit')
  .description('Variational autoencoders in TypeScript: train, evaluate and explore VAEs on MNIST, Fashion-MNIST or your own images.')
  .version(VERSION)
  .exitOverride();
trainCommand(program);
toolCommands(program);
serveCommand(program);
kerasCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander already printed its one-line message (and help, when asked for).
    process.exitCode = e.exitCode;
  } else {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`vaekit: ${message.split('\n')[0]}\n`);
    if (process.env.VAEKIT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  }
}
