import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option } from 'commander';
import { inputError } from '../../errors.js';
import { didYouMean } from '../../workload/suggest.js';
import { EXIT, guarded } from '../context.js';
import type { RegisterCommand } from './index.js';

/** The bundled starter workloads (`workloads/templates/<name>.yaml` at the package root). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../workloads/templates/', import.meta.url));
/** The workload JSON Schema that editors read through each file's first line. */
export const SCHEMA_FILE = fileURLToPath(new URL('../../../workloads/workload.schema.json', import.meta.url));
export const DEFAULT_TEMPLATE = 'chatbot';
const SCHEMA_LINE = /^# yaml-language-server: \$schema=.*$/m;

export interface Template {
  name: string;
  /** The first line of the header comment, without `# `. */
  description: string;
  text: string;
}

/** Every template, sorted by name. */
export function listTemplates(): Template[] {
  return readdirSync(TEMPLATES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const text = readFileSync(join(TEMPLATES_DIR, f), 'utf8');
      return { name: f.replace(/\.yaml$/, ''), description: headerLine(text), text };
    });
}

/** The first comment line that is not the editor's schema line. */
export function headerLine(text: string): string {
  for (const line of text.split('\n')) {
    if (SCHEMA_LINE.test(line)) continue;
    if (line.startsWith('#')) return line.replace(/^#\s*/, '').trim();
    if (line.trim() !== '') break;
  }
  return '';
}

/** A template's text for a file at `outFile`: its schema line points at the installed schema. */
export function templateFor(template: Template, outFile: string): string {
  let path = relative(dirname(resolve(outFile)), SCHEMA_FILE).split('\\').join('/');
  if (!path.startsWith('.') && !path.startsWith('/')) path = `./${path}`;
  return template.text.replace(SCHEMA_LINE, `# yaml-language-server: $schema=${path}`);
}

interface InitFlags {
  out?: string;
  force?: boolean;
  list?: boolean;
  debug?: boolean;
}

/**
 * `capsim init [template]`: writes a commented starter workload that validates and runs as is.
 * Never overwrites a file unless --force.
 */
export const registerInit: RegisterCommand = (program, io, done) => {
  program
    .command('init')
    .description('write a commented starter workload')
    .argument('[template]', `starter to copy (default ${DEFAULT_TEMPLATE}; --list shows them)`)
    .addOption(new Option('--out <file>', 'file to write (default: <template>.yaml in the current folder)'))
    .addOption(new Option('--force', 'overwrite the file if it exists'))
    .addOption(new Option('--list', 'list the templates and exit'))
    .addOption(new Option('--debug', 'show stack traces of internal errors'))
    .addHelpText(
      'after',
      `
Examples:
  capsim init --list
  capsim init rag --out my-rag.yaml && capsim run my-rag.yaml`,
    )
    .action(async (name: string | undefined, flags: InitFlags) => {
      done(
        await guarded(io, Boolean(flags.debug), () => {
          const templates = listTemplates();
          if (flags.list) {
            const width = Math.max(...templates.map((t) => t.name.length));
            io.out(`${templates.map((t) => `${t.name.padEnd(width)}  ${t.description}`).join('\n')}\n`);
            return EXIT.ok;
          }
          const chosen = name ?? DEFAULT_TEMPLATE;
          const template = templates.find((t) => t.name === chosen);
          if (!template) {
            const names = templates.map((t) => t.name);
            const hint = didYouMean(chosen, names);
            throw inputError(`unknown template '${chosen}'${hint ? ` (${hint})` : ''}; templates: ${names.join(', ')}`);
          }
          const out = flags.out ?? `${template.name}.yaml`;
          if (existsSync(out) && !flags.force) {
            throw inputError('already exists; use --force to overwrite it, or --out FILE to write elsewhere', { file: out });
          }
          mkdirSync(dirname(resolve(out)), { recursive: true });
          writeFileSync(out, templateFor(template, out), { flag: flags.force ? 'w' : 'wx' });
          io.out(`wrote ${out} from template ${template.name}\nnext: capsim validate ${out} && capsim run ${out}\n`);
          return EXIT.ok;
        }),
      );
    });
};
