/** Every subcommand, in the order `rampart --help` lists them. Add one line per new command. */
import type { Command } from 'commander';
import { registerBuild } from './build.js';
import { registerKeys } from './keys.js';
import { registerSign } from './sign.js';
import { registerTest } from './test.js';
import { registerVerify } from './verify.js';

/** A function that adds one subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

/** All subcommands. */
export const commandRegistrations: RegisterCommand[] = [
  registerBuild,
  registerKeys,
  registerSign,
  registerVerify,
  registerTest,
];
