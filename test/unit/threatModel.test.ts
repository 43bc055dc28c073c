/**
 * docs/security.md's threat model points every row at the tests that prove it: each named test
 * must exist, in the file named, so the table cannot drift from the suite.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const doc = readFileSync(path.join(root, 'docs/security.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Threat model'), doc.indexOf('\n## ', doc.indexOf('## Threat model') + 1));
const rows = section
  .split('\n')
  .filter((line) => line.startsWith('| ') && !line.startsWith('| who ') && !line.startsWith('| ---'))
  .map((line) => {
    const cells = line.split(' | ');
    return { who: cells[0]!.replace(/^\| /, ''), proof: cells.at(-1)!.replace(/ \|$/, '') };
  });

/** `file` "test name" pairs; `same file "name"` reuses the file named before it. */
function references(proof: string): Array<{ file: string; name: string }> {
  const out: Array<{ file: string; name: string }> = [];
  let file = '';
  for (const m of proof.matchAll(/(?:`([^`]+\.test\.ts)`|same file) "([^"]+)"/g)) {
    file = m[1] ?? file;
    out.push({ file, name: m[2]! });
  }
  return out;
}

describe("docs/security.md's threat model", () => {
  it('has a row for each caller and component', () => {
    expect(rows.map((r) => r.who)).toEqual([
      'VTEX (Pick and Pack)',
      'Abbiamo',
      'Instaleap webhooks',
      'Operators',
      'Codec server users (Web UI, CLI)',
      'Temporal Web UI',
      'Prometheus',
      'Temporal frontend, and whoever reaches it',
      'Workers',
    ]);
  });

  it('points every row at tests that exist, in the files it names', () => {
    for (const row of rows) {
      const refs = references(row.proof);
      expect([row.who, refs.length > 0]).toEqual([row.who, true]);
      for (const { file, name } of refs) {
        const full = path.join(root, file);
        expect([file, existsSync(full)]).toEqual([file, true]);
        const source = readFileSync(full, 'utf8').replace(/\\'/g, "'").replace(/\s+/g, ' ');
        expect([file, name, source.includes(name)]).toEqual([file, name, true]);
      }
    }
  });
});
