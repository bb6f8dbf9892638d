/** The decision engine: compile a loaded policy once, then decide requests. Pure: no I/O. */
export { type CompileOptions, compilePolicy } from './compile-policy.js';
export type { CompiledPolicy, CompiledRule, GuardrailInfo, ToolInfo } from './compiled-policy.js';
export {
  BUILTIN_RULES,
  createDecisionId,
  type DecideOptions,
  decide,
  type ExplainedDecision,
  scanText,
} from './decide.js';
export type { ExplainEntry } from './explain.js';
export type { RegexEngine } from './tool-params.js';
