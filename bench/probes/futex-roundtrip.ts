/**
 * Probe: the cost of one main ↔ worker hand-off through Atomics, the fixed cost VecEnv pays per lock-step
 * batch. The main thread posts a command word and blocks until the worker answers; the worker either
 * sleeps on the futex at once (spin 0) or spins on the word first (VecEnv's SPIN_CHECKS). No work is done
 * in between, so this is the hand-off alone.
 *
 *   npx tsx bench/probes/futex-roundtrip.ts [rounds=20000]
 */
import { Worker } from 'node:worker_threads';
import { SPIN_CHECKS } from '../../src/sim/vec-env.js';

const rounds = Number(process.argv[2] ?? 20_000);
const words = new Int32Array(new SharedArrayBuffer(8));
const workerSource = `
const { workerData } = require('node:worker_threads');
const a = new Int32Array(workerData.buffer);
let seq = 0;
for (;;) {
  for (let s = 0; s < workerData.spin && Atomics.load(a, 0) === seq; s++);
  Atomics.wait(a, 0, seq);
  seq = Atomics.load(a, 0);
  if (seq < 0) break;
  Atomics.store(a, 1, seq);
  Atomics.notify(a, 1);
}`;
for (const spin of [0, SPIN_CHECKS]) {
  Atomics.store(words, 0, 0);
  Atomics.store(words, 1, 0);
  const worker = new Worker(workerSource, { eval: true, workerData: { buffer: words.buffer, spin } });
  await new Promise((r) => setTimeout(r, 200));
  const us = new Float64Array(rounds);
  for (let i = 1; i <= rounds; i++) {
    const t = performance.now();
    Atomics.store(words, 0, i);
    Atomics.notify(words, 0);
    while (Atomics.load(words, 1) !== i) Atomics.wait(words, 1, Atomics.load(words, 1), 20);
    us[i - 1] = (performance.now() - t) * 1000;
  }
  us.sort();
  const q = (p: number): string => us[Math.floor(p * (rounds - 1))]!.toFixed(1);
  console.log(`worker spin ${spin}: round trip µs p50 ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}`);
  Atomics.store(words, 0, -1);
  Atomics.notify(words, 0);
  await worker.terminate();
}
