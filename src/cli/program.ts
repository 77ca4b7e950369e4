/**
 * The `vaekit` program: every command registered, nothing run. `main.ts` runs it; the tests read
 * its options (every flag the error table names must exist).
 */
import { Command } from 'commander';
import { VERSION } from '../index.js';
import { kerasCommands } from './keras.js';
import { serveCommand } from './serve.js';
import { siteCommand } from './site.js';
import { toolCommands } from './tools.js';
import { trainCommand } from './train.js';

/** A new `vaekit` program with all its commands; Commander's own errors throw (`exitOverride`). */
export function makeProgram(): Command {
  const program = new Command('vaekit')
    .description('Variational autoencoders in TypeScript: train, evaluate and explore VAEs on MNIST, Fashion-MNIST or your own images.')
    .version(VERSION)
    .exitOverride();
  trainCommand(program);
  toolCommands(program);
  serveCommand(program);
  kerasCommands(program);
  siteCommand(program);
  return program;
}
