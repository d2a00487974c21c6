// Starts the fake upstream and the gateway for end-to-end tests, on loopback with free ports,
// and stops them by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const buildDir = process.env.SY_BUILD_DIR ?? 'build';
export const sourceDir = process.env.SY_SOURCE_DIR ?? '.';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function startProcess(cmd, args, logPath) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks = [];
  child.stdout.on('data', (d) => chunks.push(d));
  child.stderr.on('data', (d) => chunks.push(d));
  child.log = () => Buffer.concat(chunks).toString();
  child.stopByPid = async () => {
    if (child.exitCode !== null) return;
    process.kill(child.pid, 'SIGTERM');
    for (let i = 0; i < 200 && child.exitCode === null; i++) await sleep(25);
    if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  };
  return child;
}

export async function startFakeUpstream() {
  const dir = mkdtempSync(join(tmpdir(), 'sy-e2e-fake-'));
  const portFile = join(dir, 'port');
  const child = startProcess('python3', [join(sourceDir, 'tests/fakes/fake_openai.py'), '--port', '0', '--port-file', portFile]);
  await waitFor(() => existsSync(portFile) && readFileSync(portFile, 'utf8').trim() !== '', 10000, 'fake upstream');
  const port = Number(readFileSync(portFile, 'utf8').trim());
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    stop: async () => { await child.stopByPid(); rmSync(dir, { recursive: true, force: true }); },
  };
}

export async function startGateway(yaml) {
  const dir = mkdtempSync(join(tmpdir(), 'sy-e2e-gw-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, yaml);
  const port = await freePort();
  const child = startProcess(join(buildDir, 'bin/switchyard'), ['serve', '--config', configPath, '--listen', `127.0.0.1:${port}`]);
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`gateway exited: ${child.log()}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      return r.status === 200;
    } catch {
      return false;
    }
  }, 10000, 'gateway readiness');
  return {
    port,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    log: () => child.log(),
    stop: async () => { await child.stopByPid(); rmSync(dir, { recursive: true, force: true }); },
  };
}

export function gatewayConfig(fakeBaseUrl) {
  return `
plugins:
  search_paths: ["${join(buildDir, 'lib/switchyard/plugins')}"]
auth:
  required: true
  keys:
    - {key: sk-e2e-client, id: e2e}
providers:
  - name: fake
    plugin: openai
    base_url: ${fakeBaseUrl}
    config:
      api_key: sk-upstream
  - name: local
    plugin: mock
  - name: claude
    plugin: anthropic
    base_url: ${fakeBaseUrl}
    config:
      api_key: sk-ant-upstream
  - name: google
    plugin: gemini
    base_url: ${fakeBaseUrl}beta
    config:
      api_key: g-upstream
  - name: llama
    plugin: ollama
    base_url: ${fakeBaseUrl.replace(/\/v1$/, '')}
models:
  - name: gpt-e2e
    deployments:
      - provider: fake
        model: upstream-e2e
  - name: mock-e2e
    deployments:
      - provider: local
  - name: claude-e2e
    deployments:
      - provider: claude
        model: claude-upstream
  - name: ollama-e2e
    deployments:
      - provider: llama
        model: llama-upstream
  - name: gemini-e2e
    deployments:
      - provider: google
        model: gemini-upstream
`;
}
