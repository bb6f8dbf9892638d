/** Every subcommand, in the order `rampart --help` lists them. Add one line per new command. */
import type { Command } from 'commander';

/** A function that adds one subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

/** All subcommands. */
export const commandRegistrations: RegisterCommand[] = [];
