// Prints the fidelity table of docs/fidelity.md (run `npm run build` first):
//   node scripts/fidelity.mjs                  markdown table + medians
//   node scripts/fidelity.mjs --json           medians as JSON (what test/fidelity records)
//   node scripts/fidelity.mjs --only=TEXT      cases whose id contains TEXT
//   node scripts/fidelity.mjs --try=FIT.json   with the values of a fit-efficiency.mjs output (before committing them)
import { readFileSync } from 'node:fs';
import { findGpu } from '../dist/catalog/catalog.js';
import { fidelityCases } from '../dist/fidelity/cases.js';
import { inlineOverridesFor, overridesFor } from '../dist/fidelity/fit.js';
import { fidelityRow, formatFidelityMarkdown, medians } from '../dist/fidelity/table.js';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = arg('only');
const tryFile = arg('try');
const trial = tryFile ? JSON.parse(readFileSync(tryFile, 'utf8')) : null;
const rows = fidelityCases()
  .filter((c) => !only || c.id.includes(only))
  .map((c) => {
    if (!trial || c.gpu !== trial.gpu) return fidelityRow(c);
    return fidelityRow(c, c.gpuSpec ? inlineOverridesFor(c.gpuSpec, trial.values) : overridesFor(findGpu(c.gpu), trial.values));
  });
if (process.argv.includes('--json')) console.log(JSON.stringify(medians(rows), null, 2));
else process.stdout.write(formatFidelityMarkdown(rows));
