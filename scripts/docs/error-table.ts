import { ERROR_CODES, START_UP_CODES, type ErrorCode } from '../../src/errors.js';
import { STATUS_OF } from '../../src/http/error-status.js';

/**
 * docs/api.md's error tables, rendered from the catalogue (src/errors.ts) and the HTTP layer's statuses
 * (http/error-status.ts): the codes a request can answer with between `<!-- errors: requests -->` and
 * `<!-- /errors -->`, by status, and those a start refuses with between `<!-- errors: start-up -->` and
 * `<!-- /errors -->`.
 */
const MARKER = /<!-- errors: (requests|start-up) -->\n[\s\S]*?<!-- \/errors -->/g;

const cell = (text: string) => text.replace(/\|/g, '\\|');

function requestTable(): string {
  const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => !START_UP_CODES.includes(code));
  // By status; within one, in the catalogue's order (Array#sort is stable).
  const rows = codes.sort((a, b) => STATUS_OF[a] - STATUS_OF[b]).map((code) => `| ${STATUS_OF[code]} | \`${code}\` | ${cell(ERROR_CODES[code])} |`);
  return ['| status | code | when |', '| --- | --- | --- |', ...rows].join('\n');
}

function startUpTable(): string {
  const rows = START_UP_CODES.map((code) => `| \`${code}\` | ${cell(ERROR_CODES[code])} |`);
  return ['| code | when |', '| --- | --- |', ...rows].join('\n');
}

/** Rewrites both tables in `markdown`; throws when either marker is missing. */
export function renderErrorTables(markdown: string): string {
  const found = new Set<string>();
  const rendered = markdown.replace(MARKER, (_whole, which: string) => {
    found.add(which);
    return `<!-- errors: ${which} -->\n${which === 'requests' ? requestTable() : startUpTable()}\n<!-- /errors -->`;
  });
  for (const which of ['requests', 'start-up']) if (!found.has(which)) throw new Error(`docs/api.md has no <!-- errors: ${which} --> table`);
  return rendered;
}
