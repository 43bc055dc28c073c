/**
 * `npx tsx scripts/bench/profileSummary.ts <dir> [top]`: the self time of V8 CPU profiles
 * (`--cpu-prof`, as `npm run bench -- --profile` writes them), summed per function and per
 * package, heaviest first: where a process spends its CPU.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith('.cpuprofile') ? [full] : [];
  });
}

function packageOf(url: string): string {
  if (!url) return '(native / idle / gc)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:internal';
  const repo = url.indexOf('/wt-bench/');
  return repo >= 0
    ? url
        .slice(repo + '/wt-bench/'.length)
        .split('/')
        .slice(0, 2)
        .join('/')
    : url.replace(/^file:\/\//, '').slice(-60);
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const total = (profile.endTime - profile.startTime) / 1000;
  const perFunction = new Map<string, number>();
  const perPackage = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)!.callFrame;
    const key =
      `${frame.functionName || '(anonymous)'} ${frame.url ? `${packageOf(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim();
    perFunction.set(key, (perFunction.get(key) ?? 0) + ms);
    const pkg =
      frame.functionName === '(idle)'
        ? '(idle)'
        : frame.functionName === '(garbage collector)'
          ? '(gc)'
          : packageOf(frame.url);
    perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + ms);
  }
  const fmt = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${v.toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  return `${file} (${(total / 1000).toFixed(1)} s)\n by package:\n${fmt(perPackage)}\n by function (self):\n${fmt(perFunction)}`;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: profileSummary.ts <dir with .cpuprofile files> [top]');
    process.exit(2);
  }
  for (const file of files(dir)) console.log(`${summarizeProfile(file, Number(process.argv[3] ?? 25))}\n`);
}
