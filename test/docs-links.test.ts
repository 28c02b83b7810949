// Every relative link of README.md and docs/*.md leads somewhere: the file exists, and an
// anchor names a heading of the page it points into (as GitHub makes anchors of headings).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/hosts.js';

const PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** GitHub's anchor of a heading: lower case, punctuation other than - and _ removed, spaces as -. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.*)$/gm)].map(([, heading]) => anchor(heading)));
}

/** The links of a page outside code blocks: [text](target) and ![alt](target). */
function links(page: string): string[] {
  const text = readFileSync(path.join(ROOT, page), 'utf8')
    .replace(/^ *```[\s\S]*?^ *```/gm, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map(([, target]) => target).filter((target) => !/^[a-z]+:/.test(target));
}

describe.each(PAGES)('%s', (page) => {
  it('has relative links that lead to files that exist, and anchors to headings there', () => {
    const broken = links(page).filter((target) => {
      const [file, hash] = target.split('#');
      const resolved = file === '' ? path.join(ROOT, page) : path.resolve(ROOT, path.dirname(page), file);
      if (!existsSync(resolved)) return true;
      return hash !== undefined && !anchorsOf(resolved).has(hash);
    });
    expect(links(page).length).toBeGreaterThan(0);
    expect(broken).toEqual([]);
  });
});
