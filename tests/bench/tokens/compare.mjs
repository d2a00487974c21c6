// Token estimate vs real BPE counts (cl100k_base and o200k_base, via gpt-tokenizer) on English
// prompts (the routing data set's prompts) and on code (this repository's sources in 2 KiB
// pieces). Usage: node compare.mjs BUILD_DIR SOURCE_DIR [N]
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { encode as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as o200k } from 'gpt-tokenizer/encoding/o200k_base';

const [buildDir, sourceDir, nArg] = process.argv.slice(2);
const N = Number(nArg ?? 2000);

function prompts(file, n) {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, n).map((l) => JSON.parse(l).prompt);
}

function sourceFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (['.cc', '.hpp', '.h', '.py', '.lua', '.mjs', '.sh'].includes(extname(p))) out.push(p);
  }
  return out;
}

function codePieces(n) {
  const pieces = [];
  for (const dir of ['gateway', 'plugins', 'sdk', 'tests/fakes', 'policies', 'deploy']) {
    for (const f of sourceFiles(join(sourceDir, dir))) {
      const text = readFileSync(f, 'utf8');
      for (let i = 0; i < text.length && pieces.length < n; i += 2048) pieces.push(text.slice(i, i + 2048));
    }
  }
  return pieces.slice(0, n);
}

function estimates(texts) {
  const input = texts.map((t) => JSON.stringify(t)).join('\n') + '\n';
  const out = execFileSync(join(buildDir, 'tests/bench/token_estimate'), { input, maxBuffer: 1 << 28 });
  return out.toString().trim().split('\n').map(Number);
}

function report(label, texts) {
  const est = estimates(texts);
  for (const [name, enc] of [['cl100k_base', cl100k], ['o200k_base', o200k]]) {
    let sumEst = 0, sumReal = 0, sumAbs = 0, within10 = 0;
    texts.forEach((t, i) => {
      const real = enc(t).length;
      sumEst += est[i];
      sumReal += real;
      const rel = Math.abs(est[i] - real) / Math.max(real, 1);
      sumAbs += rel;
      if (rel <= 0.10) within10++;
    });
    console.log(`| ${label} | ${name} | ${texts.length} | ${(sumEst / sumReal).toFixed(3)} | ${(100 * sumAbs / texts.length).toFixed(1)}% | ${(100 * within10 / texts.length).toFixed(0)}% |`);
  }
}

const data = join(sourceDir, '..', 'shared', 'data', 'routing');
console.log('| corpus | encoding | texts | estimate / real (total) | mean abs error per text | texts within 10% |');
console.log('|---|---|---:|---:|---:|---:|');
report('English prompts (MMLU)', prompts(join(data, 'mmlu_mixtral_gpt4.train.jsonl'), N));
report('English prompts (nine_models)', prompts(join(data, 'nine_models.train.jsonl'), N));
report('code (this repository)', codePieces(N));
