/**
 * MCP integration: a client wrapper whose `callTool` passes the gate (policy, parameter schema,
 * obligations) before the server is called, and whose results go through the output point as
 * untrusted content. `listTools` shows only the tools the principal may use, with constraints.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Guard, GuardContext, WrapToolOptions } from '../guard/guard.js';

/** Options of {@link guardMcpClient}. */
export interface GuardMcpOptions extends Omit<WrapToolOptions, 'context'> {
  context?: GuardContext | (() => GuardContext | undefined);
  /** Maps an MCP tool name to the policy's tool name (default: unchanged). */
  toolName?: (mcpName: string) => string;
}

type CallTool = Client['callTool'];
type ListTools = Client['listTools'];

/** The gated subset of the MCP client; every other method is the client's own. */
export type GuardedMcpClient = Client;

/** Wraps an MCP client so tool calls are gated and results scanned. A denial throws `PolicyDeniedError`. */
export function guardMcpClient(guard: Guard, client: Client, opts: GuardMcpOptions = {}): GuardedMcpClient {
  const policyName = opts.toolName ?? ((n: string) => n);
  const wrapOpts = {
    ...(opts.context ? { context: opts.context } : {}),
    ...(opts.resource ? { resource: opts.resource } : {}),
  };
  const callTool: CallTool = async (params, resultSchema, options) => {
    const run = guard.wrapTool(
      policyName(params.name),
      async (args: Record<string, unknown>) =>
        client.callTool({ ...params, arguments: args }, resultSchema, options),
      wrapOpts,
    );
    return run((params.arguments ?? {}) as Record<string, unknown>);
  };
  const listTools: ListTools = async (params, options) => {
    const res = await client.listTools(params, options);
    const ctx = (typeof opts.context === 'function' ? opts.context() : opts.context) ?? guard.current();
    if (!ctx) return { ...res, tools: [] };
    const byPolicyName = Object.fromEntries(res.tools.map((t) => [policyName(t.name), t]));
    const allowed = guard.tools(byPolicyName, ctx);
    return { ...res, tools: Object.values(allowed) };
  };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'callTool') return callTool;
      if (prop === 'listTools') return listTools;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
