#!/usr/bin/env node
// GraphQL over HTTP conformance audit of a running server with the graphql-http audit suite.
//
//   node tests/conformance/audit.mjs http://127.0.0.1:8000/graphql
//
// Prints every audit (id, requirement and name, status, reason) and a score line, and exits
// non-zero when a MUST audit fails (status `error`): SHOULD and MAY failures are reported as
// warnings and notices but do not fail, because the spec makes them recommendations.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL   (e.g. http://127.0.0.1:8000/graphql)');
  process.exit(2);
}

let results;
try {
  results = await auditServer({ url });
} catch (error) {
  // The audits only throw on fatal errors (server unreachable and the like).
  console.error(`graphql-http audit could not run against ${url}: ${error?.stack ?? error}`);
  process.exit(2);
}

const order = { error: 0, warn: 1, notice: 2, ok: 3 };
results.sort((a, b) => order[a.status] - order[b.status] || a.id.localeCompare(b.id));

const counts = { ok: 0, warn: 0, notice: 0, error: 0 };
for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  const line = `${result.status.padEnd(6)} ${result.id}  ${result.name}`;
  console.log(result.status === 'ok' ? line : `${line}\n         reason: ${result.reason}`);
}

const notices = counts.notice ? `, ${counts.notice} notices` : '';
console.log(
  `graphql-http audit: ${counts.ok}/${results.length} ok, ${counts.warn} warnings, ${counts.error} errors${notices}`,
);
process.exit(counts.error > 0 ? 1 : 0);
