import { describe, expect, it } from 'vitest';
import { CONVERSATIONS } from '../../examples/claims-assistant/agent/conversations.js';
import { functionName, openAiChatModel } from '../../examples/claims-assistant/agent/real-model.js';
import { runAgent } from '../../examples/claims-assistant/agent.js';

/** A Chat Completions server in a function: answers in order, keeps what it was sent. No network. */
function fakeChatApi(answers: Record<string, unknown>[]) {
  const sent: { url: string; headers: Record<string, string>; body: Record<string, unknown> }[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({
      url: String(url),
      headers: init?.headers as Record<string, string>,
      body: JSON.parse(String(init?.body)) as Record<string, unknown>,
    });
    const message = answers.shift();
    if (!message)
      return new Response(JSON.stringify({ error: { message: 'no more answers' } }), { status: 500 });
    return new Response(JSON.stringify({ choices: [{ message }] }), { status: 200 });
  }) as typeof fetch;
  return { sent, fetchImpl };
}

const call = (id: string, tool: string, args: Record<string, unknown>) => ({
  id,
  type: 'function',
  function: { name: functionName(tool), arguments: JSON.stringify(args) },
});

describe('claims assistant, real-model mode (fake Chat Completions API)', () => {
  it("gates the model's tool calls and checks its reply; a refusal reaches the model as the user message only", async () => {
    const c02 = CONVERSATIONS.find((c) => c.id === 'c02')!;
    const api = fakeChatApi([
      { content: null, tool_calls: [call('t1', 'claims.lookup', { claimId: 'CLM-00000002' })] },
      { content: 'I cannot share that claim. Card on file 4111 1111 1111 1111.' },
    ]);
    const model = openAiChatModel({
      apiKey: 'test-key',
      model: 'm-test',
      baseUrl: 'http://fake/v1',
      fetch: api.fetchImpl,
    });
    const run = await runAgent([c02], model);

    expect(api.sent).toHaveLength(2);
    expect(api.sent[0]!.url).toBe('http://fake/v1/chat/completions');
    expect(api.sent[0]!.headers.authorization).toBe('Bearer test-key');
    const first = api.sent[0]!.body as {
      model: string;
      tools: { function: { name: string; parameters: unknown } }[];
    };
    expect(first.model).toBe('m-test');
    // Only the tools this customer may use, under function-safe names, with the policy's schema.
    const offered = first.tools.map((t) => t.function.name);
    expect(offered).toContain('claims__lookup');
    expect(offered).not.toContain('payments__refund');
    expect(first.tools.find((t) => t.function.name === 'claims__lookup')!.function.parameters).toMatchObject({
      required: ['claimId'],
    });
    // The gate refused the other customer's claim; the model got only the user-visible message.
    const toolMsg = (api.sent[1]!.body.messages as { role: string; content: string }[]).find(
      (m) => m.role === 'tool',
    )!;
    expect(JSON.parse(toolMsg.content)).toEqual({ refused: expect.any(String) });
    expect(toolMsg.content).not.toContain('customers-never-see-other-claims');
    const tool = run.records.find((r) => r.decision.point === 'tool')!;
    expect(tool.decision.outcome).toBe('blocked');
    expect(tool.decision.rules).toContain('customers-never-see-other-claims');
    // The model's reply went through the output point: the card number is redacted.
    const transcript = run.transcripts[0]!;
    expect(transcript).toContain('(tool claims.lookup: refused)');
    expect(transcript).not.toContain('4111 1111 1111 1111');
    expect(run.records.map((r) => r.decision.point)).toContain('output');
    expect(run.chainOk).toBe(true);
  });

  it('fails loudly on an API error, naming the status and never the key', async () => {
    const api = fakeChatApi([]);
    const model = openAiChatModel({
      apiKey: 'sk-secret-test',
      baseUrl: 'http://fake/v1',
      fetch: api.fetchImpl,
    });
    const err = await model.complete([{ role: 'user', content: 'hi' }], []).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/HTTP 500/);
    expect((err as Error).message).not.toContain('sk-secret-test');
  });
});
