import { readFileSync } from 'node:fs';

/** vaekit's version, read from its package.json (found the same way from src/ and dist/). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
