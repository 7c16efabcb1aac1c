// Prints the fidelity table of docs/fidelity.md (run `npm run build` first):
//   node scripts/fidelity.mjs            markdown table + medians
//   node scripts/fidelity.mjs --json     medians as JSON (what test/fidelity records)
import { fidelityCases } from '../dist/fidelity/cases.js';
import { fidelityRow, formatFidelityMarkdown, medians } from '../dist/fidelity/table.js';

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const rows = fidelityCases().filter((c) => !only || c.id.includes(only)).map((c) => fidelityRow(c));
if (process.argv.includes('--json')) console.log(JSON.stringify(medians(rows), null, 2));
else process.stdout.write(formatFidelityMarkdown(rows));
