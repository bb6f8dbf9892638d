/** Every subcommand, in the order `rampart --help` lists them. Add one line per new command. */
import type { Command } from 'commander';
import { registerActivate } from './activate.js';
import { registerBuild } from './build.js';
import { registerControls } from './controls.js';
import { registerDiff } from './diff.js';
import { registerDrift } from './drift.js';
import { registerEval } from './eval.js';
import { registerExceptions } from './exceptions.js';
import { registerFmt } from './fmt.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerKill } from './kill.js';
import { registerLogs } from './logs.js';
import { registerRedact } from './redact.js';
import { registerReplay } from './replay.js';
import { registerRollback } from './rollback.js';
import { registerScan } from './scan.js';
import { registerServe } from './serve.js';
import { registerShadow } from './shadow.js';
import { registerSign } from './sign.js';
import { registerSpike } from './spike.js';
import { registerTest } from './test.js';
import { registerValidate } from './validate.js';
import { registerVerify } from './verify.js';

/** A function that adds one subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

/** All subcommands. */
export const commandRegistrations: RegisterCommand[] = [
  registerInit,
  registerValidate,
  registerFmt,
  registerEval,
  registerBuild,
  registerActivate,
  registerRollback,
  registerKeys,
  registerSign,
  registerVerify,
  registerExceptions,
  registerDiff,
  registerShadow,
  registerDrift,
  registerControls,
  registerTest,
  registerReplay,
  registerLogs,
  registerScan,
  registerRedact,
  registerServe,
  registerKill,
  registerSpike,
];
