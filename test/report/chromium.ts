import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Chromium binary: $CHROMIUM, else Debian's /usr/bin/chromium (CI installs it). */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** Flags for a quiet, offline, throwaway headless browser. */
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--hide-scrollbars', '--mute-audio',
];

export interface PageLoad {
  /** The DOM after load (scripts have run). */
  dom: string;
  /** Console messages the page produced (Chromium logs them as `:CONSOLE(...)` lines). */
  console: string[];
  status: number | null;
}

function chromium(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const profile = mkdtempSync(join(tmpdir(), 'capsim-chromium-'));
  try {
    const r = spawnSync(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Loads a local HTML file and returns its DOM and console output. */
export function loadPage(htmlFile: string): PageLoad {
  const r = chromium(['--enable-logging=stderr', '--v=0', '--dump-dom', pathToFileURL(htmlFile).href]);
  return { dom: r.stdout, console: r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)), status: r.status };
}

/** Screenshots a local HTML file into `pngFile`. */
export function screenshot(htmlFile: string, pngFile: string, size = '1280,2400'): number | null {
  return chromium([`--screenshot=${pngFile}`, `--window-size=${size}`, pathToFileURL(htmlFile).href]).status;
}
