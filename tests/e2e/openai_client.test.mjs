// The official openai npm client against the gateway: non-streaming, streaming, tools, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeUpstream, startGateway, gatewayConfig } from './harness.mjs';

let fake;
let gateway;
let client;

before(async () => {
  fake = await startFakeUpstream();
  gateway = await startGateway(gatewayConfig(fake.baseUrl));
  client = new OpenAI({ apiKey: 'sk-e2e-client', baseURL: gateway.baseUrl, maxRetries: 0, timeout: 10000 });
});

after(async () => {
  await gateway?.stop();
  await fake?.stop();
});

test('non-streaming completion through the openai provider', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'hello from node' }] })
    .withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.match(data.choices[0].message.content, /hello from node/);
  assert.ok(data.usage.total_tokens > 0);
  assert.equal(response.headers.get('x-switchyard-model'), 'gpt-e2e');
  assert.equal(response.headers.get('x-switchyard-provider'), 'fake');
  assert.ok(response.headers.get('x-request-id'));
});

test('streaming completion with usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-e2e',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'stream to node please' }],
  });
  let text = '';
  let usage = null;
  let finish = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      text += choice.delta?.content ?? '';
      finish = choice.finish_reason ?? finish;
    }
  }
  assert.match(text, /stream to node please/);
  assert.equal(finish, 'stop');
  assert.ok(usage && usage.completion_tokens > 0);
});

test('tool calls, non-streaming and streaming', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const plain = await client.chat.completions.create({ model: 'gpt-e2e', messages, tools });
  const call = plain.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  assert.equal(plain.choices[0].finish_reason, 'tool_calls');

  const stream = await client.chat.completions.create({ model: 'gpt-e2e', messages, tools, stream: true });
  let args = '';
  let name = '';
  for await (const chunk of stream) {
    for (const tc of chunk.choices[0]?.delta?.tool_calls ?? []) {
      name += tc.function?.name ?? '';
      args += tc.function?.arguments ?? '';
    }
  }
  assert.equal(name, 'get_weather');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
});

test('in-process mock model streams', async () => {
  const stream = await client.chat.completions.create({
    model: 'mock-e2e', stream: true, messages: [{ role: 'user', content: 'mock me' }],
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.match(text, /mock me/);
});

test('errors surface as typed client errors', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof OpenAI.NotFoundError && err.code === 'model_not_found',
  );
  const bad = new OpenAI({ apiKey: 'wrong', baseURL: gateway.baseUrl, maxRetries: 0 });
  await assert.rejects(
    bad.chat.completions.create({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'x' }] }),
    (err) => err instanceof OpenAI.AuthenticationError,
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-e2e', messages: [{ role: 'user', content: 'x #fake:status=429' }] }),
    (err) => err instanceof OpenAI.RateLimitError,
  );
});

test('a stream cut by the upstream raises an error in the client', async () => {
  const stream = await client.chat.completions.create({
    model: 'gpt-e2e', stream: true, messages: [{ role: 'user', content: 'cut #fake:cut_after=2,words=10' }],
  });
  await assert.rejects(async () => {
    for await (const chunk of stream) void chunk;
  }, (err) => err instanceof OpenAI.APIError);
});

test('models endpoint lists configured models', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes('gpt-e2e'));
  assert.ok(ids.includes('mock-e2e'));
});

test('embeddings through the openai provider and the mock, floats and base64', async () => {
  // The client asks for base64 unless told otherwise and decodes it itself.
  const remote = await client.embeddings.create({ model: 'gpt-e2e', input: ['first text', 'second text'] });
  assert.equal(remote.data.length, 2);
  assert.equal(remote.data[0].embedding.length, 16);
  assert.ok(remote.usage.prompt_tokens > 0);
  const floats = await client.embeddings.create({ model: 'mock-e2e', input: 'hello embeddings', encoding_format: 'float', dimensions: 8 });
  assert.equal(floats.data[0].embedding.length, 8);
  const norm = Math.sqrt(floats.data[0].embedding.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-5, `unit length, got ${norm}`);
  const decoded = await client.embeddings.create({ model: 'mock-e2e', input: 'hello embeddings', dimensions: 8 });
  assert.deepEqual(decoded.data[0].embedding.map((x) => x.toFixed(5)), floats.data[0].embedding.map((x) => x.toFixed(5)));
  await assert.rejects(client.embeddings.create({ model: 'no-such-model', input: 'x' }), (e) => e.status === 404);
});

for (const model of ['claude-e2e', 'ollama-e2e', 'gemini-e2e']) test(`chat, stream and tools through ${model}`, async () => {
  const plain = await client.chat.completions.create({ model, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello from the provider' }] });
  assert.match(plain.choices[0].message.content, /hello from the provider/);
  assert.equal(plain.choices[0].finish_reason, 'stop');
  assert.ok(plain.usage.prompt_tokens > 0 && plain.usage.completion_tokens > 0);
  const stream = await client.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream it' }] });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) text += c.delta?.content ?? '';
  }
  assert.match(text, /stream it/);
  assert.ok(usage && usage.completion_tokens > 0);
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const runner = await client.chat.completions.create({ model, stream: true, tools, messages: [{ role: 'user', content: 'weather in Paris?' }] });
  let args = '';
  let name = '';
  for await (const chunk of runner) {
    for (const c of chunk.choices) for (const t of c.delta?.tool_calls ?? []) { args += t.function?.arguments ?? ''; name ||= t.function?.name ?? ''; }
  }
  assert.equal(name, 'get_weather');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
});
