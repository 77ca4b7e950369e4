// `npm run bench` starts this file with plain node (package.json: "node dist/../bench/run.js").
// The benchmark itself is TypeScript, so load tsx's ESM hooks here and hand over to bench/run.ts,
// in the same process and with the same command-line arguments.
import { register } from 'tsx/esm/api';

register();
await import('./run.ts');
