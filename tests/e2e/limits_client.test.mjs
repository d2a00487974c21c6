// The official openai npm client against rate limits and admin-API keys: limits arrive as typed
// RateLimitErrors with Retry-After, x-ratelimit-* headers on answers, and a revoked key as an
// AuthenticationError.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeUpstream, startGateway, gatewayConfig } from './harness.mjs';

let fake;
let gateway;

before(async () => {
  fake = await startFakeUpstream();
  const yaml = gatewayConfig(fake.baseUrl)
    .replace('    - {key: sk-e2e-client, id: e2e}', '    - {key: sk-e2e-client, id: e2e, limits: {rpm: 3}}')
    .replace('auth:\n', 'auth:\n  admin_key: e2e-admin\n  key_cache_ttl_ms: 100\n');
  gateway = await startGateway(yaml);
});

after(async () => {
  await gateway?.stop();
  await fake?.stop();
});

const ask = (client) =>
  client.chat.completions.create({ model: 'mock-e2e', messages: [{ role: 'user', content: 'hi' }] });

test('a rate limit shows in headers, then as a RateLimitError with Retry-After', async () => {
  const client = new OpenAI({ apiKey: 'sk-e2e-client', baseURL: gateway.baseUrl, maxRetries: 0 });
  for (let i = 0; i < 3; i++) {
    const { data, response } = await ask(client).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '3');
    assert.equal(response.headers.get('x-ratelimit-remaining-requests'), String(2 - i));
  }
  await assert.rejects(ask(client), (err) => {
    assert.ok(err instanceof OpenAI.RateLimitError, String(err));
    assert.equal(err.code, 'rate_limit_exceeded');
    assert.match(err.message, /3 requests per minute/);
    const h = err.headers;  // a Headers object or a plain one, depending on the client's version
    const retryAfter = typeof h?.get === 'function' ? h.get('retry-after') : h?.['retry-after'];
    assert.ok(Number(retryAfter) >= 1, `retry-after: ${retryAfter}`);
    return true;
  });
});

test('a key created through the admin API works until it is revoked', async () => {
  const admin = { Authorization: 'Bearer e2e-admin', 'Content-Type': 'application/json' };
  const created = await fetch(`http://127.0.0.1:${gateway.port}/admin/keys`, {
    method: 'POST', headers: admin, body: JSON.stringify({ id: 'sdk-user', tier: 'free' }),
  });
  assert.equal(created.status, 201);
  const { key } = await created.json();
  const client = new OpenAI({ apiKey: key, baseURL: gateway.baseUrl, maxRetries: 0 });
  assert.equal((await ask(client)).object, 'chat.completion');
  const revoked = await fetch(`http://127.0.0.1:${gateway.port}/admin/keys/sdk-user`, { method: 'DELETE', headers: admin });
  assert.equal(revoked.status, 200);
  await assert.rejects(ask(client), (err) => err instanceof OpenAI.AuthenticationError);
});
