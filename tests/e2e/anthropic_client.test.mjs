// The official @anthropic-ai/sdk against POST /v1/messages: non-streaming, streaming and tools,
// backed by an OpenAI-protocol upstream (the fake), the in-process mock, and the anthropic provider
// (the fake's Messages API): Anthropic in, OpenAI inside, Anthropic out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeUpstream, startGateway, gatewayConfig } from './harness.mjs';

let fake;
let gateway;
let client;

before(async () => {
  fake = await startFakeUpstream();
  gateway = await startGateway(gatewayConfig(fake.baseUrl));
  // The SDK appends /v1/messages to the base URL and sends the key as x-api-key.
  client = new Anthropic({ apiKey: 'sk-e2e-client', baseURL: gateway.baseUrl.replace(/\/v1$/, ''), maxRetries: 0, timeout: 10000 });
});

after(async () => {
  await gateway?.stop();
  await fake?.stop();
});

for (const model of ['gpt-e2e', 'mock-e2e', 'claude-e2e', 'ollama-e2e', 'gemini-e2e']) {
  test(`messages, non-streaming, through ${model}`, async () => {
    const { data, response } = await client.messages
      .create({ model, max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hello from anthropic sdk' }] })
      .withResponse();
    assert.equal(data.type, 'message');
    assert.equal(data.role, 'assistant');
    assert.equal(data.content[0].type, 'text');
    assert.match(data.content[0].text, /hello from anthropic sdk/);
    assert.equal(data.stop_reason, 'end_turn');
    assert.ok(data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
    assert.equal(response.headers.get('x-switchyard-model'), model);
  });

  test(`messages, streaming, through ${model}`, async () => {
    const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'stream me something' }] });
    let text = '';
    stream.on('text', (t) => { text += t; });
    const final = await stream.finalMessage();
    assert.match(text, /stream me something/);
    assert.equal(final.stop_reason, 'end_turn');
    assert.ok(final.usage.output_tokens > 0);
  });

  test(`tools, non-streaming and streaming, through ${model}`, async () => {
    const tools = [{ name: 'get_weather', description: 'weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }];
    const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const plain = await client.messages.create({ model, max_tokens: 100, tools, messages });
    const use = plain.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(plain));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'Paris' });
    assert.equal(plain.stop_reason, 'tool_use');
    const final = await client.messages.stream({ model, max_tokens: 100, tools, messages }).finalMessage();
    const streamed = final.content.find((b) => b.type === 'tool_use');
    assert.deepEqual(streamed.input, { city: 'Paris' });
    assert.equal(final.stop_reason, 'tool_use');
    // The tool's result goes back as a tool_result block.
    const followUp = await client.messages.create({
      model, max_tokens: 100, tools,
      messages: [...messages, { role: 'assistant', content: plain.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny, 21 C' }] }],
    });
    assert.equal(followUp.type, 'message');
  });
}

test('errors come back in the Anthropic shape', async () => {
  await assert.rejects(
    client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 404 && e.error?.type === 'error' && e.error?.error?.type === 'not_found_error',
  );
  const bad = new Anthropic({ apiKey: 'sk-wrong', baseURL: gateway.baseUrl.replace(/\/v1$/, ''), maxRetries: 0 });
  await assert.rejects(
    bad.messages.create({ model: 'mock-e2e', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 401 && e.error?.error?.type === 'authentication_error',
  );
});
