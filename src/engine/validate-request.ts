/**
 * Shape checks on a request before any rule runs. A request that fails them is denied with
 * `rampart/invalid-request`, never half-evaluated.
 */
import type { DecisionRequest, Point } from '../policy/types.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringList = (v: unknown) =>
  v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/** Returns a description of the first problem, or undefined when the request can be decided. */
export function validateRequest(point: Point, request: DecisionRequest): string | undefined {
  if (!isObject(request)) return 'request must be an object';
  const p = request.principal as unknown;
  if (!isObject(p)) return '`principal` is required';
  if (typeof p.id !== 'string' || p.id.length === 0) return '`principal.id` must be a non-empty string';
  if (!isStringList(p.roles)) return '`principal.roles` must be a list of strings';
  if (!isStringList(p.scopes)) return '`principal.scopes` must be a list of strings';
  if (p.attributes !== undefined && !isObject(p.attributes))
    return '`principal.attributes` must be an object';
  if (request.context !== undefined && !isObject(request.context)) return '`context` must be an object';
  if (request.resource !== undefined && !isObject(request.resource)) return '`resource` must be an object';
  switch (point) {
    case 'input':
      return typeof request.input?.text === 'string'
        ? undefined
        : '`input.text` must be a string at the input point';
    case 'output':
      return typeof request.output?.text === 'string'
        ? undefined
        : '`output.text` must be a string at the output point';
    case 'tool':
      if (typeof request.tool?.name !== 'string') return '`tool.name` must be a string at the tool point';
      return request.tool.args === undefined || isObject(request.tool.args)
        ? undefined
        : '`tool.args` must be an object';
    case 'route':
      return isObject(request.route) ? undefined : '`route` must be an object at the route point';
    case 'persist':
      return typeof request.record?.kind === 'string'
        ? undefined
        : '`record.kind` must be a string at the persist point';
  }
}
